// One summarising event per reason and cause for a sync's node writes, naming the nodes.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { nodeChangeEvents, nodesFailedEvents } from './node-change-summary.js';

const node = (uid: string, form = 'web') => ({ name: `${uid}-${form}-x1`, uid, form });

it('O1 deletions of one sync make one event per cause, naming the nodes, never one per node', () => {
  const events = nodeChangeEvents({
    created: [],
    updated: [],
    deleted: [
      { ...node('initech'), cause: 'RowGone' },
      { ...node('acme'), cause: 'RowGone' },
      { ...node('globex'), cause: 'RowInactive' },
      { ...node('umbrella'), cause: 'RowGone' },
    ],
  });
  assert.deepEqual(events, [
    {
      reason: 'NodesDeleted',
      message: '3 nodes deleted: RowGone (acme/web, initech/web, umbrella/web)',
    },
    { reason: 'NodesDeleted', message: '1 node deleted: RowInactive (globex/web)' },
  ]);
});

it('O1 a large sync names the first few nodes and says how many more', () => {
  const created = Array.from({ length: 1000 }, (_, i) => node(`t${String(i).padStart(4, '0')}`));
  const [event, ...rest] = nodeChangeEvents({ created, updated: [node('acme')], deleted: [] });
  assert.equal(event?.reason, 'NodesCreated');
  assert.equal(
    event.message,
    '1000 nodes created: t0000/web, t0001/web, t0002/web, t0003/web, t0004/web, … 995 more',
  );
  assert.deepEqual(rest, [
    { reason: 'NodesUpdated', message: '1 node updated (row changed): acme/web' },
  ]);
});

it('O1 a sync that wrote nothing has nothing to say', () => {
  assert.deepEqual(nodeChangeEvents({ created: [], updated: [], deleted: [] }), []);
});

it('O1 nodes of a form that failed make one Warning per node reason, naming them in order', () => {
  const events = nodesFailedEvents([
    { name: 'initech-web', reason: 'ApplyFailed' },
    { name: 'acme-web', reason: 'ApplyFailed' },
    { name: 'globex-web', reason: 'ReadinessTimeout' },
  ]);
  assert.deepEqual(events, [
    { reason: 'NodesFailed', message: '2 nodes failed: ApplyFailed (acme-web, initech-web)' },
    { reason: 'NodesFailed', message: '1 node failed: ReadinessTimeout (globex-web)' },
  ]);
});
