// Apply levels from dependIds, cycles with their path, missing dependencies.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildDependencyGraph, graphCodes } from './dependency-graph.js';

describe('dependency graph', () => {
  it('N1 puts each resource one level below its deepest dependency', () => {
    const graph = buildDependencyGraph([
      { id: 'svc', dependIds: ['web'] },
      { id: 'ns' },
      { id: 'config', dependIds: ['ns'] },
      { id: 'web', dependIds: ['config', 'ns'] },
      { id: 'sa', dependIds: ['ns'] },
    ]);
    assert.ok(graph.ok);
    assert.deepEqual(graph.levels, [['ns'], ['config', 'sa'], ['web'], ['svc']]);
    assert.equal(graph.levelOf.get('svc'), 3);
  });

  it('N1 gives an empty form no levels', () => {
    assert.deepEqual(buildDependencyGraph([]), { ok: true, levels: [], levelOf: new Map() });
  });

  it('F1 reports a cycle with its path', () => {
    const graph = buildDependencyGraph([
      { id: 'a', dependIds: ['c'] },
      { id: 'b', dependIds: ['a'] },
      { id: 'c', dependIds: ['b'] },
      { id: 'd' },
    ]);
    assert.ok(!graph.ok);
    const [only, ...rest] = graph.errors;
    assert.ok(only !== undefined);
    assert.equal(rest.length, 0);
    assert.equal(only.code, graphCodes.cycle);
    assert.equal(only.message, 'dependency cycle: a → c → b → a');
    assert.deepEqual(only.cycle, ['a', 'c', 'b', 'a']);
  });

  it('F1 reports a resource that depends on itself', () => {
    const graph = buildDependencyGraph([{ id: 'a', dependIds: ['a'] }]);
    assert.equal(graph.ok ? '' : graph.errors[0]?.message, 'dependency cycle: a → a');
  });

  it('F1 reports every distinct cycle once', () => {
    const graph = buildDependencyGraph([
      { id: 'a', dependIds: ['b'] },
      { id: 'b', dependIds: ['a'] },
      { id: 'c', dependIds: ['d'] },
      { id: 'd', dependIds: ['c', 'a'] },
    ]);
    assert.deepEqual(graph.ok ? [] : graph.errors.map((e) => e.message), [
      'dependency cycle: a → b → a',
      'dependency cycle: c → d → c',
    ]);
  });

  it('F1 reports dependencies on ids that do not exist and duplicate ids', () => {
    const graph = buildDependencyGraph([
      { id: 'a', dependIds: ['ghost'] },
      { id: 'b' },
      { id: 'b' },
    ]);
    assert.deepEqual(graph.ok ? [] : graph.errors.map((e) => [e.code, e.resourceId]), [
      [graphCodes.duplicateId, 'b'],
      [graphCodes.missingDependency, 'a'],
    ]);
  });
});
