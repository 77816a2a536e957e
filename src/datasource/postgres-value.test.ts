// SPEC H3 on PostgreSQL's text forms: per-type parsers, arrays, and nothing set on pg's global table.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { parsePgArray, pgTextParserFor, pgTypeOids as o } from './postgres-value.js';

const parse = (oid: number, text: string): unknown => pgTextParserFor(oid)(text);

describe('PostgreSQL value mapping (H3)', () => {
  it('H3 integers are numbers, beyond 2^53 exact decimal text; booleans are booleans', () => {
    assert.equal(parse(o.int4, '-42'), -42);
    assert.equal(parse(o.int8, '9007199254740991'), 9007199254740991);
    assert.equal(parse(o.int8, '9223372036854775807'), '9223372036854775807');
    assert.equal(parse(o.bool, 't'), true);
    assert.equal(parse(o.bool, 'f'), false);
  });

  it('H3 numeric and floats stay exact text; timestamps are RFC 3339 UTC; dates are midnight UTC', () => {
    assert.equal(parse(1700, '12345678901234567890.000000001'), '12345678901234567890.000000001');
    assert.equal(parse(701, '0.1'), '0.1');
    assert.equal(parse(o.timestamptz, '2024-01-02 03:04:05.678+00'), '2024-01-02T03:04:05.678Z');
    assert.equal(parse(o.timestamp, '2024-01-02 03:04:05'), '2024-01-02T03:04:05Z');
    assert.equal(parse(o.date, '2024-01-02'), '2024-01-02T00:00:00Z');
    assert.equal(parse(o.timestamptz, 'infinity'), 'infinity');
  });

  it('H3 json and jsonb are values with big integers as text; BIT(1) is a boolean; bytea is UTF-8', () => {
    assert.deepEqual(parse(o.jsonb, '{"a": [1, 12345678901234567890], "b": "x"}'), {
      a: [1, '12345678901234567890'],
      b: 'x',
    });
    assert.equal(parse(o.bit, '1'), true);
    assert.equal(parse(o.bit, '101'), '5');
    assert.equal(parse(o.bytea, '\\x6869'), 'hi');
    assert.equal(
      parse(2950, '0e9c7c3e-0000-4000-8000-000000000000'),
      '0e9c7c3e-0000-4000-8000-000000000000',
    );
  });

  it('H3 arrays keep their element mapping; quoted, escaped, NULL and nested elements', () => {
    assert.deepEqual(parse(o.int4Array, '{1,2,NULL}'), [1, 2, '']);
    assert.deepEqual(parse(o.textArray, '{"a b","c\\"d",NULL,"NULL"}'), ['a b', 'c"d', '', 'NULL']);
    assert.deepEqual(parse(o.int8Array, '{{1,2},{3,99999999999999999999}}'), [
      [1, 2],
      [3, '99999999999999999999'],
    ]);
    assert.deepEqual(
      parsePgArray('[0:1]={x,y}', (t) => t),
      ['x', 'y'],
    );
    assert.deepEqual(parse(o.textArray, '{}'), []);
    assert.equal(parse(o.textArray, '{unterminated'), '{unterminated', 'not an array: the text');
  });

  it("never changes pg's global parsers (other pg users in the process are unaffected)", () => {
    assert.equal(
      pg.types.getTypeParser(pg.types.builtins.INT8, 'text')('9223372036854775807'),
      '9223372036854775807',
    );
    assert.ok(
      pg.types.getTypeParser(
        pg.types.builtins.TIMESTAMPTZ,
        'text',
      )('2024-01-02 03:04:05+00') instanceof Date,
    );
  });
});
