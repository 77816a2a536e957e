// Unit tests for SPEC H3's type mapping from column values to variable values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { columnTypes, toRfc3339, toVariableValue, type ColumnInfo } from './column-value.js';

const column = (columnType: number, extra: Partial<ColumnInfo> = {}): ColumnInfo => ({
  name: 'c',
  columnType,
  columnLength: 11,
  ...extra,
});

describe('toVariableValue (H3)', () => {
  it('H3 maps NULL to ""', () => {
    for (const type of Object.values(columnTypes)) {
      assert.equal(toVariableValue(column(type), null), '');
    }
  });

  it('H3 maps integers to numbers and beyond 2^53 to decimal strings', () => {
    assert.equal(toVariableValue(column(columnTypes.long), 42), 42);
    assert.equal(toVariableValue(column(columnTypes.tiny), -1), -1);
    assert.equal(toVariableValue(column(columnTypes.year), 2024), 2024);
    assert.equal(
      toVariableValue(column(columnTypes.longlong), '9007199254740993'),
      '9007199254740993',
    );
    assert.equal(
      toVariableValue(column(columnTypes.longlong), 2n ** 64n - 1n),
      '18446744073709551615',
    );
    assert.equal(toVariableValue(column(columnTypes.longlong), 5n), 5);
  });

  it('H3 maps DECIMAL to its exact text', () => {
    assert.equal(toVariableValue(column(columnTypes.newdecimal), '12.500'), '12.500');
    assert.equal(toVariableValue(column(columnTypes.decimal), '0.1'), '0.1');
  });

  it('H3 maps DATE, DATETIME and TIMESTAMP to RFC 3339 in UTC', () => {
    assert.equal(
      toVariableValue(column(columnTypes.datetime), '2024-01-02 03:04:05'),
      '2024-01-02T03:04:05Z',
    );
    assert.equal(
      toVariableValue(column(columnTypes.timestamp), '2024-01-02 03:04:05.678000'),
      '2024-01-02T03:04:05.678000Z',
    );
    assert.equal(toVariableValue(column(columnTypes.date), '2024-01-02'), '2024-01-02T00:00:00Z');
  });

  it('H3 maps JSON (MySQL type or MariaDB json format) to the parsed value', () => {
    assert.deepEqual(toVariableValue(column(columnTypes.json), '{"a":[1,2],"b":null}'), {
      a: [1, 2],
      b: null,
    });
    assert.deepEqual(
      toVariableValue(
        column(252, { extendedFormat: 'json' }),
        Buffer.from('{"n":9007199254740993}'),
      ),
      { n: '9007199254740993' },
    );
    assert.deepEqual(toVariableValue(column(columnTypes.json), { already: true }), {
      already: true,
    });
    assert.equal(toVariableValue(column(columnTypes.json), 'not json'), 'not json');
  });

  it('H3 maps BIT(1) to a boolean and wider BIT to a decimal string', () => {
    assert.equal(
      toVariableValue(column(columnTypes.bit, { columnLength: 1 }), Buffer.from([1])),
      true,
    );
    assert.equal(
      toVariableValue(column(columnTypes.bit, { columnLength: 1 }), Buffer.from([0])),
      false,
    );
    assert.equal(
      toVariableValue(column(columnTypes.bit, { columnLength: 16 }), Buffer.from([1, 2])),
      '258',
    );
  });

  it('H3 maps everything else to a string', () => {
    assert.equal(toVariableValue(column(253), 'text'), 'text');
    assert.equal(toVariableValue(column(252), Buffer.from('blob ✓')), 'blob ✓');
    assert.equal(toVariableValue(column(columnTypes.double), 1.5), '1.5');
    assert.equal(toVariableValue(column(columnTypes.float), 1), '1');
    assert.equal(toVariableValue(column(columnTypes.time), '12:00:00'), '12:00:00');
    assert.equal(toVariableValue(column(253), '{{ uid }}'), '{{ uid }}');
  });
});

describe('toRfc3339', () => {
  it('never depends on the process time zone (text is rearranged, not parsed)', () => {
    const saved = process.env['TZ'];
    try {
      process.env['TZ'] = 'Asia/Kolkata';
      assert.equal(toRfc3339('2024-03-10 02:30:00'), '2024-03-10T02:30:00Z');
    } finally {
      if (saved === undefined) delete process.env['TZ'];
      else process.env['TZ'] = saved;
    }
  });

  it('maps zero and partly zero dates to ""', () => {
    assert.equal(toRfc3339('0000-00-00 00:00:00'), '');
    assert.equal(toRfc3339('2024-00-10'), '');
    assert.equal(toRfc3339('0000-00-00'), '');
  });

  it('takes a Date as an instant', () => {
    assert.equal(toRfc3339(new Date(Date.UTC(2024, 0, 2, 3, 4, 5))), '2024-01-02T03:04:05.000Z');
  });
});
