// Where an object's machine stands, read back from its status (SPEC O2): the state (with sub-states where status tells them), since, event, history and a context summary without secrets.
import type { Condition, Transition } from '../api/status.schema.js';
import type { InspectKind } from './machine-catalog.js';

/** The published machine state and the data a person needs, as one object of the API holds it. */
export interface StatusState {
  /** Dotted state path (`applying.waiting`); undefined when status names no phase we know. */
  readonly state: string | undefined;
  readonly phase: string | undefined;
  readonly since: string | undefined;
  readonly event: string | undefined;
  readonly history: readonly Transition[];
  readonly context: Readonly<Record<string, unknown>>;
}

/** The parts of an API object this module reads; everything else (spec values, rows) is left out. */
export interface InspectedObject {
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly generation?: number;
    readonly deletionTimestamp?: string;
    readonly finalizers?: readonly string[];
    readonly labels?: Readonly<Record<string, string>>;
  };
  readonly spec?: unknown;
  readonly status?: unknown;
}

type Json = Readonly<Record<string, unknown>>;

const record = (value: unknown): Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;
const count = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;
const list = (value: unknown): readonly unknown[] => (Array.isArray(value) ? value : []);

/** Conditions reduced to what a person reads: type, status, reason, message, since. */
export const conditionsOf = (status: Json): Condition[] =>
  list(status['conditions']).flatMap((c) => {
    const r = record(c);
    const type = text(r['type']);
    const st = text(r['status']);
    if (type === undefined || st === undefined) return [];
    return [
      {
        type,
        status: st as Condition['status'],
        reason: text(r['reason']) ?? '',
        message: text(r['message']) ?? '',
        lastTransitionTime: text(r['lastTransitionTime']) ?? '',
      },
    ];
  });

const historyOf = (status: Json): Transition[] =>
  list(status['transitions']).flatMap((t) => {
    const r = record(t);
    const from = text(r['from']);
    const to = text(r['to']);
    if (from === undefined || to === undefined) return [];
    return [{ from, to, event: text(r['event']) ?? '', at: text(r['at']) ?? '' }];
  });

const readyReason = (status: Json): string | undefined =>
  conditionsOf(status).find((c) => c.type === 'Ready')?.reason;

/** Per-resource states of a node: id, state, reason, message (no manifests, no variables). */
const resourcesOf = (status: Json) =>
  list(status['resources']).map((r) => {
    const o = record(r);
    return {
      id: text(o['id']) ?? '',
      state: text(o['state']) ?? '',
      ...(text(o['reason']) === undefined ? {} : { reason: text(o['reason']) }),
      ...(text(o['message']) === undefined ? {} : { message: text(o['message']) }),
    };
  });

/**
 * The node's state path from its status. Status publishes phases, not sub-states, so the
 * sub-state is read from what status says besides: an Applying node whose Ready condition names
 * `WaitingForReady` waits for readiness (`applying.waitingForReady`, SPEC N8), any other reason
 * than `Applying` waits on removals (`applying.waiting`, SPEC N9, N10); a Deleting node with
 * resources still `Deleting` is between cleanup attempts (`deleting.retrying`).
 */
const nodeState = (phase: string | undefined, status: Json): string | undefined => {
  switch (phase) {
    case undefined:
    case 'Pending':
      return 'pending';
    case 'Applying': {
      const reason = readyReason(status);
      if (reason === 'WaitingForReady') return 'applying.waitingForReady';
      return reason !== undefined && reason !== 'Applying'
        ? 'applying.waiting'
        : 'applying.passing';
    }
    case 'Ready':
      return 'ready';
    case 'Degraded':
      return 'degraded';
    case 'Deleting':
      return resourcesOf(status).some((r) => r.state === 'Deleting')
        ? 'deleting.retrying'
        : 'deleting.cleaningUp';
    default:
      return undefined;
  }
};

const hubState = (phase: string | undefined, status: Json): string | undefined => {
  switch (phase) {
    case undefined:
    case 'Pending':
      return 'pending';
    case 'Syncing':
      return 'syncing';
    case 'Ready':
      return 'ready';
    case 'Degraded':
      return 'degraded';
    case 'Suspended':
      return 'suspended';
    case 'Deleting': {
      // A failed finalization names its error in Ready; else the hub is still finalizing.
      const reason = readyReason(status);
      return reason !== undefined && reason !== 'Deleting'
        ? 'deleting.retrying'
        : 'deleting.finalizing';
    }
    default:
      return undefined;
  }
};

const formStates: Readonly<Record<string, string>> = {
  Pending: 'pending',
  Validating: 'validating',
  Syncing: 'syncing',
  Ready: 'valid',
  Suspended: 'suspended',
  Invalid: 'invalid',
  Degraded: 'retrying',
  Deleting: 'deleting',
};

const nodeContext = (object: InspectedObject, status: Json): Json => {
  const spec = record(object.spec);
  const resources = resourcesOf(status);
  return {
    form: text(spec['templateRef']),
    uid: text(spec['uid']),
    revision: text(spec['revision']),
    generation: object.metadata.generation,
    observedGeneration: count(status['observedGeneration']),
    deleting: object.metadata.deletionTimestamp !== undefined,
    readySummary: text(status['readySummary']),
    desiredResources: count(status['desiredResources']) ?? 0,
    readyResources: count(status['readyResources']) ?? 0,
    failedResources: count(status['failedResources']) ?? 0,
    skippedResourceIds: list(status['skippedResourceIds']).filter((s) => typeof s === 'string'),
    resources,
    failing: resources.filter((r) => r.state !== 'Ready'),
    conditions: conditionsOf(status),
  };
};

const hubContext = (object: InspectedObject, status: Json): Json => {
  const spec = record(object.spec);
  const source = record(spec['source']);
  const rows = record(status['rows']);
  return {
    // Where the rows come from, without the connection or its credentials.
    source: text(source['type']),
    syncInterval: text(source['syncInterval']),
    suspend: spec['suspend'] === true,
    generation: object.metadata.generation,
    observedGeneration: count(status['observedGeneration']),
    referencingTemplates: count(status['referencingTemplates']) ?? 0,
    desired: count(status['desired']) ?? 0,
    ready: count(status['ready']) ?? 0,
    failed: count(status['failed']) ?? 0,
    rows: {
      total: count(rows['total']) ?? 0,
      active: count(rows['active']) ?? 0,
      rejected: count(rows['rejected']) ?? 0,
    },
    lastSyncTime: text(status['lastSyncTime']),
    conditions: conditionsOf(status),
  };
};

const formContext = (object: InspectedObject, status: Json): Json => {
  const spec = record(object.spec);
  const rollout = record(status['rollout']);
  return {
    hub: text(spec['hubId']),
    suspend: spec['suspend'] === true,
    generation: object.metadata.generation,
    observedGeneration: count(status['observedGeneration']),
    currentRevision: text(status['currentRevision']),
    totalNodes: count(status['totalNodes']) ?? 0,
    readyNodes: count(status['readyNodes']) ?? 0,
    failedNodes: count(status['failedNodes']) ?? 0,
    rollout: {
      phase: text(rollout['phase']),
      targetRevision: text(rollout['targetRevision']),
      updatedNodes: count(rollout['updatedNodes']),
      updatingNodes: count(rollout['updatingNodes']),
      readyUpdatedNodes: count(rollout['readyUpdatedNodes']),
      message: text(rollout['message']),
    },
    conditions: conditionsOf(status),
  };
};

/**
 * What `object`'s status says of its machine. Never copies spec values that may be secret
 * (row variables, connection details, templates): only names, counts, states and reasons.
 */
export const statusStateOf = (kind: InspectKind, object: InspectedObject): StatusState => {
  const status = record(object.status);
  const phase = text(status['phase']);
  const state =
    kind === 'node'
      ? nodeState(phase, status)
      : kind === 'hub'
        ? hubState(phase, status)
        : phase === undefined
          ? 'pending'
          : formStates[phase];
  const context =
    kind === 'node'
      ? nodeContext(object, status)
      : kind === 'hub'
        ? hubContext(object, status)
        : formContext(object, status);
  return {
    state,
    phase,
    since: text(status['phaseSince']),
    event: text(status['phaseReason']),
    history: historyOf(status),
    context,
  };
};
