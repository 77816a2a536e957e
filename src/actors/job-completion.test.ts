// Completed Jobs (SPEC N7): what counts as a completed run, where it comes from, when it stops a gone Job from running again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppliedResource } from '../api/lynq-node.schema.js';
import { markedHash } from '../kube/apply-resource.js';
import type { ChildChange } from '../kube/child-watcher.js';
import type { KubeObject } from '../kube/kube-object.js';
import {
  completedRunOf,
  completionHolds,
  completionOfChange,
  completionsOf,
  withCompletion,
} from './job-completion.js';

const node = { name: 'n1', namespace: 'home' };
const tracked = { 'lynq.sh/node': 'n1', 'lynq.sh/node-namespace': 'home' };

const job = (
  conditions: { type: string; status: string }[] | undefined,
  extra: { labels?: Record<string, string>; hash?: string; name?: string } = {},
): KubeObject => ({
  apiVersion: 'batch/v1',
  kind: 'Job',
  metadata: {
    name: extra.name ?? 'migrate',
    namespace: 'home',
    labels: extra.labels ?? tracked,
    annotations: { 'lynq.sh/desired-hash': extra.hash ?? 'h1' },
  },
  ...(conditions === undefined ? {} : { status: { conditions } }),
});

const complete = [
  { type: 'SuccessCriteriaMet', status: 'True' },
  { type: 'Complete', status: 'True' },
];

const held: AppliedResource[] = [
  {
    id: 'migrate',
    apiVersion: 'batch/v1',
    kind: 'Job',
    namespace: 'home',
    name: 'migrate',
    deletionPolicy: 'Delete',
    creationPolicy: 'Once',
    level: 0,
  },
];

const change = (type: ChildChange['type'], object: KubeObject): ChildChange => ({
  type,
  apiVersion: 'batch/v1',
  kind: 'Job',
  object,
});

describe('job completion (N7)', () => {
  it('N7 N8 a run is completed only by Complete=True, and carries the hash it ran without the mark', () => {
    assert.equal(completedRunOf(job(complete)), 'h1');
    assert.equal(completedRunOf(job(complete, { hash: markedHash('h1') })), 'h1');
    assert.equal(completedRunOf(job([{ type: 'Complete', status: 'False' }])), undefined);
    assert.equal(completedRunOf(job([{ type: 'Failed', status: 'True' }])), undefined);
    assert.equal(completedRunOf(job(undefined)), undefined);
    assert.equal(completedRunOf(undefined), undefined);
  });

  it('N7 a watch reports the completion of a Job the node holds, also in a deleted last state', () => {
    assert.deepEqual(completionOfChange(change('changed', job(complete)), node, held), {
      id: 'migrate',
      completion: { hash: 'h1' },
    });
    assert.deepEqual(completionOfChange(change('deleted', job(complete)), node, held), {
      id: 'migrate',
      completion: { hash: 'h1' },
    });
    assert.equal(completionOfChange(change('changed', job(undefined)), node, held), undefined);
    assert.equal(
      completionOfChange(
        change('changed', job(complete, { labels: { ...tracked, 'lynq.sh/node': 'other' } })),
        node,
        held,
      ),
      undefined,
      "another node's Job",
    );
    assert.equal(
      completionOfChange(change('changed', job(complete, { name: 'unknown' })), node, held),
      undefined,
      'a Job the node does not hold',
    );
    assert.equal(
      completionOfChange(
        { ...change('changed', job(complete)), apiVersion: 'v1', kind: 'ConfigMap' },
        node,
        held,
      ),
      undefined,
      'only Jobs complete',
    );
  });

  it('N7 Once: a completed run holds whatever the form says now, for the same object only', () => {
    assert.equal(completionHolds({ hash: 'h1' }, 'Once', 'h2', true), true);
    assert.equal(completionHolds({ hash: 'h1' }, 'Once', 'h1', false), false, 'renamed');
    assert.equal(completionHolds(undefined, 'Once', 'h1', true), false, 'never completed');
  });

  it('N7 WhenNeeded: a completed run holds until the desired hash changes; the mark is no change', () => {
    assert.equal(completionHolds({ hash: 'h1' }, 'WhenNeeded', 'h1', true), true);
    assert.equal(completionHolds({ hash: 'h1' }, 'WhenNeeded', markedHash('h1'), true), true);
    assert.equal(completionHolds({ hash: 'h1' }, 'WhenNeeded', 'h2', true), false);
  });

  it('N7 the completion is published in status and read back from it after a restart', () => {
    const completions = new Map([['migrate', { hash: 'h1' }]]);
    const published = withCompletion({ id: 'migrate', state: 'Ready' }, completions);
    assert.deepEqual(published, {
      id: 'migrate',
      state: 'Ready',
      completed: true,
      completedHash: 'h1',
    });
    assert.deepEqual(withCompletion({ id: 'other', state: 'Ready' }, completions), {
      id: 'other',
      state: 'Ready',
    });
    assert.deepEqual(
      completionsOf([published, { id: 'other', state: 'Ready' }]),
      new Map([['migrate', { hash: 'h1' }]]),
    );
  });
});
