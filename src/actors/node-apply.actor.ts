// One apply pass of a node (SPEC N1, N2, N6, N10, N13, N14, N16): levels in order, bounded within a level, skips cascading, removed resources deleted or released.
import { resourceMessage } from '../api/resource-message.js';
import { conditionReasons } from '../api/conditions.js';
import type { ResourceStatus } from '../api/lynq-node.schema.js';
import { resourceStates } from '../api/phases.js';
import { messageOf } from '../errors.js';
import {
  applyReasons,
  applyResource,
  type OwningNode,
  type ResourceWriteDeps,
} from '../kube/apply-resource.js';
import type { Readiness } from '../kube/readiness.js';
import type { EventInput } from '../kube/event-recorder.js';
import type { TargetPolicy } from '../kube/target-policy.js';
import type { NodeApplyInput, NodeApplyOutput } from '../machines/node.contract.js';
import type { AppliedResource } from '../api/lynq-node.schema.js';
import {
  forgetHash,
  identityKey,
  knownHash,
  knownOwned,
  type AppliedHashes,
} from './applied-hashes.js';
import { completionHolds, withCompletion, type JobCompletions } from './job-completion.js';
import { passSummary, type ResourceResult } from './node-pass-outcome.js';
import { readinessJudge } from './node-readiness-judge.js';
import { removeStale, staleHeld } from './node-removal.js';
import type { NodePlan, PlannedResource } from './node-render.actor.js';
import { failedResult, manifestIdentity, resourceStatus } from './node-resource-status.js';
import { resourceResultOf } from './node-resource-result.js';
import { protectedPlan } from './protected-plan.js';
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
/**
 * Where a pass tells its facts as events on the node. `released` marks the fact that an object
 * was let go (SPEC N10), which the node's actor also logs (O5).
 */
export type NodeEventSink = (
  event: Omit<EventInput, 'object'> & { readonly released?: true },
) => void;

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
 * pass `waiting` on it, not failed. Readiness per kind (N8): an applied resource with
 * `waitForReady` is ready only when its object says so (`readinessOf`); until then it waits, its
 * dependants are held back unapplied (N2), and the pass is `waiting` on readiness with the
 * deadline of the first timeout; past `timeoutSeconds` from its
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
  const node: OwningNode = {
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

  const outcomeResult = resourceResultOf({ memory, node, emit, report, previousById, now });

  const { judgeReadiness, readinessResult } = readinessJudge({
    deps,
    node,
    memory,
    report,
    now,
    signal,
  });

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
  const { stale, kept } = staleHeld(held, plannedIds, (id) => results.get(id)?.applied);
  // Deleted or released (or on its way), whatever the outcome: the hash last applied to it no
  // longer describes an object the node holds, so its return (same id, same desired object) is
  // written again instead of being taken as unchanged.
  for (const target of stale) forgetHash(memory.hashes, target.id, target);
  const removal = await removeStale(
    deps.write,
    node,
    stale,
    plannedIds,
    deps.concurrency,
    signal,
    emit,
    report,
  );

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
    ...removal.pending.map((r) => r.status),
  ].filter((s): s is ResourceStatus => s !== undefined);
  memory.previous = resources;
  const applied = [
    ...planned.flatMap((r) => {
      const entry = results.get(r.id)?.applied;
      return entry === undefined ? [] : [entry];
    }),
    ...kept,
    ...removal.kept,
  ];
  memory.inventory = applied;
  return {
    ...passSummary({
      planned: planned.map((r) => ({ id: r.id, result: results.get(r.id) })),
      removals: removal.pending,
      renderFailure: input.render.failure?.reason,
    }),
    resources,
    appliedResources: applied,
  };
};
