// Reads a fault world's hub: its conditions and its deletion-guard token, and lifts the guard with that token (SPEC H7, H9).
import assert from 'node:assert/strict';
import { lynqPath } from '../fixtures/lynq-paths.js';
import type { FaultWorld } from './fault-world.js';

export interface HubCondition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

export interface HubStatusView {
  metadata: { annotations?: Record<string, string> };
  status?: { phase?: string; desired?: number; conditions?: HubCondition[] };
}

export const getHub = async (world: FaultWorld): Promise<HubStatusView> => {
  const res = await world.request({ method: 'GET', path: lynqPath('lynqhubs', world.ns, 'hub') });
  assert.equal(res.status, 200, res.text);
  return res.body as HubStatusView;
};

export const hubCondition = (hub: HubStatusView, type: string): HubCondition | undefined =>
  hub.status?.conditions?.find((c) => c.type === type);

/** The token of a DeletionGuarded=True condition, else undefined. */
export const guardToken = (hub: HubStatusView): string | undefined => {
  const c = hubCondition(hub, 'DeletionGuarded');
  return c?.status === 'True' ? /\(token ([0-9a-f]+)\)/.exec(c.message)?.[1] : undefined;
};

/** Sets `lynq.sh/allow-deletions` to `token`: lets exactly the guarded set go once (H9). */
export const allowDeletions = async (world: FaultWorld, token: string): Promise<void> => {
  const res = await world.request({
    method: 'PATCH',
    path: lynqPath('lynqhubs', world.ns, 'hub'),
    contentType: 'application/merge-patch+json',
    body: { metadata: { annotations: { 'lynq.sh/allow-deletions': token } } },
  });
  assert.equal(res.status, 200, res.text);
};
