// Tests of the schema builder: the JSON it emits and the types it infers.
import assert from 'node:assert/strict';
import { describe as suite, it } from 'node:test';
import {
  arr,
  bool,
  dateTime,
  describe,
  int,
  intOrString,
  map,
  obj,
  preserveUnknown,
  str,
} from './schema-builder.js';
import type { Infer, InferInput } from './schema-builder.js';

/** Compile-time equality (mutual assignability): assigning `true` fails when A and B differ. */
type Equal<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;

const sample = obj(
  {
    name: str({ minLength: 1 }),
    mode: str({ enum: ['a', 'b'], default: 'a' }),
    count: int({ minimum: 0 }),
    on: bool({ default: true }),
    tags: arr(str()),
    labels: map(str()),
    body: preserveUnknown(),
    amount: intOrString({ default: '50%' }),
    at: dateTime(),
    nested: obj({ key: str() }, { required: ['key'] }),
  },
  { required: ['name'] },
);

suite('schema builder', () => {
  it('infers required, defaulted and optional fields as read from the API server', () => {
    type Out = Infer<typeof sample>;
    const same: Equal<
      Out,
      {
        readonly name: string;
        readonly mode: 'a' | 'b';
        readonly on: boolean;
        readonly amount: number | string;
        readonly count?: number;
        readonly tags?: readonly string[];
        readonly labels?: Readonly<Record<string, string>>;
        readonly body?: Readonly<Record<string, unknown>>;
        readonly at?: string;
        readonly nested?: { readonly key: string };
      }
    > = true;
    assert.equal(same, true);
  });

  it('infers defaulted fields as optional for writers', () => {
    type In = InferInput<typeof sample>;
    const same: Equal<
      In,
      {
        readonly name: string;
        readonly mode?: 'a' | 'b';
        readonly on?: boolean;
        readonly amount?: number | string;
        readonly count?: number;
        readonly tags?: readonly string[];
        readonly labels?: Readonly<Record<string, string>>;
        readonly body?: Readonly<Record<string, unknown>>;
        readonly at?: string;
        readonly nested?: { readonly key: string };
      }
    > = true;
    assert.equal(same, true);
    // exactOptionalPropertyTypes: an optional field cannot be set to undefined.
    // @ts-expect-error undefined is not a string
    const bad: In = { name: 'x', at: undefined };
    assert.ok(bad);
  });

  it('emits only the options given, with type on every node', () => {
    assert.deepEqual(sample.json.required, ['name']);
    assert.deepEqual(str().json, { type: 'string' });
    assert.deepEqual(int({ minimum: 1, maximum: 3, default: 2, format: 'int32' }).json, {
      default: 2,
      type: 'integer',
      format: 'int32',
      minimum: 1,
      maximum: 3,
    });
    assert.deepEqual(map(str()).json, {
      type: 'object',
      additionalProperties: { type: 'string' },
    });
    assert.deepEqual(intOrString().json, { 'x-kubernetes-int-or-string': true });
    assert.deepEqual(preserveUnknown().json, {
      type: 'object',
      'x-kubernetes-preserve-unknown-fields': true,
    });
  });

  it('emits objects with required names and CEL rules', () => {
    const rule = { rule: 'self == oldSelf', message: 'immutable' };
    const schema = obj({ a: str({ validations: [rule] }), b: int() }, { required: ['a'] });
    assert.deepEqual(schema.json, {
      type: 'object',
      properties: {
        a: { type: 'string', 'x-kubernetes-validations': [rule] },
        b: { type: 'integer' },
      },
      required: ['a'],
    });
    assert.equal('required' in obj({ a: str() }).json, false);
  });

  it('emits map lists with their keys', () => {
    const list = arr(obj({ id: str() }, { required: ['id'] }), {
      listType: 'map',
      listMapKeys: ['id'],
    });
    assert.equal(list.json['x-kubernetes-list-type'], 'map');
    assert.deepEqual(list.json['x-kubernetes-list-map-keys'], ['id']);
  });

  it('refuses a map list without keys and keys without a map list', () => {
    assert.throws(() => arr(str(), { listType: 'map' }), /listMapKeys/);
    assert.throws(() => arr(str(), { listMapKeys: ['id'] }), /listMapKeys/);
  });

  it('refuses a default outside the enum', () => {
    assert.throws(() => str({ enum: ['a'], default: 'b' }), /not one of/);
  });

  it('describes a shared schema without changing the original', () => {
    const shared = str({ description: 'shared' });
    const described = describe(shared, 'here');
    assert.deepEqual(described.json, { description: 'here', type: 'string' });
    assert.equal(shared.json.description, 'shared');
  });
});
