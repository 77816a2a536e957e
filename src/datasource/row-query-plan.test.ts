// Unit tests for the SELECT built from a RowQuery: validated, escaped identifiers and only mapped columns (H1).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LynqError } from '../errors.js';
import type { RowQuery } from './datasource.js';
import { checkIdentifier, planRowQuery } from './row-query-plan.js';

const query = (overrides: Partial<RowQuery['columns']> = {}, table = 'tenants'): RowQuery => ({
  table,
  columns: { uid: 'id', activate: 'is_active', extra: {}, ...overrides },
});

const rejects = (q: RowQuery, code: string, field: string): void => {
  assert.throws(
    () => planRowQuery(q),
    (err: unknown) =>
      err instanceof LynqError &&
      err.code === code &&
      err.kind === 'InvalidSpec' &&
      err.details['field'] === field &&
      err.message.startsWith(`${field}:`),
  );
};

describe('planRowQuery (H1)', () => {
  it('H1 selects only the mapped columns, each once, escaped', () => {
    const plan = planRowQuery(
      query({ hostOrUrl: 'url', extra: { region: 'region', name: 'id', plan: 'plan$1' } }),
    );
    assert.equal(plan.sql, 'SELECT `id`, `is_active`, `url`, `plan$1`, `region` FROM `tenants`');
    assert.deepEqual(plan.columns, ['id', 'is_active', 'url', 'plan$1', 'region']);
    assert.equal(plan.uidIndex, 0);
    assert.equal(plan.activateIndex, 1);
    assert.equal(plan.hostOrUrlIndex, 2);
    assert.deepEqual(plan.extra, [
      { variable: 'name', index: 0 },
      { variable: 'plan', index: 3 },
      { variable: 'region', index: 4 },
    ]);
  });

  it('H1 has no hostOrUrl position when it is not mapped', () => {
    assert.equal(planRowQuery(query()).hostOrUrlIndex, undefined);
    assert.equal(planRowQuery(query()).sql, 'SELECT `id`, `is_active` FROM `tenants`');
  });

  it('H1 rejects identifiers with backticks, quotes, spaces, dots or comments, naming the field', () => {
    for (const bad of [
      'id`',
      'a` FROM x; --',
      "id'",
      'a b',
      'db.t',
      'x/*',
      '',
      'a'.repeat(65),
      'é',
    ]) {
      rejects(query({ uid: bad }), 'InvalidIdentifier', 'spec.valueMappings.uid');
    }
    rejects(query({ activate: 'on`' }), 'InvalidIdentifier', 'spec.valueMappings.activate');
    rejects(query({ hostOrUrl: 'u;' }), 'InvalidIdentifier', 'spec.valueMappings.hostOrUrl');
    rejects(
      query({ extra: { region: 'r`' } }),
      'InvalidIdentifier',
      'spec.extraValueMappings.region',
    );
    rejects(query({}, 'tenants`; DROP TABLE x'), 'InvalidIdentifier', 'spec.source.mysql.table');
  });

  it('rejects extra variables that are empty or reserved', () => {
    for (const name of ['', 'uid', 'activate', 'host', 'hostOrUrl', 'hubId', 'templateRef']) {
      rejects(
        query({ extra: { [name]: 'col' } }),
        'InvalidMapping',
        `spec.extraValueMappings.${name}`,
      );
    }
  });

  it('accepts the full identifier alphabet up to 64 characters', () => {
    assert.equal(checkIdentifier('A_z$09', 'f'), 'A_z$09');
    assert.equal(checkIdentifier('a'.repeat(64), 'f'), 'a'.repeat(64));
  });
});
