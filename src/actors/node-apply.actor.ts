// One apply pass of a node (SPEC N1, N2, N6, N10, N13, N14, N16): levels in order, bounded within a level, skips cascading, removed resources deleted or released.
import { resourceMessage } from '../api/resource-message.js';
import { conditionReasons } from '../api/conditions.js';
import type { AppliedResource, ResourceStatus } from '../api/lynq-node.schema.js';
import { orphanReasons } from '../api/metadata-keys.js';
import { resourceStates } from '../api/phases.js';
import { messageOf } from '../errors.js';
import {
  applyReasons,
  applyResource,
  markedHash,
  type ApplyOutcome,
  type NodeRef,
  type ResourceWriteDeps,
} from '../kube/apply-resource.js';
import { createApiClient } from '../kube/api-client.js';
import { isJobInfo } from '../kube/child-watcher.js';
import { asKubeObject, isRecord, type KubeObject } from '../kube/kube-object.js';
import {
  hasReadiness,
  readinessOf,
  ready as readyVerdict,
  type Readiness,
} from '../kube/readiness.js';
import { objectPathOf } from '../kube/resource-paths.js';
import { deleteResource } from '../kube/delete-resource.js';
import { ownedManifestFields } from '../kube/field-ownership.js';
import type { EventInput } from '../kube/event-recorder.js';
import { releaseResource } from '../kube/release-resource.js';
import type { TargetPolicy } from '../kube/target-policy.js';
import type { NodeApplyInput, NodeApplyOutput } from '../machines/node.machine.js';
import type { RenderedManifest } from '../render/render-types.js';
import {
  forgetHash,
  identityKey,
  knownHash,
  knownOwned,
  rememberHash,
  type AppliedHashes,
} from './applied-hashes.js';
import {
  completedRunOf,
  completionHolds,
  withCompletion,
  type JobCompletions,
} from './job-completion.js';
import type { NodePlan, PlannedResource } from './node-render.actor.js';
import { heldInventory } from './node-inventory.js';
import { runBounded } from './run-bounded.js';

export interface NodeApplyDeps {
  readonly write: ResourceWriteDeps;
  readonly targets: TargetPolicy;
  /** Resources of one level applied at once (N1). */
  readonly concurrency: number;
  readonly now: () => Date;
  /**
   * StorageClass name → `volumeBindingMode`, shared by the nodes of the process: a Pending PVC of
   * a `WaitForFirstConsumer` class is ready (N8). Filled by passes, read by the watch path.
   */
  readonly bindingModes?: Map<string, string>;
}

/** The readiness last seen of one resource's object (SPEC N8), from a pass or a watch. */
export interface KnownReadiness {
  /** `identityKey` of the object it was seen on. */
  readonly key: string;
  readonly readiness: Readiness;
}

/** What one node remembers between passes, in this process only. */
export interface NodeApplyMemory {
  /**
   * id → desired hash last applied (or found on the object) and the object it went to, so an
   * equal render sends nothing (N13); dropped when that object is deleted or released (N10).
   */
  readonly hashes: AppliedHashes;
  /** Per-resource status of the last pass (or of the node's status at start-up). */
  previous: readonly ResourceStatus[];
  /**
   * Jobs whose run completed (N7), by resource id: from the node's status at start-up, from the
   * watches and from the objects a pass reads; published as `completed` in status.
   */
  readonly completions: JobCompletions;
  /**
   * The objects the last pass left the node holding, before its status says so (N10): joined
   * with `appliedResources` by `heldInventory`. `undefined` until a pass ran in this process.
   */
  inventory?: readonly AppliedResource[];
  /**
   * Resource id → the readiness last seen of its object (SPEC N8): kept current by the watches
   * between passes, so a pass trusts a ready object it did not read and the node hears when a
   * waiting one becomes ready. Absent in tests that do not care.
   */
  readiness?: Map<string, KnownReadiness>;
}

/** Where the pass reports events; the node actor adds the involved object. */
export type NodeEventSink = (event: Omit<EventInput, 'object'>) => void;

interface ResourceResult {
  readonly status: ResourceStatus;
  /** Failed, conflicted or skipped: dependants react per N2. */
  readonly failed: boolean;
  readonly ready: boolean;
  /**
   * Applied but not ready yet, or held back by a dependency that is (N2: blocks without
   * failing); `timeoutInMillis` is how long until its readiness timeout, for a waiting resource.
   */
  readonly waiting?: { readonly dependency?: string; readonly timeoutInMillis?: number };
  readonly retryable: boolean;
  readonly applied: AppliedResource | undefined;
  readonly conflictReason: string | undefined;
}

/** The object a rendered manifest names, as `appliedResources` records it. */
const manifestIdentity = (manifest: RenderedManifest, node: NodeRef) => ({
  apiVersion: manifest.apiVersion,
  kind: manifest.kind,
  ...(manifest.namespaced ? { namespace: manifest.namespace ?? node.namespace } : {}),
  name: manifest.name,
});

const resourceStatus = (
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

const failedResult = (
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

/** A copy field by field: rendered manifests are views over packed results (getters, no own fields). */
const markedManifest = (m: RenderedManifest): RenderedManifest => ({
  id: m.id,
  apiVersion: m.apiVersion,
  kind: m.kind,
  name: m.name,
  namespace: m.namespace,
  namespaced: m.namespaced,
  json: m.json,
  hash: markedHash(m.hash),
});

/**
 * A marked node's objects carry the mark (SPEC H8), so their desired hash says so: a change of
 * the mark is a change of every object, re-applied once, and drift checks see a missing mark.
 */
const protectedPlan = (plan: NodePlan, marked: boolean): NodePlan =>
  marked
    ? {
        ...plan,
        levels: plan.levels.map((level) =>
          level.map((r) =>
            r.manifest === undefined ? r : { ...r, manifest: markedManifest(r.manifest) },
          ),
        ),
      }
    : plan;

/**
 * Applies a node's plan and reports every resource. Guarantees: levels run in order; within a
 * level at most `concurrency` writes at once; a resource whose dependency failed is skipped (and
 * counts as failed for its own dependants) unless `skipOnDependencyFailure: false`; a resource
 * that failed to render fails alone (N14); a resource whose desired hash was applied before in
 * this process, to the same object, sends nothing, and after a restart only reads (N13), unless
 * it is named in `input.drifted`: then it is read and written again, re-created when gone (N7,
 * N12); once the node deleted or released an object, its hash is forgotten, so the object's
 * return is written again (created, or re-held); resources in
 * `appliedResources` that left the form, or whose identity changed, are deleted or released per
 * their recorded policy (N10), and a removal held up only by someone else's finalizer makes the
 * pass `progressing`, not failed. Readiness per kind (N8): an applied resource with
 * `waitForReady` is ready only when its object says so (`readinessOf`); until then it waits, its
 * dependants are held back unapplied (N2), and the pass is `progressing` with
 * `readinessDeadlineMillis` until the first timeout; past `timeoutSeconds` from its
 * `lastDesiredChange` (kept across drift repairs, resyncs and restarts) it fails with
 * `ReadinessTimeout` and the field that is short. Throws only when `signal` aborts.
 */
export const applyNodePlan = async (
  deps: NodeApplyDeps,
  input: NodeApplyInput,
  memory: NodeApplyMemory,
  emit: NodeEventSink,
  signal: AbortSignal,
): Promise<NodeApplyOutput> => {
  const marked = input.observation.marked === true;
  const node: NodeRef = {
    ...input.node,
    marked,
    ...(input.observation.rowUid === undefined ? {} : { rowUid: input.observation.rowUid }),
  };
  const plan = protectedPlan(input.render.plan as NodePlan, marked);
  const now = deps.now().toISOString();
  const previousById = new Map(memory.previous.map((r) => [r.id, r]));
  const results = new Map<string, ResourceResult>();
  const driftedKeys = new Set(input.drifted.map(identityKey));
  const held = heldInventory(input.observation.appliedResources, memory.inventory);
  const heldKeys = new Set(held.map((h) => `${h.id}|${identityKey(h)}`));

  /** An event only when the resource's state or reason changed since the last pass (O1). */
  const report = (status: ResourceStatus, type: 'Normal' | 'Warning', reason: string) => {
    const before = previousById.get(status.id);
    if (before?.state === status.state && before.reason === status.reason) return;
    emit({
      type,
      reason,
      message: resourceMessage(status.id, status.message ?? status.reason ?? reason),
    });
  };

  /**
   * `desiredUnchanged`: the desired object is the one last applied (a drift repair, a resync,
   * a restart), so the readiness clock keeps running from `lastDesiredChange` (N8).
   */
  const outcomeResult = (
    r: PlannedResource,
    outcome: ApplyOutcome,
    desiredUnchanged: boolean,
  ): ResourceResult => {
    const manifest = r.manifest;
    if (manifest !== undefined && (outcome.state === 'conflict' || outcome.state === 'failed')) {
      // The object is not, or may no longer be, what was last applied to it (someone else holds
      // it, it is going away, a write was refused): the next pass reads it before it decides
      // that nothing needs writing, even for the hash applied before (N13).
      forgetHash(memory.hashes, r.id, manifestIdentity(manifest, node));
    }
    switch (outcome.state) {
      case 'applied':
      case 'created':
      case 'unchanged': {
        if (manifest === undefined) throw new Error('unreachable: applied without a manifest');
        if (isJobInfo(manifest)) {
          // A new run forgets the last one; a Job read complete is remembered (N7).
          const ran = completedRunOf(outcome.object);
          if (outcome.state === 'created') memory.completions.delete(r.id);
          else if (ran !== undefined) memory.completions.set(r.id, { hash: ran });
        }
        rememberHash(
          memory.hashes,
          r.id,
          manifestIdentity(manifest, node),
          manifest.hash,
          outcome.object === undefined
            ? undefined
            : ownedManifestFields(outcome.object, manifest, r.policies.ignoreFields),
        );
        if (outcome.reason === applyReasons.adopted) {
          // Taking over what someone else made is worth a line in the node's history (N6).
          emit({
            type: 'Normal',
            reason: applyReasons.adopted,
            message: resourceMessage(r.id, outcome.message),
          });
        }
        const before = previousById.get(r.id)?.lastDesiredChange;
        const lastDesiredChange =
          outcome.state === 'unchanged' || desiredUnchanged ? (before ?? now) : now;
        return {
          status: resourceStatus(r.id, resourceStates.ready, 'Applied', '', lastDesiredChange),
          failed: false,
          ready: true,
          retryable: false,
          applied: {
            id: r.id,
            ...manifestIdentity(manifest, node),
            deletionPolicy: r.policies.deletionPolicy,
            creationPolicy: r.policies.creationPolicy,
            ...(r.policies.deleteAdopted ? { deleteAdopted: true } : {}),
            level: r.level,
          },
          conflictReason: undefined,
        };
      }
      case 'conflict': {
        const status = resourceStatus(
          r.id,
          resourceStates.conflicted,
          outcome.reason,
          outcome.message,
          previousById.get(r.id)?.lastDesiredChange ?? now,
        );
        report(status, 'Warning', conditionReasons.resourceConflict);
        return failedResult(status, true, outcome.reason);
      }
      case 'failed': {
        const status = resourceStatus(
          r.id,
          resourceStates.failed,
          outcome.reason,
          outcome.message,
          previousById.get(r.id)?.lastDesiredChange ?? now,
        );
        report(status, 'Warning', outcome.reason);
        return failedResult(status, outcome.retryable !== false);
      }
    }
  };

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

  /** A template error or the node's render budget: the same inputs fail again (N14, T5). */
  const renderFailed = (r: PlannedResource): ResourceResult => {
    const reason = r.renderReason ?? conditionReasons.templateRenderError;
    const status = resourceStatus(
      r.id,
      resourceStates.failed,
      reason,
      r.renderError ?? 'not rendered',
      previousById.get(r.id)?.lastDesiredChange,
    );
    report(status, 'Warning', reason);
    // A kind the server does not serve yet may be installed later (a CRD): retried with backoff.
    return failedResult(status, reason === applyReasons.unknownKind);
  };

  const resolveOne = async (r: PlannedResource): Promise<ResourceResult> => {
    // The whole node could not render: every resource says why, none reads as skipped.
    if (input.render.failure !== undefined && r.manifest === undefined) return renderFailed(r);
    const failedDeps = r.dependIds.filter((d) => results.get(d)?.failed === true);
    if (failedDeps.length > 0) {
      if (r.skipOnDependencyFailure) {
        const status = resourceStatus(
          r.id,
          resourceStates.skipped,
          conditionReasons.dependencySkipped,
          `dependency ${failedDeps.map((d) => `"${d}"`).join(', ')} failed`,
          previousById.get(r.id)?.lastDesiredChange,
        );
        report(status, 'Warning', conditionReasons.dependencySkipped);
        // A skip is not retried by itself: it clears when its dependency does.
        return failedResult(status, false);
      }
      emit({
        type: 'Warning',
        reason: conditionReasons.dependencyFailedButProceeding,
        message: `resource "${r.id}": dependency ${failedDeps.join(', ')} failed; applying anyway (skipOnDependencyFailure: false)`,
      });
    }
    if (r.manifest === undefined) return renderFailed(r);
    // A dependency applied but not ready yet holds this one back, without failing it (N2, N8).
    const notReady = r.dependIds.filter((d) => results.get(d)?.waiting !== undefined);
    const [first] = notReady;
    if (first !== undefined) {
      const why = results.get(first)?.status.message;
      const status = resourceStatus(
        r.id,
        resourceStates.waitingForDependencies,
        conditionReasons.dependencyNotReady,
        `waiting for ${notReady.map((d) => `"${d}"`).join(', ')} to be ready${why === undefined ? '' : ` (${first}: ${why})`}`,
        previousById.get(r.id)?.lastDesiredChange,
      );
      return {
        status,
        failed: false,
        ready: false,
        retryable: false,
        applied: undefined,
        conflictReason: undefined,
        waiting: { dependency: first },
      };
    }
    const manifest = r.manifest;
    const identity = manifestIdentity(manifest, node);
    const drifted = driftedKeys.has(identityKey(identity));
    const priorHash = knownHash(memory.hashes, r.id, identity);
    // A drifted object is forgotten until a write succeeds: should this one fail, the next
    // pass reads the object again instead of trusting the hash (SPEC N12).
    if (drifted) forgetHash(memory.hashes, r.id, identity);
    const known = knownHash(memory.hashes, r.id, identity);
    const owned = knownOwned(memory.hashes, r.id, identity);
    const completed = completionHolds(
      memory.completions.get(r.id),
      r.policies.creationPolicy,
      manifest.hash,
      heldKeys.has(`${r.id}|${identityKey(identity)}`),
    );
    const outcome = await applyResource(deps.write, {
      node,
      manifest,
      policies: r.policies,
      targets: deps.targets,
      signal,
      ...(completed ? { completed: true } : {}),
      // Known hash: nothing is sent when it is equal. Unknown (a restart) or verifying (a
      // resync): read, and write only when the object does not carry the desired hash or Lynq
      // owns fewer of its fields than after its last write. Drifted: read and write (N7, N12).
      ...(drifted
        ? { drifted: true }
        : known === undefined || input.verify === true
          ? { drifted: false, ...(owned === undefined ? {} : { minOwned: owned }) }
          : { lastAppliedHash: known }),
    });
    const result = outcomeResult(
      r,
      outcome,
      drifted || input.verify === true || priorHash === manifest.hash,
    );
    if (!result.ready) return result;
    const readiness = await judgeReadiness(r, manifest, outcome);
    const before = memory.readiness?.get(r.id)?.readiness;
    memory.readiness?.set(r.id, { key: identityKey(identity), readiness });
    if (
      readiness.state === 'ready' &&
      before?.state !== 'ready' &&
      manifest.kind === 'CustomResourceDefinition'
    ) {
      // A new kind is served: later resources of it must find it (N8).
      deps.write.paths.invalidate();
    }
    return readinessResult(r, result, readiness);
  };

  for (const level of plan.levels) {
    const settled = await runBounded(
      level.map((r) => () => resolveOne(r)),
      deps.concurrency,
      signal,
    );
    if (signal.aborted) throw signal.reason;
    settled.forEach((s, i) => {
      const r = level[i];
      if (r === undefined) return;
      results.set(
        r.id,
        s.status === 'fulfilled'
          ? s.value
          : failedResult(
              resourceStatus(
                r.id,
                resourceStates.failed,
                conditionReasons.applyError,
                messageOf(s.reason),
                now,
              ),
              true,
            ),
      );
    });
  }

  // What the node held before and holds no more: gone from the form, or moved (N10).
  const planned = plan.levels.flat();
  const plannedIds = new Set(planned.map((r) => r.id));
  const kept: AppliedResource[] = [];
  const stale: AppliedResource[] = [];
  for (const before of held) {
    const now = results.get(before.id)?.applied;
    if (!plannedIds.has(before.id)) stale.push(before);
    else if (now !== undefined && identityKey(now) !== identityKey(before)) stale.push(before);
    else if (now === undefined) kept.push(before);
  }
  // Deleted or released (or on its way), whatever the outcome: the hash last applied to it no
  // longer describes an object the node holds, so its return (same id, same desired object) is
  // written again instead of being taken as unchanged.
  for (const target of stale) forgetHash(memory.hashes, target.id, target);
  const removalErrors: ResourceStatus[] = [];
  // Removals merely held up by someone else's finalizer: progress, not failure (N9, N10).
  let removalsWaiting = 0;
  const deepestFirst = [...new Set(stale.map((s) => s.level))].sort((a, b) => b - a);
  for (const level of deepestFirst) {
    const group = stale.filter((s) => s.level === level);
    const settled = await runBounded(
      group.map(
        (target) => async () =>
          removeResource(deps.write, node, target, signal, orphanReasons.removedFromTemplate, emit),
      ),
      deps.concurrency,
      signal,
    );
    if (signal.aborted) throw signal.reason;
    settled.forEach((s, i) => {
      const target = group[i];
      if (target === undefined) return;
      const error =
        s.status === 'fulfilled'
          ? s.value
          : { reason: conditionReasons.applyError, message: messageOf(s.reason) };
      if (error === undefined) return;
      kept.push(target);
      if (!plannedIds.has(target.id)) {
        if (error.waiting === true) removalsWaiting += 1;
        const status = resourceStatus(
          target.id,
          resourceStates.deleting,
          error.reason,
          error.message,
          undefined,
        );
        removalErrors.push(status);
        report(status, 'Warning', error.reason);
      }
    });
  }

  // A resource that left the form takes its completed run with it: re-added, it runs again.
  for (const id of [...memory.completions.keys()]) {
    if (!plannedIds.has(id)) memory.completions.delete(id);
  }
  for (const id of [...(memory.readiness?.keys() ?? [])]) {
    if (!plannedIds.has(id)) memory.readiness?.delete(id);
  }
  const resources = [
    ...planned.map((r) => {
      const status = results.get(r.id)?.status;
      return status === undefined ? undefined : withCompletion(status, memory.completions);
    }),
    ...removalErrors,
  ].filter((s): s is ResourceStatus => s !== undefined);
  memory.previous = resources;
  const all = planned.map((r) => results.get(r.id));
  const readyCount = all.filter((r) => r?.ready === true).length;
  const skipped = planned.filter((r) => results.get(r.id)?.status.state === resourceStates.skipped);
  const failedCount = all.filter((r) => r?.failed === true).length - skipped.length;
  const conflictReason = all.find((r) => r?.conflictReason !== undefined)?.conflictReason;
  const waitingForReady = all.filter((r) => r?.waiting !== undefined);
  const allPlannedReady = readyCount === planned.length;
  const ready = allPlannedReady && removalErrors.length === 0;
  // Nothing failed: only readiness (N8) or someone else's finalizer (N9, N10) is awaited.
  const progressing =
    !ready &&
    readyCount + waitingForReady.length === planned.length &&
    removalsWaiting === removalErrors.length;
  const deadlines = waitingForReady.flatMap((r) =>
    r?.waiting?.timeoutInMillis === undefined ? [] : [r.waiting.timeoutInMillis],
  );
  const failures = resources.filter((s) => s.state !== resourceStates.ready);
  const applied = [
    ...planned.flatMap((r) => {
      const entry = results.get(r.id)?.applied;
      return entry === undefined ? [] : [entry];
    }),
    ...kept,
  ];
  memory.inventory = applied;
  return {
    ready,
    progressing,
    waitingForReady: progressing && waitingForReady.length > 0,
    waitingOnRemovals: progressing && removalErrors.length > 0,
    ...(progressing && deadlines.length > 0
      ? { readinessDeadlineMillis: Math.min(...deadlines) }
      : {}),
    retryable: all.some((r) => r?.retryable === true) || removalErrors.length > 0,
    reason: ready
      ? conditionReasons.allResourcesReady
      : progressing
        ? waitingForReady.length > 0
          ? conditionReasons.waitingForReady
          : (removalErrors[0]?.reason ?? conditionReasons.waitingOnFinalizer)
        : (input.render.failure?.reason ?? conflictReason ?? conditionReasons.resourcesFailed),
    message: ready
      ? `${String(readyCount)}/${String(planned.length)} resources ready`
      : failures
          .slice(0, 5)
          .map(
            (s) =>
              `${s.id}: ${s.reason ?? s.state}${s.message === undefined ? '' : ` (${s.message})`}`,
          )
          .join('; '),
    resources,
    appliedResources: applied,
    skippedResourceIds: skipped.map((r) => r.id),
    desired: planned.length,
    readyCount,
    failedCount,
    conflictReason,
  };
};

/**
 * Deletes (`Delete`) or releases (`Retain`) one object the node held. A `Delete` object the node
 * may not delete (adopted, or a Namespace holding others' objects, SPEC N6) is released instead,
 * with a Warning event saying why. `undefined` when it is done with (gone, released, or not ours
 * any more); else why not yet, with `waiting` when its deletion has started and only finalizers
 * hold it (no failure).
 */
export const removeResource = async (
  write: ResourceWriteDeps,
  node: NodeRef,
  target: AppliedResource,
  signal: AbortSignal,
  reason: (typeof orphanReasons)[keyof typeof orphanReasons],
  emit: NodeEventSink,
): Promise<{ reason: string; message: string; waiting?: true } | undefined> => {
  const identity = {
    apiVersion: target.apiVersion,
    kind: target.kind,
    namespace: target.namespace,
    name: target.name,
  };
  const release = async () => {
    const outcome = await releaseResource(write, { node, target: identity, reason, signal });
    // The object stays, no longer managed: a fact on the node (O1), logged by its actor (O5).
    if (outcome.state === 'released') {
      emit({
        type: 'Normal',
        reason,
        message: resourceMessage(target.id, 'released: the object stays, no longer managed'),
      });
    }
    return outcome.state === 'failed'
      ? { reason: outcome.reason, message: outcome.message }
      : undefined;
  };
  if (target.deletionPolicy === 'Retain') return release();
  const outcome = await deleteResource(write, {
    node,
    target: identity,
    deleteAdopted: target.deleteAdopted === true,
    signal,
  });
  switch (outcome.state) {
    case 'release': {
      const failed = await release();
      if (failed === undefined) {
        emit({
          type: 'Warning',
          reason: outcome.reason,
          message: resourceMessage(target.id, outcome.message),
        });
      }
      return failed;
    }
    case 'gone':
    case 'notHeld':
      return undefined;
    case 'deleting':
      return { reason: outcome.reason, message: outcome.message, waiting: true };
    case 'failed':
      return { reason: outcome.reason, message: outcome.message };
  }
};
