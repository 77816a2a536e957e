// The syncHub actor: one sync of one hub — read rows, plan node changes, hold mass deletions, write them, count (SPEC H1–H7, H9).
import { fromPromise } from 'xstate';
import { canonicalJson } from '../api/canonical-json.js';
import { conditionStatuses, nodeConditionTypes } from '../api/conditions.js';
import type { LynqHub } from '../api/lynq-hub.schema.js';
import type { LynqNode } from '../api/lynq-node.schema.js';
import { isProtected } from '../api/deletion-protection.js';
import { annotationKeys } from '../api/metadata-keys.js';
import { nodeObject, type NodeObject } from '../api/node-object.js';
import { invalidSpecError, LynqError, messageOf, transientError } from '../errors.js';
import {
  rowsReadDetail,
  syncOutputDetail,
  type HubDeletionGuard,
  type HubRef,
  type HubSyncInput,
  type HubSyncOutput,
} from '../machines/hub.contract.js';
import { decideDeletions } from '../reconcile/deletion-guard.js';
import {
  deletionCauses,
  planNodeChanges,
  type DesiredNode,
  type FormPlanInput,
  type NodeDeletion,
  type NodeChangePlan,
  type RowInput,
} from '../reconcile/plan-node-changes.js';
import { isApiServerUnreachable, kubernetesUnreachableError } from '../kube/api-reachability.js';
import type { ChangedNode, NodeChanges } from './node-change-summary.js';
import { passwordRefOf, sourceField } from './hub-source.js';
import { runBounded } from './run-bounded.js';

/** Everything one sync touches, injected so the logic runs against fakes in unit tests. */
export interface HubSyncPorts {
  /** The hub as the reflector last saw it. */
  getHub(ref: HubRef): LynqHub | undefined;
  /** Every form object whose `hubId` is this hub, with its validity (SPEC F1, F2). */
  formsOfHub(ref: HubRef): readonly FormPlanInput[];
  /** Every LynqNode labelled with this hub. */
  nodesOfHub(ref: HubRef): readonly LynqNode[];
  /** A key of a Secret in the hub's namespace; rejects when the Secret or key is missing. */
  readSecretKey(namespace: string, name: string, key: string, signal: AbortSignal): Promise<string>;
  /** The rows of the hub's table; rejects with a coded datasource error (SPEC H7). */
  readRows(
    hub: LynqHub,
    password: string | undefined,
    signal: AbortSignal,
  ): Promise<readonly RowInput[]>;
  createNode(node: NodeObject, signal: AbortSignal): Promise<void>;
  /**
   * Replaces `spec.variables` of an existing node whole (a JSON patch `replace`: a merge patch
   * would keep the keys the row no longer has).
   */
  updateNodeVariables(
    namespace: string,
    name: string,
    variables: Readonly<Record<string, unknown>>,
    signal: AbortSignal,
  ): Promise<void>;
  /** Deletes the node (its finalizer then runs, SPEC N9). */
  deleteNode(namespace: string, name: string, signal: AbortSignal): Promise<void>;
  /**
   * Removes `lynq.sh/allow-deletions` from the hub if it still holds `token` (SPEC H9: a token
   * releases its set once).
   */
  clearAllowDeletions(hub: LynqHub, token: string, signal: AbortSignal): Promise<void>;
  /**
   * Reports, once per sync, the node writes that went through (events, logs); not called when
   * none did. Duplicated uids travel in the output (SPEC H4).
   */
  report(hub: HubRef, event: SyncReport): void;
}

export type SyncReport = { readonly type: 'nodes.changed'; readonly changes: NodeChanges };

const hasCondition = (node: LynqNode, type: string): boolean =>
  node.status?.conditions?.some((c) => c.type === type && c.status === conditionStatuses.true) ??
  false;

const passwordOf = async (
  ports: HubSyncPorts,
  hub: LynqHub,
  signal: AbortSignal,
): Promise<string | undefined> => {
  const ref = passwordRefOf(hub);
  if (ref === undefined) return undefined;
  const namespace = hub.metadata.namespace ?? '';
  try {
    return await ports.readSecretKey(namespace, ref.name, ref.key, signal);
  } catch (err) {
    // An outage is not a Secret problem: it says so, and the sync is retried (SPEC H7).
    if (isApiServerUnreachable(err)) {
      throw kubernetesUnreachableError(`reading Secret ${namespace}/${ref.name}`, err);
    }
    // Never fall back to an empty password (SPEC §1).
    throw invalidSpecError(
      'PasswordSecretUnavailable',
      `LynqHub ${namespace}/${hub.metadata.name ?? ''}: ${sourceField(hub)}.passwordRef: Secret ${ref.name} key ${ref.key}: ${messageOf(err)}`,
      err,
    );
  }
};

/** Node writes under way at once for one hub: polite to the API server, still fast (SPEC P4). */
const maxConcurrentNodeWrites = 16;

/**
 * Writes the plan, deletions first (SPEC P4), with bounded concurrency; every write is
 * attempted, and the first failure is rethrown at the end.
 */
const applyPlan = async (
  ports: HubSyncPorts,
  input: HubSyncInput,
  hub: LynqHub,
  plan: NodeChangePlan,
  signal: AbortSignal,
): Promise<void> => {
  const namespace = hub.metadata.namespace ?? '';
  const hubRef = { namespace, name: hub.metadata.name ?? '', uid: hub.metadata.uid ?? '' };
  const protectedForms = new Set(
    ports
      .formsOfHub(input.hub)
      .filter((f) => f.protected === true)
      .map((f) => f.name),
  );
  const hubProtected = isProtected(hub);
  // What went through, summarised once after the writes (SPEC O1: one event per reason and sync).
  const done = {
    created: [] as ChangedNode[],
    updated: [] as ChangedNode[],
    deleted: [] as NodeDeletion[],
  };
  const changed = (node: DesiredNode): ChangedNode => ({
    name: node.name,
    uid: node.uid,
    form: node.form,
  });
  const writes: (() => Promise<void>)[] = [
    ...plan.delete.map((deletion) => async () => {
      await ports.deleteNode(namespace, deletion.name, signal);
      done.deleted.push(deletion);
    }),
    ...plan.update.map((node) => async () => {
      await ports.updateNodeVariables(namespace, node.name, node.variables, signal);
      done.updated.push(changed(node));
    }),
    ...plan.create.map((node) => async () => {
      await ports.createNode(
        nodeObject({
          hub: hubRef,
          ...node,
          marked: hubProtected || protectedForms.has(node.form),
        }),
        signal,
      );
      done.created.push(changed(node));
    }),
  ];
  const failures = (await runBounded(writes, maxConcurrentNodeWrites, signal)).filter(
    (r): r is PromiseRejectedResult => r.status === 'rejected',
  );
  if (done.created.length + done.updated.length + done.deleted.length > 0) {
    ports.report(input.hub, { type: 'nodes.changed', changes: done });
  }
  const first = failures[0];
  const unreachable = failures.find((f) => isApiServerUnreachable(f.reason));
  if (unreachable !== undefined) {
    throw kubernetesUnreachableError(
      `${failures.length} of ${writes.length} node writes failed`,
      unreachable.reason,
    );
  }
  if (first !== undefined) {
    throw transientError(
      'NodeWriteFailed',
      `${failures.length} of ${writes.length} node writes failed; first: ${messageOf(first.reason)}`,
      first.reason,
    );
  }
};

/**
 * The plan without the deletions the guard holds (SPEC H9). Only deletions of rows that went away
 * or became inactive count; a form's deletion is not held (SPEC F6), nor are creates and updates.
 */
const guardDeletions = (
  hub: LynqHub,
  plan: NodeChangePlan,
  nodes: readonly LynqNode[],
): { plan: NodeChangePlan; guard: HubDeletionGuard } => {
  const candidates = plan.delete
    .filter((d) => d.cause !== deletionCauses.formGone)
    .map((d) => d.name);
  const live = nodes.filter((n) => n.metadata.deletionTimestamp === undefined).length;
  const decision = decideDeletions({
    maxDeletions: hub.spec.deletionGuard.maxDeletions,
    nodes: live,
    candidates,
    allowToken: hub.metadata.annotations?.[annotationKeys.allowDeletions],
  });
  if (decision.verdict === 'allow') {
    return {
      plan,
      guard: {
        held: false,
        token: '',
        count: candidates.length,
        limit: decision.limit,
        nodes: live,
        released: decision.tokenSpent,
      },
    };
  }
  const held = new Set(candidates);
  return {
    plan: { ...plan, delete: plan.delete.filter((d) => !held.has(d.name)) },
    guard: {
      held: true,
      token: decision.token,
      count: decision.count,
      limit: decision.limit,
      nodes: live,
      released: false,
    },
  };
};

interface VariableTexts {
  readonly all: string;
  readonly row: string | undefined;
}

/**
 * A protected hub's nodes are not deleted because their form went away (SPEC H8): a namespace
 * deletion removes an unprotected form of a protected hub, and that must not reach the hub's
 * nodes. They go once the hub's protection is lifted. Rows that go away still delete (H5).
 */
const holdProtected = (hub: LynqHub, plan: NodeChangePlan): NodeChangePlan =>
  isProtected(hub)
    ? { ...plan, delete: plan.delete.filter((d) => d.cause !== deletionCauses.formGone) }
    : plan;

/**
 * Canonical texts of nodes' variables, per variables object: the reflector replaces a node's
 * object when it changes, so an unchanged node is serialised once, not once per sync.
 */
const variableTextsMemo = new WeakMap<object, VariableTexts>();

const variableTexts = (node: LynqNode, hub: string): VariableTexts => {
  const variables: unknown = node.spec.variables;
  const key = typeof variables === 'object' && variables !== null ? variables : undefined;
  const known = key === undefined ? undefined : variableTextsMemo.get(key);
  if (known !== undefined) return known;
  const record = (key ?? {}) as Record<string, unknown>;
  const { hubId, templateRef, ...row } = record;
  const texts: VariableTexts = {
    all: canonicalJson(variables),
    row: hubId === hub && templateRef === node.spec.templateRef ? canonicalJson(row) : undefined,
  };
  if (key !== undefined) variableTextsMemo.set(key, texts);
  return texts;
};

/** The part of a sync after the rows are read: plan, guard, write, count. */
const writeNodes = async (
  ports: HubSyncPorts,
  input: HubSyncInput,
  hub: LynqHub,
  rows: readonly RowInput[],
  signal: AbortSignal,
): Promise<HubSyncOutput> => {
  const forms = ports.formsOfHub(input.hub);
  // A snapshot: the cache behind the port may change while the writes below are under way.
  const nodes = [...ports.nodesOfHub(input.hub)];
  const plan = planNodeChanges({
    hub: input.hub.name,
    rows,
    forms,
    existing: nodes.map((node) => {
      const texts = variableTexts(node, input.hub.name);
      return {
        name: node.metadata.name ?? '',
        uid: node.spec.uid,
        form: node.spec.templateRef,
        variablesCanonical: texts.all,
        ...(texts.row === undefined ? {} : { rowCanonical: texts.row }),
        deleting: node.metadata.deletionTimestamp !== undefined,
      };
    }),
  });
  const { plan: guardedPlan, guard } = guardDeletions(hub, holdProtected(hub, plan), nodes);
  const deleted = new Set(guardedPlan.delete.map((d) => d.name));
  const kept = nodes.filter(
    (n) => n.metadata.deletionTimestamp === undefined && !deleted.has(n.metadata.name ?? ''),
  );
  const output: HubSyncOutput = {
    desired: kept.length + plan.create.length,
    ready: kept.filter((n) => hasCondition(n, nodeConditionTypes.ready)).length,
    failed: kept.filter((n) => hasCondition(n, nodeConditionTypes.degraded)).length,
    referencingTemplates: forms.length,
    rows: plan.rows,
    wrote:
      guardedPlan.create.length + guardedPlan.update.length + guardedPlan.delete.length > 0 ||
      guard.released,
    deletionGuard: guard,
    duplicateUids: [...plan.rejected.duplicateUids].sort(),
  };
  try {
    await applyPlan(ports, input, hub, guardedPlan, signal);
    const allowToken = hub.metadata.annotations?.[annotationKeys.allowDeletions];
    if (guard.released && allowToken !== undefined) {
      await ports.clearAllowDeletions(hub, allowToken, signal);
    }
  } catch (err) {
    // The rows were read and counted: a failing write must not hide what the hub wants (its
    // desired nodes and rows). The token is not spent until its deletions went through.
    throw withDetails(err, {
      [syncOutputDetail]: { ...output, deletionGuard: { ...guard, released: false } },
    });
  }
  return output;
};

/** `err` as a LynqError with `details` added (an unknown error becomes a transient `SyncFailed`). */
const withDetails = (err: unknown, details: Readonly<Record<string, unknown>>): LynqError =>
  err instanceof LynqError
    ? new LynqError(err.message, {
        kind: err.kind,
        code: err.code,
        cause: err.cause,
        details: { ...err.details, ...details },
      })
    : transientError('SyncFailed', messageOf(err), err, details);

/** `err` marked as having happened after the rows were read, so the datasource counts as reachable. */
const afterRowsRead = (err: unknown): LynqError => withDetails(err, { [rowsReadDetail]: true });

/**
 * One sync. Fails closed: any datasource or Secret error rejects before anything is written
 * (SPEC H7). A sync with nothing to change writes nothing (SPEC H6). An error after the rows
 * were read carries `details.rowsRead = true`.
 */
export const syncHubOnce = async (
  ports: HubSyncPorts,
  input: HubSyncInput,
  signal: AbortSignal,
): Promise<HubSyncOutput> => {
  const hub = ports.getHub(input.hub);
  if (hub === undefined) {
    throw transientError(
      'HubNotFound',
      `LynqHub ${input.hub.namespace}/${input.hub.name} is not known yet`,
    );
  }
  const password = await passwordOf(ports, hub, signal);
  const rows = await ports.readRows(hub, password, signal);
  try {
    return await writeNodes(ports, input, hub, rows, signal);
  } catch (err) {
    throw afterRowsRead(err);
  }
};

/** The actor the hub machine invokes as `syncHub`. */
export const syncHubActor = (ports: HubSyncPorts) =>
  fromPromise<HubSyncOutput, HubSyncInput>(({ input, signal }) =>
    syncHubOnce(ports, input, signal),
  );
