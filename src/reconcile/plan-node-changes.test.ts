// The hub's per-sync decision: creations, updates and deletions for every reason SPEC H4/H5/F2 names, and none for others.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../api/canonical-json.js';
import { nodeName } from '../api/node-name.js';
import { planNodeChanges, type ExistingNode, type RowInput } from './plan-node-changes.js';

const row = (uid: string, active = true, extra: Record<string, unknown> = {}): RowInput => ({
  uid,
  active,
  variables: { uid, activate: active ? '1' : '0', ...extra },
});

const existing = (
  uid: string,
  form: string,
  r: RowInput = row(uid),
  deleting = false,
): ExistingNode => ({
  name: nodeName(uid, form),
  uid,
  form,
  deleting,
  variablesCanonical: canonicalJson({ ...r.variables, hubId: 'hub', templateRef: form }),
});

const names = (nodes: readonly { name: string }[]): string[] => nodes.map((n) => n.name).sort();

describe('planNodeChanges', () => {
  it('H4 creates forms × active rows (2 forms × 2 rows → 4 nodes)', () => {
    const plan = planNodeChanges({
      hub: 'hub',
      rows: [row('a'), row('b'), row('c', false)],
      forms: [
        { name: 'web', valid: true },
        { name: 'db', valid: true },
      ],
      existing: [],
    });
    assert.deepEqual(
      names(plan.create),
      names([
        { name: nodeName('a', 'web') },
        { name: nodeName('a', 'db') },
        { name: nodeName('b', 'web') },
        { name: nodeName('b', 'db') },
      ]),
    );
    assert.deepEqual(plan.rows, { total: 3, active: 2, rejected: 0 });
    assert.deepEqual(plan.create[0]?.variables, {
      uid: 'a',
      activate: '1',
      hubId: 'hub',
      templateRef: 'web',
    });
  });

  it('H6 plans nothing when nothing changed', () => {
    const rows = [row('a', true, { plan: 'pro' })];
    const plan = planNodeChanges({
      hub: 'hub',
      rows,
      forms: [{ name: 'web', valid: true }],
      existing: [existing('a', 'web', rows[0])],
    });
    assert.deepEqual([plan.create.length, plan.update.length, plan.delete.length], [0, 0, 0]);
  });

  it('H5 updates a node whose variables changed', () => {
    const plan = planNodeChanges({
      hub: 'hub',
      rows: [row('a', true, { plan: 'enterprise' })],
      forms: [{ name: 'web', valid: true }],
      existing: [existing('a', 'web', row('a', true, { plan: 'pro' }))],
    });
    assert.equal(plan.update.length, 1);
    assert.equal(plan.update[0]?.variables['plan'], 'enterprise');
  });

  it('H5 deletes for a row gone, a row inactive and a form gone — with the cause', () => {
    const plan = planNodeChanges({
      hub: 'hub',
      rows: [row('inactive', false), row('kept')],
      forms: [{ name: 'web', valid: true }],
      existing: [
        existing('gone', 'web'),
        existing('inactive', 'web'),
        existing('kept', 'web'),
        existing('kept', 'removed-form'),
      ],
    });
    assert.deepEqual(plan.delete.map((d) => `${d.uid}/${d.form}:${d.cause}`).sort(), [
      'gone/web:RowGone',
      'inactive/web:RowInactive',
      'kept/removed-form:FormGone',
    ]);
  });

  it('F2 an invalid form creates and updates nothing but its gone rows still delete', () => {
    const plan = planNodeChanges({
      hub: 'hub',
      rows: [row('a', true, { plan: 'new' }), row('b')],
      forms: [{ name: 'web', valid: false }],
      existing: [existing('a', 'web', row('a', true, { plan: 'old' })), existing('gone', 'web')],
    });
    assert.equal(plan.create.length, 0);
    assert.equal(plan.update.length, 0);
    assert.deepEqual(
      plan.delete.map((d) => d.uid),
      ['gone'],
    );
  });

  it('H4 a duplicated uid changes nothing: its node stays, none is created, it is reported', () => {
    const plan = planNodeChanges({
      hub: 'hub',
      rows: [row('dup', true, { plan: 'x' }), row('dup', false), row('twin'), row('twin')],
      forms: [{ name: 'web', valid: true }],
      existing: [existing('dup', 'web')],
    });
    assert.deepEqual([plan.create.length, plan.update.length, plan.delete.length], [0, 0, 0]);
    assert.deepEqual(plan.rejected.duplicateUids, ['dup', 'twin']);
    assert.equal(plan.rows.rejected, 4);
  });

  it('H4 rejects a row with an empty uid', () => {
    const plan = planNodeChanges({
      hub: 'hub',
      rows: [row('')],
      forms: [{ name: 'web', valid: true }],
      existing: [],
    });
    assert.equal(plan.create.length, 0);
    assert.equal(plan.rejected.emptyUid, 1);
  });

  it('leaves nodes that are already being deleted alone and does not re-create them meanwhile', () => {
    const plan = planNodeChanges({
      hub: 'hub',
      rows: [row('a')],
      forms: [{ name: 'web', valid: true }],
      existing: [existing('a', 'web', row('a'), true)],
    });
    assert.deepEqual([plan.create.length, plan.update.length, plan.delete.length], [0, 0, 0]);
  });

  it('H6 compares an unchanged row by its canonical text, and still sees a changed one', () => {
    const withText = (r: RowInput): RowInput => ({ ...r, canonical: canonicalJson(r.variables) });
    const before = row('a', true, { plan: 'pro' });
    const node: ExistingNode = {
      ...existing('a', 'web', before),
      rowCanonical: canonicalJson(before.variables),
    };
    const forms = [{ name: 'web', valid: true }];
    const same = planNodeChanges({ hub: 'hub', rows: [withText(before)], forms, existing: [node] });
    assert.equal(same.update.length, 0);
    const changed = withText(row('a', true, { plan: 'max' }));
    const plan = planNodeChanges({ hub: 'hub', rows: [changed], forms, existing: [node] });
    assert.deepEqual(plan.update[0]?.variables, {
      ...changed.variables,
      hubId: 'hub',
      templateRef: 'web',
    });
  });

  it('H3 a row column mapped to hubId is overridden by the hub name, and an unchanged such row updates nothing', () => {
    const r = row('a', true, { hubId: 'from-row' });
    const plan = planNodeChanges({
      hub: 'hub',
      rows: [{ ...r, canonical: canonicalJson(r.variables) }],
      forms: [{ name: 'web', valid: true }],
      existing: [existing('a', 'web', r)],
    });
    assert.equal(plan.update.length, 0);
  });
});
