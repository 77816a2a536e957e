// Every field of the generated CRDs carries a description, so `kubectl explain` explains it (SPEC §1).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { lynqCrds } from './lynq-crds.js';
import type { JsonSchema } from './schema-builder.js';

/**
 * The paths of every schema node that `kubectl explain` shows: each property, and the items of a
 * list or the values of a map when they are objects (scalar items are explained by their list).
 */
function* explained(schema: JsonSchema, path: string): Generator<[string, JsonSchema]> {
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    yield [`${path}.${name}`, child];
    yield* explained(child, `${path}.${name}`);
  }
  if (schema.items !== undefined) {
    if (schema.items.type === 'object') yield [`${path}[]`, schema.items];
    yield* explained(schema.items, `${path}[]`);
  }
  if (schema.additionalProperties !== undefined) {
    if (schema.additionalProperties.type === 'object') {
      yield [`${path}{}`, schema.additionalProperties];
    }
    yield* explained(schema.additionalProperties, `${path}{}`);
  }
}

/**
 * The root's `metadata` is ObjectMeta, described by the API server itself, which rejects a CRD
 * that specifies anything but its type.
 */
const serverDescribed = (path: string): boolean => /^[a-z]+\.metadata$/.test(path);

const undescribed = (schema: JsonSchema, path: string): string[] =>
  [...explained(schema, path)]
    .filter(([p, node]) => (node.description ?? '').trim() === '' && !serverDescribed(p))
    .map(([p]) => p);

describe('CRD descriptions', () => {
  for (const crd of lynqCrds) {
    it(`§1 every field of ${crd.spec.names.kind} has a non-empty description`, () => {
      const root = crd.spec.versions[0]?.schema.openAPIV3Schema;
      assert.ok(root);
      assert.ok((root.description ?? '').trim() !== '', 'the kind itself');
      assert.deepEqual(undescribed(root, crd.spec.names.kind.toLowerCase()), []);
    });
  }

  it('finds a missing description in a list item, a map value and a top-level object', () => {
    const schema: JsonSchema = {
      type: 'object',
      properties: {
        spec: {
          type: 'object',
          properties: {
            list: { description: 'a list', type: 'array', items: { type: 'object' } },
            names: { description: 'scalars', type: 'array', items: { type: 'string' } },
            map: { description: 'a map', type: 'object', additionalProperties: { type: 'object' } },
          },
        },
      },
    };
    assert.deepEqual(undescribed(schema, 'x'), ['x.spec', 'x.spec.list[]', 'x.spec.map{}']);
  });

  it('§1 the root metadata has only its type: the API server rejects anything more', () => {
    for (const crd of lynqCrds) {
      const root = crd.spec.versions[0]?.schema.openAPIV3Schema;
      assert.deepEqual(root?.properties?.['metadata'], { type: 'object' });
    }
  });
});
