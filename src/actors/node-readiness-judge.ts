// Judging whether an applied resource is ready (SPEC N2, N7, N8): from the object written or read, the watches' view, or a fresh read; waiting or timed out otherwise.
import { conditionReasons } from '../api/conditions.js';
import { resourceStates } from '../api/phases.js';
import { applyReasons, type ApplyOutcome, type OwningNode } from '../kube/apply-resource.js';
import { createApiClient } from '../kube/api-client.js';
import { asKubeObject, isRecord, type KubeObject } from '../kube/kube-object.js';
import {
  hasReadiness,
  readinessOf,
  ready as readyVerdict,
  type Readiness,
} from '../kube/readiness.js';
import { objectPathOf } from '../kube/resource-paths.js';
import type { RenderedManifest } from '../render/render-types.js';
import { identityKey } from './applied-hashes.js';
import type { NodeApplyDeps, NodeApplyMemory } from './node-apply.actor.js';
import type { ResourceResult } from './node-pass-outcome.js';
import type { PlannedResource } from './node-render.actor.js';
import { manifestIdentity, resourceStatus, type ResourceReport } from './node-resource-status.js';

/** What one pass's readiness judge works with. */
export interface ReadinessJudgeContext {
  readonly deps: NodeApplyDeps;
  readonly node: OwningNode;
  readonly memory: NodeApplyMemory;
  readonly report: ResourceReport;
  /** The pass's start, ISO: the readiness clock of a resource whose desired object changed now. */
  readonly now: string;
  readonly signal: AbortSignal;
}

/** The readiness judge of one pass: `judgeReadiness` reads, `readinessResult` decides. */
export const readinessJudge = ({
  deps,
  node,
  memory,
  report,
  now,
  signal,
}: ReadinessJudgeContext) => {
  const client = createApiClient(deps.write.transport, deps.write.timeoutMs ?? 30_000);
  const facts = {
    bindingModeOf: (storageClass: string) => deps.bindingModes?.get(storageClass),
  };

  /** The object as it is now, `undefined` when it is gone. */
  const readObject = async (manifest: RenderedManifest): Promise<KubeObject | undefined> => {
    const info = await deps.write.paths.resolve(manifest.apiVersion, manifest.kind, signal);
    const namespace = info.namespaced ? (manifest.namespace ?? node.namespace) : undefined;
    return asKubeObject(await client.get(objectPathOf(info, namespace, manifest.name), signal));
  };

  /**
   * A Pending claim is ready when its class binds on first use: learn the class's mode once. A
   * class that cannot be read (absent, or no RBAC to read it) stays unknown: the claim then
   * waits for Bound, and its status says so.
   */
  const learnBindingMode = async (object: KubeObject): Promise<void> => {
    const modes = deps.bindingModes;
    const spec = object['spec'];
    const storageClass = isRecord(spec) ? spec['storageClassName'] : undefined;
    if (modes === undefined || typeof storageClass !== 'string' || modes.has(storageClass)) return;
    const found = await client
      .get(`/apis/storage.k8s.io/v1/storageclasses/${encodeURIComponent(storageClass)}`, signal)
      .catch((err: unknown) => {
        if (signal.aborted) throw err;
        return undefined;
      });
    if (!isRecord(found)) return;
    const mode = found['volumeBindingMode'];
    modes.set(storageClass, typeof mode === 'string' ? mode : 'Immediate');
  };

  /**
   * The readiness of an applied resource (N8): ready when it need not wait; else judged on the
   * object the apply wrote or read, or on what the watches last saw when that was ready, or on a
   * fresh read (a waiting object is always read: the pass runs because something changed).
   */
  const judgeReadiness = async (
    r: PlannedResource,
    manifest: RenderedManifest,
    outcome: ApplyOutcome,
  ): Promise<Readiness> => {
    if (!r.waitForReady || !hasReadiness(manifest.apiVersion, manifest.kind)) return readyVerdict;
    // A completed Job that is gone: done (N7).
    if (outcome.reason === applyReasons.completed) return readyVerdict;
    let object = outcome.object;
    if (object === undefined) {
      const known = memory.readiness?.get(r.id);
      if (
        known?.readiness.state === 'ready' &&
        known.key === identityKey(manifestIdentity(manifest, node))
      )
        return known.readiness;
      object = await readObject(manifest);
      if (object === undefined)
        return { state: 'waiting', reason: 'the object is gone', field: 'metadata.name' };
    }
    if (manifest.kind === 'PersistentVolumeClaim' && manifest.apiVersion === 'v1')
      await learnBindingMode(object);
    return readinessOf(manifest.apiVersion, manifest.kind, object, facts);
  };

  /** An applied resource's result once its readiness is known: ready, waiting, or failed (N8). */
  const readinessResult = (
    r: PlannedResource,
    applied: ResourceResult,
    readiness: Readiness,
  ): ResourceResult => {
    if (readiness.state === 'ready') return applied;
    const lastDesiredChange = applied.status.lastDesiredChange ?? now;
    const what = `${readiness.field}: ${readiness.reason}`;
    if (readiness.state === 'failed') {
      const status = resourceStatus(
        r.id,
        resourceStates.failed,
        conditionReasons.resourceNotReady,
        what,
        lastDesiredChange,
      );
      report(status, 'Warning', conditionReasons.resourceNotReady);
      // Not retried: the watch says when the object changes (N8).
      return { ...applied, status, failed: true, ready: false, retryable: false };
    }
    const left = Date.parse(lastDesiredChange) + r.timeoutSeconds * 1000 - deps.now().getTime();
    if (left <= 0) {
      const status = resourceStatus(
        r.id,
        resourceStates.failed,
        conditionReasons.readinessTimeout,
        `not ready within ${String(r.timeoutSeconds)}s (${what})`,
        lastDesiredChange,
      );
      report(status, 'Warning', conditionReasons.readinessTimeout);
      // It recovers when it becomes ready: the watch says so, no retry needed (N8).
      return { ...applied, status, failed: true, ready: false, retryable: false };
    }
    return {
      ...applied,
      status: resourceStatus(
        r.id,
        resourceStates.applied,
        conditionReasons.waitingForReady,
        what,
        lastDesiredChange,
      ),
      ready: false,
      waiting: { timeoutInMillis: left },
    };
  };

  return { judgeReadiness, readinessResult };
};
