// Unit tests for building typed rows, their variables and canonical JSON (H2, H3).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { columnTypes, type ColumnInfo } from './column-value.js';
import { buildRowSet, hostOf } from './row-builder.js';
import { planRowQuery } from './row-query-plan.js';

const text = (name: string): ColumnInfo => ({ name, columnType: 253, columnLength: 255 });

describe('buildRowSet', () => {
  const plan = planRowQuery({
    table: 't',
    columns: { uid: 'id', activate: 'on', hostOrUrl: 'url', extra: { zone: 'z', n: 'num' } },
  });
  const columns: ColumnInfo[] = [
    text('id'),
    { name: 'on', columnType: columnTypes.bit, columnLength: 1 },
    text('url'),
    { name: 'num', columnType: columnTypes.long, columnLength: 11 },
    text('z'),
  ];

  it('H3 builds the variables uid, activate, hostOrUrl, host and every extra mapping', () => {
    const set = buildRowSet(plan, columns, [
      ['a', Buffer.from([1]), 'https://a.example.com:8443/x', 7, '{{ uid }}'],
    ]);
    assert.equal(set.total, 1);
    assert.equal(set.active, 1);
    assert.deepEqual(set.rejected, []);
    const [row] = set.rows;
    assert.ok(row);
    assert.equal(row.uid, 'a');
    assert.equal(row.active, true);
    assert.deepEqual(row.variables, {
      uid: 'a',
      activate: true,
      hostOrUrl: 'https://a.example.com:8443/x',
      host: 'a.example.com',
      n: 7,
      zone: '{{ uid }}',
    });
    assert.equal(
      row.canonical,
      '{"activate":true,"host":"a.example.com","hostOrUrl":"https://a.example.com:8443/x","n":7,"uid":"a","zone":"{{ uid }}"}',
    );
  });

  it('H3 gives the same canonical text for the same row on every read', () => {
    const record = ['a', Buffer.from([0]), null, 7, 'x'];
    const first = buildRowSet(plan, columns, [record]).rows[0];
    const second = buildRowSet(plan, columns, [[...record]]).rows[0];
    assert.ok(first && second);
    assert.equal(first.canonical, second.canonical);
    assert.equal(first.active, false);
    assert.deepEqual(first.variables['host'], '');
  });

  it('H2 counts active rows and keeps inactive ones', () => {
    const set = buildRowSet(plan, columns, [
      ['a', Buffer.from([1]), '', 1, ''],
      ['b', Buffer.from([0]), '', 1, ''],
      ['c', null, '', 1, ''],
    ]);
    assert.equal(set.total, 3);
    assert.equal(set.active, 1);
    assert.deepEqual(
      set.rows.map((r) => [r.uid, r.active]),
      [
        ['a', true],
        ['b', false],
        ['c', false],
      ],
    );
  });

  it('gives an integer uid as text in Row.uid and as a number in variables', () => {
    const intPlan = planRowQuery({ table: 't', columns: { uid: 'id', activate: 'on', extra: {} } });
    const set = buildRowSet(
      intPlan,
      [{ name: 'id', columnType: columnTypes.longlong, columnLength: 20 }, text('on')],
      [
        [42, 'yes'],
        ['9007199254740993', 'yes'],
      ],
    );
    assert.deepEqual(
      set.rows.map((r) => [r.uid, r.variables['uid']]),
      [
        ['42', 42],
        ['9007199254740993', '9007199254740993'],
      ],
    );
  });

  it('rejects rows whose uid is not a scalar and keeps empty uids for the hub', () => {
    const jsonPlan = planRowQuery({
      table: 't',
      columns: { uid: 'id', activate: 'on', extra: {} },
    });
    const set = buildRowSet(
      jsonPlan,
      [{ name: 'id', columnType: columnTypes.json, columnLength: 0 }, text('on')],
      [
        ['{"b":1,"a":2}', '1'],
        [null, '1'],
      ],
    );
    assert.deepEqual(set.rejected, [{ uid: '{"a":2,"b":1}', reason: 'UidNotScalar' }]);
    assert.equal(set.total, 2);
    assert.deepEqual(
      set.rows.map((r) => r.uid),
      [''],
    );
  });
});

describe('hostOf (H3)', () => {
  it('takes the host of a URL and the value itself otherwise', () => {
    assert.equal(hostOf('https://a.example.com:8443/path?q=1'), 'a.example.com');
    assert.equal(hostOf('http://user:pw@b.example.com'), 'b.example.com');
    assert.equal(hostOf('http://[::1]:80/'), '::1');
    assert.equal(hostOf('c.example.com'), 'c.example.com');
    assert.equal(hostOf('c.example.com:8080'), 'c.example.com:8080');
    assert.equal(hostOf(''), '');
    assert.equal(hostOf(12), '12');
  });
});
