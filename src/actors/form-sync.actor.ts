// The form's effects over injected ports: validate (SPEC F1), cut the revision, move nodes to it at the rollout's pace, delete unused revisions (F4, F5, DESIGN 5).
import { conditionStatuses, nodeConditionTypes } from '../api/conditions.js';
import type { LynqForm } from '../api/lynq-form.schema.js';
import type { LynqNode } from '../api/lynq-node.schema.js';
import { annotationKeys } from '../api/metadata-keys.js';
import { planRollout, type RolloutNode, type RolloutPlan } from '../reconcile/rollout-plan.js';
import { apiErrorCodes } from '../kube/api-client.js';
import type { KubeObject } from '../kube/kube-object.js';
import { codeOf, messageOf, transientError } from '../errors.js';
import type { TemplateEnvironment } from '../render/environment.js';
import type { FormRef, FormSyncOutput, FormValidateOutput } from '../machines/form.contract.js';
import {
  controllerRevisionObject,
  revisionName,
  type ControllerRevisionObject,
} from './form-revision.js';
import { formWarnings, validateForm } from './form-validation.js';
import { runBounded } from './run-bounded.js';

/** Everything a form actor reads and writes, injected so the logic runs against fakes. */
export interface FormPorts {
  /** The form as the reflector last saw it. */
  getForm(ref: FormRef): LynqForm | undefined;
  hubExists(namespace: string, name: string): boolean;
  /** Every LynqNode whose `templateRef` is this form (deleting ones included). */
  nodesOfForm(ref: FormRef): readonly LynqNode[];
  /** The form's ControllerRevisions (by label). */
  revisionsOfForm(ref: FormRef): readonly KubeObject[];
  /** Creates the revision; rejects with `KubeAlreadyExists` when the name is taken. */
  createRevision(revision: ControllerRevisionObject, signal: AbortSignal): Promise<void>;
  deleteRevision(namespace: string, name: string, signal: AbortSignal): Promise<void>;
  /**
   * Writes `spec.revision` of an existing node with a patch that can never create a node or
   * touch a re-created one (`metadata.uid` is tested, DESIGN 5). A rollout move (`movedAt`, RFC
   * 3339) records the revision and the time in the node's annotations in the same write, so an
   * operator restarted mid-rollout knows which nodes are in flight and since when (F4, F5).
   */
  setNodeRevision(
    node: LynqNode,
    revision: string,
    signal: AbortSignal,
    movedAt?: string,
  ): Promise<void>;
}

/** One revision write of ours: the revision, and when it was a rollout move, when (ms). */
export interface RevisionWrite {
  readonly revision: string;
  readonly movedAt?: number;
}

/**
 * `spec.revision` values this form wrote that its cache does not show yet, by node uid. The
 * watch lags the writes, so a pass reads this before the cache: otherwise it would patch again
 * every node whose earlier patch is not observed yet, and a rollout would count a node it just
 * moved as still Ready on its old revision (docs/benchmarks.md, "Figures behind the code").
 */
export type RevisionWrites = Map<string, RevisionWrite>;

/** Node revision writes in flight at once, so a 10,000-node form does not open 10,000 requests. */
const writeConcurrency = 32;

/** Validates the form as the cache holds it now; rejects only when the form is not known. */
export const validateFormOnce = (
  ports: FormPorts,
  env: TemplateEnvironment,
  ref: FormRef,
): FormValidateOutput => {
  const form = ports.getForm(ref);
  if (form === undefined) {
    throw transientError('FormNotFound', `LynqForm ${ref.namespace}/${ref.name} is not known yet`);
  }
  return {
    errors: validateForm({
      spec: form.spec,
      namespace: ref.namespace,
      hubExists: ports.hubExists(ref.namespace, form.spec.hubId),
      env,
    }),
    warnings: formWarnings(form.spec),
  };
};

/** Runs `work` over `items`, at most `limit` at a time; resolves with the failures. */
const failuresOf = async <T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
  signal: AbortSignal,
): Promise<unknown[]> =>
  (
    await runBounded(
      items.map((item) => () => work(item)),
      limit,
      signal,
    )
  )
    .filter((o): o is PromiseRejectedResult => o.status === 'rejected')
    .map((o) => o.reason as unknown);

const sequenceOf = (revision: KubeObject): number => {
  const value = revision['revision'];
  return typeof value === 'number' ? value : 0;
};

/** The last rollout move the form recorded on a node (its annotations), if it is readable. */
const recordedMove = (node: LynqNode): RolloutNode['moved'] => {
  const annotations = node.metadata.annotations ?? {};
  const revision = annotations[annotationKeys.rolloutRevision];
  const at = Date.parse(annotations[annotationKeys.rolloutMovedAt] ?? '');
  return revision === undefined || Number.isNaN(at) ? undefined : { revision, at };
};

/**
 * Ready at its current generation: a node the form just moved still shows the Ready of its old
 * revision until its actor has rendered the new one (status.observedGeneration lags).
 */
export const readyAtGeneration = (node: LynqNode): boolean =>
  node.status?.observedGeneration === (node.metadata.generation ?? 0) &&
  (node.status.conditions?.some(
    (c) => c.type === nodeConditionTypes.ready && c.status === conditionStatuses.true,
  ) ??
    false);

/** Forgets the writes the cache shows by now, or whose node is gone. */
const forgetObserved = (written: RevisionWrites, nodes: readonly LynqNode[]): void => {
  const present = new Set<string>();
  for (const node of nodes) {
    const uid = node.metadata.uid ?? '';
    present.add(uid);
    if (written.get(uid)?.revision === node.spec.revision) written.delete(uid);
  }
  for (const uid of written.keys()) if (!present.has(uid)) written.delete(uid);
};

/** A node as the planner sees it, with our writes the cache does not show yet laid over it. */
const rolloutNodeOf = (node: LynqNode, written: RevisionWrites): RolloutNode => {
  const write = written.get(node.metadata.uid ?? '');
  if (write === undefined) {
    const moved = recordedMove(node);
    return {
      name: node.metadata.name ?? '',
      revision: node.spec.revision,
      ready: readyAtGeneration(node),
      ...(moved === undefined ? {} : { moved }),
    };
  }
  // Written but not observed: whatever status says belongs to the revision before.
  const moved =
    write.movedAt === undefined
      ? recordedMove(node)
      : { revision: write.revision, at: write.movedAt };
  return {
    name: node.metadata.name ?? '',
    revision: write.revision,
    ready: false,
    ...(moved === undefined ? {} : { moved }),
  };
};

/**
 * Where the rollout of the form's newest revision stands, from the cache and our unobserved
 * writes: pure over its inputs, so the pass and the status agree (F4, F5).
 */
export const rolloutPlanOf = (
  form: LynqForm,
  target: string,
  nodes: readonly LynqNode[],
  written: RevisionWrites,
  now: number,
): RolloutPlan => {
  const rollout = form.spec.rollout;
  const status = form.status?.rollout;
  return planRollout({
    target,
    // Deleting nodes (row gone, inactive, deletion guard lifted) are no updates.
    nodes: nodes
      .filter((n) => n.metadata.deletionTimestamp === undefined)
      .map((n) => rolloutNodeOf(n, written)),
    maxSkew: rollout.maxSkew,
    partition: rollout.partition,
    progressDeadlineSeconds: rollout.progressDeadlineSeconds,
    suspended: form.spec.suspend,
    completed: status?.targetRevision === target && status.completionTime !== undefined,
    now,
  });
};

/**
 * One pass of a valid form: the revision of its spec exists; new nodes get it at once (F4: they
 * are outside the rollout, and a node without a revision renders nothing); the others move to
 * it at the rollout's pace (`rollout.maxSkew`, `partition`, by node name), and none while the
 * rollout failed (F5) or the form is suspended; revisions that no node names any more are
 * deleted. Every write is attempted; the first failure is rethrown at the end. A node that
 * vanished or was re-created meanwhile is not a failure: the next pass sees it.
 */
export const syncFormRevisions = async (
  ports: FormPorts,
  ref: FormRef,
  signal: AbortSignal,
  written: RevisionWrites = new Map(),
  now: () => number = Date.now,
): Promise<FormSyncOutput> => {
  const form = ports.getForm(ref);
  if (form === undefined) {
    throw transientError('FormNotFound', `LynqForm ${ref.namespace}/${ref.name} is not known yet`);
  }
  const current = revisionName(form);
  const revisions = ports.revisionsOfForm(ref);
  if (!revisions.some((r) => r.metadata.name === current)) {
    const sequence = Math.max(0, ...revisions.map(sequenceOf)) + 1;
    try {
      await ports.createRevision(controllerRevisionObject(form, sequence), signal);
    } catch (err) {
      // The cache lags our own create: the same name holds the same resources.
      if (codeOf(err) !== apiErrorCodes.alreadyExists) throw err;
    }
  }

  const nodes = ports.nodesOfForm(ref);
  forgetObserved(written, nodes);
  const plan = rolloutPlanOf(form, current, nodes, written, now());
  const byName = new Map(nodes.map((n) => [n.metadata.name ?? '', n]));
  const movedAt = now();
  const writes = [
    ...plan.start.map((name) => ({ name, movedAt: undefined })),
    ...plan.move.map((name) => ({ name, movedAt })),
  ].flatMap(({ name, movedAt: at }) => {
    const node = byName.get(name);
    return node === undefined ? [] : [{ node, at }];
  });
  const writeFailures = await failuresOf(
    writes,
    writeConcurrency,
    async ({ node, at }) => {
      try {
        await ports.setNodeRevision(
          node,
          current,
          signal,
          at === undefined ? undefined : new Date(at).toISOString(),
        );
        written.set(node.metadata.uid ?? '', {
          revision: current,
          ...(at === undefined ? {} : { movedAt: at }),
        });
      } catch (err) {
        // Gone or re-created meanwhile (the uid test failed): the next pass sees the new state.
        const code = codeOf(err);
        if (code !== apiErrorCodes.notFound && code !== apiErrorCodes.invalid) throw err;
      }
    },
    signal,
  );

  /** Written to the current revision, by this pass or an earlier one the cache does not show yet. */
  const writtenCurrent = (n: LynqNode): boolean =>
    written.get(n.metadata.uid ?? '')?.revision === current;
  // A revision stays while any node still names it: nodes being deleted, nodes not moved (yet,
  // or at all while the form is suspended).
  const used = new Set<string>([current]);
  for (const node of nodes) {
    const named = node.spec.revision;
    if (named !== undefined && !writtenCurrent(node)) used.add(named);
  }
  const unused = revisions.filter((r) => !used.has(r.metadata.name));
  const deleteFailures = await failuresOf(
    unused,
    writeConcurrency,
    (r) => ports.deleteRevision(ref.namespace, r.metadata.name, signal),
    signal,
  );
  const failures = [...writeFailures, ...deleteFailures];
  const first = failures[0];
  if (first !== undefined) {
    throw transientError(
      'FormWriteFailed',
      `${String(failures.length)} writes failed; first: ${messageOf(first)}`,
      first,
    );
  }
  const behind = plan.counts.behind - plan.move.length;
  // The nodes moved now are updating too: their deadline is a whole one away.
  const movedDeadline =
    plan.move.length === 0 ? undefined : form.spec.rollout.progressDeadlineSeconds * 1000;
  const deadlines = [plan.nextDeadlineInMs, movedDeadline].filter(
    (d): d is number => d !== undefined,
  );
  const nextDeadlineInMs = deadlines.length === 0 ? undefined : Math.min(...deadlines);
  return {
    currentRevision: current,
    movedNodes: writes.length,
    deletedRevisions: unused.length,
    suspended: form.spec.suspend,
    heldNodes: behind,
    rolloutPhase: plan.phase,
    ...(nextDeadlineInMs === undefined ? {} : { nextDeadlineInMs }),
  };
};
