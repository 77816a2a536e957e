// A running node: node.machine with its real render, apply and cleanup, status published from its snapshots (SPEC N1–N16, O2).
import { resourceMessage } from '../api/resource-message.js';
import type { Logger } from 'pino';
import { createActor, fromPromise, type SnapshotFrom } from 'xstate';
import { conditionReasons } from '../api/conditions.js';
import { nodePhases } from '../api/phases.js';
import { groupVersion } from '../api/crd-builder.js';
import { hasProtectionLabel } from '../api/deletion-protection.js';
import type { LynqNode, ResourceStatus } from '../api/lynq-node.schema.js';
import { annotationKeys, finalizers, labelKeys, orphanReasons } from '../api/metadata-keys.js';
import { transientError } from '../errors.js';
import { patchTypes, type ApiClient } from '../kube/api-client.js';
import { outageOr } from '../kube/api-reachability.js';
import type { ResourceWriteDeps } from '../kube/apply-resource.js';
import { isJobInfo, type ChildChange } from '../kube/child-watcher.js';
import type { EventRecorder } from '../kube/event-recorder.js';
import { removeFinalizerPatch } from '../kube/guarded-metadata-patch.js';
import { lynqObjectPath, lynqStatusPath } from '../kube/lynq-paths.js';
import type { ObjectIdentity, ResourcePaths } from '../kube/resource-paths.js';
import type { StatusWriter } from '../kube/status-writer.js';
import { hasReadiness, readinessOf, sameReadiness } from '../kube/readiness.js';
import { checkTarget, type TargetPolicy } from '../kube/target-policy.js';
import {
  nodeMachine,
  nodePhaseOf,
  resyncPeriodMillis,
  type NodeApplyInput,
  type NodeApplyOutput,
  type NodeCleanupInput,
  type NodeObservation,
  type NodeRenderInput,
  type NodeRenderOutput,
} from '../machines/node.machine.js';
import type { RenderBatcher } from '../render/render-batcher.js';
import { identityKey, knownHash, knownOwned } from './applied-hashes.js';
import { fieldFightLimit, judgeTakeback, type FieldFights } from './field-fight.js';
import { applyNodePlan, type NodeApplyMemory, type NodeEventSink } from './node-apply.actor.js';
import { removeResource } from './node-removal.js';
import { completionOfChange, completionsOf } from './job-completion.js';
import { childDrift, ownershipDrift, plannedFor } from './node-child-drift.js';
import { renderNodePlan, type NodePlan } from './node-render.actor.js';
import { heldPlanOf, isHeldPlan, type HeldPlan } from './held-plan.js';
import { poolCodes } from '../render/render-types.js';
import { heldInventory } from './node-inventory.js';
import type { NodeLifecycleLog } from '../observe/node-lifecycle-log.js';
import { laneWrite, nodeLane } from './hub-lanes.js';
import { nodePublication, type CleanupProgress } from './node-status.js';
import type { SupervisedActorFactory } from './actor-supervisor.js';
import { publishedStateOf, type PublishedState } from './published-state.js';
import { runBounded } from './run-bounded.js';

export interface NodeActorDeps {
  readonly client: ApiClient;
  readonly logger: Logger;
  readonly write: ResourceWriteDeps;
  readonly paths: ResourcePaths;
  readonly targets: TargetPolicy;
  /** Renders one node; nodes of one revision rendering at once share a pool task (T7). */
  readonly renderer: Pick<RenderBatcher, 'render'>;
  /** The ControllerRevision `namespace/name`, `undefined` when it does not exist. */
  readonly readRevision: (namespace: string, name: string, signal: AbortSignal) => Promise<unknown>;
  readonly statusWriter: StatusWriter;
  readonly events: EventRecorder;
  /**
   * Told the objects a pass is about to apply, so their kinds are watched before they exist
   * (DESIGN 8: a deletion must reach the node, SPEC N12). Must not throw.
   */
  readonly watchChildren?: (targets: readonly ObjectIdentity[]) => void;
  /** Writes of one level at once, per node. Default 8. */
  readonly concurrency?: number;
  /**
   * How long a ready node waits before it verifies its objects (SPEC N12 backstop); each wait
   * is drawn from 75–125 % of it, so nodes started together spread out. 0 = never. Default
   * `resyncPeriodMillis`.
   */
  readonly resyncPeriodMs?: number;
  /** An info line per object a node releases (SPEC O5, N10). */
  readonly nodeLog?: NodeLifecycleLog;
  readonly now?: () => Date;
  /** Told how long each apply pass took (metrics, SPEC O4). Must not throw. */
  readonly onApplyPass?: (node: LynqNode, seconds: number) => void;
}

const observeNode = (node: LynqNode): NodeObservation => ({
  generation: node.metadata.generation ?? 0,
  deleting: node.metadata.deletionTimestamp !== undefined,
  appliedResources: node.status?.appliedResources ?? [],
  revision: node.spec.revision,
  cleanupFinalizerIndex: node.metadata.finalizers?.indexOf(finalizers.nodeCleanup) ?? -1,
  skipCleanup: node.metadata.annotations?.[annotationKeys.skipCleanup] === 'true',
  marked: hasProtectionLabel(node),
  rowUid: node.spec.uid,
});

/** Per node: what the shared actor logic needs beyond its input. */
interface NodeSlot {
  latest: LynqNode;
  readonly memory: NodeApplyMemory;
  cleanup: CleanupProgress | undefined;
  readonly emit: NodeEventSink;
  /** Publishes the node's status from its current snapshot (after cleanup progress changed). */
  readonly publishStatus: () => void;
}

/** The Warning reason of a node actor that failed and is restarted (SPEC O1). */
const nodeActorFailed = 'NodeActorFailed';

/** The longest timer Node keeps (about 24.8 days): a disabled resync waits that long. */
const longestTimerMs = 2 ** 31 - 1;

/** One resync wait: 75–125 % of the period, so 10,000 nodes never verify at once. */
const jitteredResync = (periodMs: number): number =>
  periodMs <= 0 ? longestTimerMs : Math.min(longestTimerMs, periodMs * (0.75 + Math.random() / 2));

const keyOfRef = (ref: { namespace: string; name: string }): string =>
  `${ref.namespace}/${ref.name}`;

/**
 * Removes the node's cleanup finalizer with a JSON patch that tests the object's uid and the
 * finalizer's position, so it never removes another finalizer or touches a re-created node.
 */
const removeCleanupFinalizer = async (
  client: ApiClient,
  input: NodeCleanupInput,
  signal: AbortSignal,
): Promise<undefined> => {
  const index = input.observation.cleanupFinalizerIndex;
  if (index < 0) return undefined;
  const { namespace, name, uid } = input.node;
  await client.patch(
    lynqObjectPath('lynqnodes', namespace, name),
    patchTypes.json,
    removeFinalizerPatch(uid, finalizers.nodeCleanup, index),
    { signal },
  );
  return undefined;
};

/**
 * SPEC N9: removes the node's resources deepest level first (`Delete` deleted and waited for,
 * `Retain` released with `LynqNodeDeleted`), a level only once the deeper ones are all done, and
 * the finalizer only when nothing remains. Reads `appliedResources`, never the revision.
 * `lynq.sh/skip-cleanup: "true"` drops the finalizer at once. Rejects while anything remains,
 * after reporting each remaining resource's reason (e.g. "waiting on finalizer X").
 */
const cleanup = async (
  deps: NodeActorDeps,
  slot: NodeSlot | undefined,
  input: NodeCleanupInput,
  signal: AbortSignal,
): Promise<undefined> => {
  const { node, observation } = input;
  if (observation.skipCleanup !== true) {
    let remaining = heldInventory(observation.appliedResources, slot?.memory.inventory);
    const levels = [...new Set(remaining.map((r) => r.level))].sort((a, b) => b - a);
    for (const level of levels) {
      const group = remaining.filter((r) => r.level === level);
      const settled = await runBounded(
        group.map(
          (target) => () =>
            removeResource(
              laneWrite(deps.write, nodeLane(slot?.latest, 'removal')),
              node,
              target,
              signal,
              orphanReasons.nodeDeleted,
              slot?.emit ?? (() => undefined),
            ),
        ),
        deps.concurrency ?? 8,
        signal,
      );
      if (signal.aborted) throw signal.reason;
      const waiting: ResourceStatus[] = [];
      settled.forEach((s, i) => {
        const target = group[i];
        if (target === undefined) return;
        const error =
          s.status === 'fulfilled'
            ? s.value
            : { reason: 'CleanupError', message: String(s.reason) };
        if (error === undefined) {
          remaining = remaining.filter((r) => r !== target);
          return;
        }
        waiting.push({
          id: target.id,
          state: 'Deleting',
          reason: error.reason,
          message: error.message,
        });
      });
      if (waiting.length > 0) {
        if (slot !== undefined) {
          slot.cleanup = { remaining, resources: waiting };
          for (const w of waiting) {
            slot.emit({
              type: 'Warning',
              reason: w.reason ?? 'CleanupPending',
              message: resourceMessage(w.id, w.message ?? ''),
            });
          }
          slot.publishStatus();
        }
        throw transientError(
          'CleanupPending',
          waiting.map((w) => `${w.id}: ${w.message ?? w.reason ?? ''}`).join('; '),
        );
      }
    }
  }
  return removeCleanupFinalizer(deps.client, input, signal);
};

/**
 * The supervisor's factory of node actors. The machine is provided once, here: per-node data
 * travels as input and events (and a slot keyed by the node), so starting an actor costs no
 * machine copy (10,000 nodes).
 */
export const nodeActorFactory = (
  deps: NodeActorDeps,
): SupervisedActorFactory<LynqNode, ChildChange> => {
  const slots = new Map<string, NodeSlot>();
  const now = (): Date => deps.now?.() ?? new Date();
  /** StorageClass → volumeBindingMode, learnt by passes, for PVC readiness (N8). */
  const bindingModes = new Map<string, string>();
  const readinessFacts = { bindingModeOf: (name: string) => bindingModes.get(name) };
  const renderDeps = {
    renderer: deps.renderer,
    paths: deps.paths,
    readRevision: deps.readRevision,
    variablesOf: (namespace: string, name: string) => {
      const variables: unknown = slots.get(keyOfRef({ namespace, name }))?.latest.spec.variables;
      return typeof variables === 'object' && variables !== null
        ? (variables as Record<string, unknown>)
        : {};
    },
  };
  const render = (input: NodeRenderInput, signal: AbortSignal): Promise<NodeRenderOutput> =>
    renderNodePlan(renderDeps, input, signal).catch((err: unknown) => {
      // An outage is the node's reason, not the revision's or discovery's.
      throw outageOr(err, 'rendering the node');
    });
  /**
   * The render a pass applies. After its first pass a render is held without its text (a
   * node keeps ids and hashes, not manifests): drift repair, readiness passes, retries and
   * resyncs render the same revision and variables again, which gives the same objects.
   */
  const renderAgain = async (
    input: NodeApplyInput,
    signal: AbortSignal,
  ): Promise<NodeRenderOutput> => {
    if (!isHeldPlan(input.render.plan)) return input.render;
    const again = await render(input, signal);
    if (again.failure !== undefined) {
      // The same inputs rendered before: a budget missed now is the machine's load, not the node's.
      throw transientError(poolCodes.renderAborted, `rendering again: ${again.failure.message}`);
    }
    return again;
  };
  const machine = nodeMachine.provide({
    actors: {
      renderNode: fromPromise<NodeRenderOutput, NodeRenderInput>(({ input, signal }) =>
        render(input, signal),
      ),
      applyNode: fromPromise<NodeApplyOutput, NodeApplyInput>(async ({ input: given, signal }) => {
        const slot = slots.get(keyOfRef(given.node));
        const input = { ...given, render: await renderAgain(given, signal) };
        const plan = input.render.plan as NodePlan;
        deps.watchChildren?.(
          plan.levels.flatMap((level) =>
            level.flatMap(({ manifest: m }) =>
              // A target the policy refuses is never written, so never watched (N16, RBAC).
              m === undefined ||
              !checkTarget(
                m,
                { namespace: input.node.namespace, rowUid: input.observation.rowUid ?? '' },
                deps.targets,
              ).allowed
                ? []
                : [
                    {
                      apiVersion: m.apiVersion,
                      kind: m.kind,
                      namespace: m.namespaced ? (m.namespace ?? input.node.namespace) : undefined,
                      name: m.name,
                    },
                  ],
            ),
          ),
        );
        const started = performance.now();
        const timed = (output: NodeApplyOutput): NodeApplyOutput => {
          const node = slot?.latest;
          if (node !== undefined) deps.onApplyPass?.(node, (performance.now() - started) / 1_000);
          // Between passes the node keeps its objects and hashes, not the rendered text.
          return { ...output, plan: heldPlanOf(plan, input.node.namespace) };
        };
        // In its hub's API queue: a pass for drift repairs it, a verification reads at leisure (P4).
        const priority =
          input.drifted.length > 0 ? 'repair' : input.verify === true ? 'resync' : 'change';
        const pass = applyNodePlan(
          {
            write: laneWrite(deps.write, nodeLane(slot?.latest, priority)),
            targets: deps.targets,
            concurrency: deps.concurrency ?? 8,
            now,
            bindingModes,
          },
          input,
          slot?.memory ?? {
            hashes: new Map(),
            previous: [],
            completions: new Map(),
            readiness: new Map(),
          },
          slot?.emit ?? (() => undefined),
          signal,
        ).then(timed);
        if (input.verify !== true || !deps.logger.isLevelEnabled('debug')) return pass;
        // A verification writes no status (O2): this line is its only trace, for operators
        // wondering about the reads, and for tests proving that resyncs ran (N12).
        return pass.then((output) => {
          deps.logger.debug(
            { kind: 'LynqNode', ...input.node, outcome: output.outcome.kind },
            'Node verified',
          );
          return output;
        });
      }),
      cleanupNode: fromPromise<undefined, NodeCleanupInput>(({ input, signal }) =>
        cleanup(deps, slots.get(keyOfRef(input.node)), input, signal).catch((err: unknown) => {
          throw outageOr(err, 'cleaning up the node');
        }),
      ),
    },
    delays: { resyncPeriod: () => jitteredResync(deps.resyncPeriodMs ?? resyncPeriodMillis) },
  });

  return (key, first, finished, crashed) => {
    const ref = {
      namespace: first.metadata.namespace ?? '',
      name: first.metadata.name ?? '',
      uid: first.metadata.uid ?? '',
    };
    // Made on first use: a pino child per node costs memory 10,000 quiet nodes never need.
    let child: Logger | undefined;
    const logger = (): Logger =>
      (child ??= deps.logger.child({ kind: 'LynqNode', namespace: ref.namespace, name: ref.name }));
    const statusPath = lynqStatusPath('lynqnodes', ref.namespace, ref.name);
    let published: PublishedState | undefined = publishedStateOf(first.status);
    let lastPublishedPhase: string | undefined;

    const involved = () => ({
      apiVersion: groupVersion,
      kind: 'LynqNode',
      namespace: ref.namespace,
      name: ref.name,
      uid: ref.uid,
    });

    const publish = (snapshot: SnapshotFrom<typeof machine>): void => {
      if (snapshot.status === 'done') return;
      const node = slot.latest;
      const next = nodePublication({
        phase: nodePhaseOf(snapshot.value),
        context: snapshot.context,
        published: published ?? publishedStateOf(node.status),
        status: node.status,
        generation: node.metadata.generation ?? 0,
        now: now().toISOString(),
        cleanup: slot.cleanup,
        completions: slot.memory.completions,
      });
      if (next === undefined) return;
      published = next.published;
      if (lastPublishedPhase !== published.phase) {
        lastPublishedPhase = published.phase;
        if (deps.logger.isLevelEnabled('debug'))
          logger().debug({ phase: published.phase, trigger: published.phaseReason }, 'Node phase');
      }
      // Pending, and Applying while a pass runs, are on their way: a node that is Ready moments
      // later is written once (DESIGN 3), one that stays on its way shows it after the writer's
      // gather. A pass that ended waiting (readiness, a held removal) is shown as before.
      const waiting = snapshot.context.lastApply?.outcome.kind === 'waiting';
      deps.statusWriter.publish(statusPath, next.status, {
        transient:
          published.phase === nodePhases.pending ||
          (published.phase === nodePhases.applying && !waiting),
      });
    };

    // One node's events are recorded one after another, in order: the recorder de-duplicates per
    // reason (O1), and two concurrent first records of one reason would race on one Event name
    // (the second create fails and its count is lost). `record` never throws.
    let events: Promise<void> = Promise.resolve();
    const slot: NodeSlot = {
      latest: first,
      memory: {
        hashes: new Map(),
        previous: first.status?.resources ?? [],
        completions: completionsOf(first.status?.resources ?? []),
        readiness: new Map(),
      },
      cleanup: undefined,
      emit: ({ released, ...event }) => {
        if (released === true) {
          deps.nodeLog?.record({
            action: 'released',
            hub: `${ref.namespace}/${slot.latest.metadata.labels?.[labelKeys.hub] ?? ''}`,
            form: slot.latest.spec.templateRef,
            node: ref.name,
            reason: event.reason,
            detail: event.message,
          });
        }
        const input = { ...event, object: involved() };
        events = events.then(() => deps.events.record(input));
      },
      publishStatus: () => {
        publish(actor.getSnapshot());
      },
    };
    slots.set(key, slot);
    deps.statusWriter.observe(statusPath, first.status);

    /**
     * Whether a watch saw one of the node's objects change readiness (SPEC N8) against what the
     * node last knew of it: the change drives the next pass, nothing polls. An object the node
     * has not judged yet is left to the pass that will; deletions are drift (N12).
     */
    const readinessMoved = (
      change: ChildChange,
      plan: NodePlan | HeldPlan | undefined,
    ): boolean => {
      if (change.type !== 'changed' || !hasReadiness(change.apiVersion, change.kind)) return false;
      const found = plannedFor(change, ref, plan);
      if (found === undefined || !found.planned.waitForReady) return false;
      const labels = change.object.metadata.labels ?? {};
      if (labels[labelKeys.node] !== ref.name || labels[labelKeys.nodeNamespace] !== ref.namespace)
        return false;
      const readiness = slot.memory.readiness;
      if (readiness === undefined) return false;
      const key = identityKey(found.resource);
      const verdict = readinessOf(change.apiVersion, change.kind, change.object, readinessFacts);
      const known = readiness.get(found.planned.id);
      if (known === undefined || known.key !== key) return false;
      readiness.set(found.planned.id, { key, readiness: verdict });
      return !sameReadiness(known.readiness, verdict);
    };

    /** Made at the first takeback: most nodes never meet another field manager. */
    let fights: FieldFights | undefined;
    const actor = createActor(machine, { input: { node: ref, observation: observeNode(first) } });
    let lastError: string | undefined;
    let lastFailures = 0;
    actor.subscribe({
      next: (snapshot) => {
        const { failures } = snapshot.context;
        if (failures > lastFailures && deps.logger.isLevelEnabled('debug')) {
          // Every failed pass, also a repeat of the same error: the evidence of a retry. Asked
          // first: the node's child logger is made on first use and kept.
          logger().debug({ failures }, 'Node pass failed again');
        }
        lastFailures = failures;
        const error = snapshot.context.lastError;
        const text = error === undefined ? undefined : `${error.reason}: ${error.message}`;
        if (text !== lastError && error !== undefined && !snapshot.matches('deleting')) {
          // Once per distinct error (O5), with the hub and form a person looks for. Through the
          // operator's logger: a node's child logger is kept, and most nodes log nothing more.
          deps.logger.warn(
            {
              kind: 'LynqNode',
              namespace: ref.namespace,
              name: ref.name,
              hub: `${ref.namespace}/${slot.latest.metadata.labels?.[labelKeys.hub] ?? ''}`,
              form: slot.latest.spec.templateRef,
              reason: error.reason,
              message: error.message,
            },
            'Node pass failed',
          );
          slot.emit({ type: 'Warning', reason: error.reason, message: error.message });
        }
        lastError = text;
        if (snapshot.status === 'done') {
          slots.delete(key);
          deps.statusWriter.forget(statusPath);
          finished();
          return;
        }
        publish(snapshot);
      },
      error: (err: unknown) => {
        // The actor is stopped; the supervisor starts a new one from the node's status later.
        logger().error({ err }, 'Node actor failed; restarting it after a backoff');
        slot.emit({
          type: 'Warning',
          reason: nodeActorFailed,
          message: `the node's actor failed (${err instanceof Error ? err.message : String(err)}); it is started again after a backoff`,
        });
        slots.delete(key);
        deps.statusWriter.forget(statusPath);
        crashed(err);
      },
    });
    actor.start();
    return {
      observe: (next) => {
        slot.latest = next;
        deps.statusWriter.observe(statusPath, next.status);
        actor.send({ type: 'node.observed', observation: observeNode(next) });
      },
      childChanged: (change) => {
        const snapshot = actor.getSnapshot();
        if (snapshot.status !== 'active') return;
        // Recorded before drift is judged: a Job deleted right after it completed (a TTL of 0)
        // must reach the repair pass as completed, or it would run again (N7).
        const finished = isJobInfo(change)
          ? completionOfChange(
              change,
              ref,
              heldInventory(slot.latest.status?.appliedResources ?? [], slot.memory.inventory),
            )
          : undefined;
        if (
          finished !== undefined &&
          slot.memory.completions.get(finished.id)?.hash !== finished.completion.hash
        ) {
          slot.memory.completions.set(finished.id, finished.completion);
          publish(snapshot);
        }
        const plan = snapshot.context.render?.plan as NodePlan | HeldPlan | undefined;
        if (readinessMoved(change, plan)) actor.send({ type: 'resource.readinessChanged' });
        const drifted = childDrift(change, ref, plan, (id, identity) =>
          knownHash(slot.memory.hashes, id, identity),
        );
        const taken =
          drifted === undefined
            ? ownershipDrift(change, ref, plan, (id, identity) =>
                knownOwned(slot.memory.hashes, id, identity),
              )
            : undefined;
        if (taken !== undefined) {
          const verdict = judgeTakeback((fights ??= new Map() as FieldFights), taken, Date.now());
          if (verdict === 'quiet') return;
          if (verdict === 'fight') {
            slot.emit({
              type: 'Warning',
              reason: conditionReasons.fieldFight,
              message: `${taken.kind} ${taken.namespace === undefined ? '' : `${taken.namespace}/`}${taken.name}: another field manager took fields Lynq sets more than ${String(fieldFightLimit)} times in 10 minutes; left to it for 10 minutes`,
            });
            return;
          }
        }
        const resource = drifted ?? taken;
        if (resource === undefined) return;
        if (deps.logger.isLevelEnabled('debug'))
          logger().debug({ resource, change: change.type }, 'Resource drifted');
        actor.send({ type: 'resource.drifted', resource });
      },
      snapshot: () => actor.getSnapshot(),
      stop: () => {
        actor.stop();
        slots.delete(key);
        deps.statusWriter.forget(statusPath);
      },
    };
  };
};
