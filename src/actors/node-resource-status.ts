// One resource's entry in a node's status (SPEC O2): its identity, state, reason and the clock of its last desired change.
import type { ResourceStatus } from '../api/lynq-node.schema.js';
import type { OwningNode } from '../kube/apply-resource.js';
import { createStringInterner } from '../kube/string-interner.js';
import type { RenderedManifest } from '../render/render-types.js';
import type { ResourceResult } from './node-pass-outcome.js';

/** Reports a resource's status as an event when its state or reason changed (O1). */
export type ResourceReport = (
  status: ResourceStatus,
  type: 'Normal' | 'Warning',
  reason: string,
) => void;

/**
 * apiVersions, kinds and namespaces repeat across every node: a manifest view decodes a new
 * string per read, and the node keeps the identity of each object it applied.
 */
const intern = createStringInterner();

/** The object a rendered manifest names, as `appliedResources` records it. */
export const manifestIdentity = (
  manifest: RenderedManifest,
  node: Pick<OwningNode, 'namespace'>,
) => ({
  apiVersion: intern(manifest.apiVersion),
  kind: intern(manifest.kind),
  ...(manifest.namespaced ? { namespace: intern(manifest.namespace ?? node.namespace) } : {}),
  name: manifest.name,
});

export const resourceStatus = (
  id: string,
  state: string,
  reason: string,
  message: string,
  lastDesiredChange: string | undefined,
): ResourceStatus => ({
  id,
  state,
  reason,
  ...(message === '' ? {} : { message }),
  ...(lastDesiredChange === undefined ? {} : { lastDesiredChange }),
});

/** A resource that failed, conflicted or was skipped: it holds nothing from this pass. */
export const failedResult = (
  status: ResourceStatus,
  retryable: boolean,
  conflictReason?: string,
): ResourceResult => ({
  status,
  failed: true,
  ready: false,
  retryable,
  applied: undefined,
  conflictReason,
});
