// One inspection of a hub, form or node: its machine's definition and where the object stands in it (SPEC O3), from status or from the live actor.
import type { Transition } from '../api/status.schema.js';
import { machineCatalog, statePathOf, stateValueOf, type InspectKind } from './machine-catalog.js';
import { statusStateOf, type InspectedObject } from './status-state.js';

/** A running actor's snapshot, as much of it as an inspection reads. */
export interface LiveSnapshot {
  readonly value: unknown;
  readonly context: unknown;
}

export interface Inspection {
  readonly kind: InspectKind;
  readonly apiKind: string;
  readonly namespace: string;
  readonly name: string;
  /** `status`: read through the API; `operator`: the operator's running actor. */
  readonly source: 'status' | 'operator';
  /** `machine.toJSON()`: what the Stately visualizer imports. */
  readonly definition: unknown;
  /** The state as XState writes it (`{ applying: 'waiting' }`); undefined when unknown. */
  readonly value: string | Record<string, unknown> | undefined;
  /** The same as a dotted path (`applying.waiting`). */
  readonly state: string | undefined;
  /** The published phase (SPEC O2). */
  readonly phase: string | undefined;
  readonly since: string | undefined;
  /** The event that caused the current phase (`apply.failed: OwnerConflict`). */
  readonly event: string | undefined;
  /** The last published transitions, oldest first. */
  readonly history: readonly Transition[];
  /** What a person needs besides the state; no Secret data, no row values, no manifests. */
  readonly context: Readonly<Record<string, unknown>>;
}

const record = (value: unknown): Readonly<Record<string, unknown>> =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};

/**
 * The live actor's own words: what caused its state, failures in a row, the last error (code
 * or reason and message) and, for forms, the validation errors. Nothing else of its context is
 * copied: a node's render holds manifests, which may hold Secret data.
 */
const liveContext = (context: unknown): Readonly<Record<string, unknown>> => {
  const c = record(context);
  const error = record(c['lastError']);
  const reason = error['reason'] ?? error['code'];
  return {
    trigger: typeof c['trigger'] === 'string' ? c['trigger'] : undefined,
    failures: typeof c['failures'] === 'number' ? c['failures'] : undefined,
    lastError:
      typeof reason === 'string'
        ? {
            reason,
            message: typeof error['message'] === 'string' ? error['message'] : '',
          }
        : undefined,
    ...(Array.isArray(c['errors']) ? { errors: c['errors'] as unknown[] } : {}),
    ...(Array.isArray(c['warnings']) ? { warnings: c['warnings'] as unknown[] } : {}),
  };
};

/**
 * Inspects `object` of `kind`. With `live`, the state is the actor's exact state (sub-states
 * included) and its context adds the actor's own words; otherwise the state is read from status.
 */
export const inspect = (
  kind: InspectKind,
  object: InspectedObject,
  live?: LiveSnapshot,
): Inspection => {
  const entry = machineCatalog[kind];
  const fromStatus = statusStateOf(kind, object);
  const state = live === undefined ? fromStatus.state : statePathOf(live.value);
  return {
    kind,
    apiKind: entry.apiKind,
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name,
    source: live === undefined ? 'status' : 'operator',
    definition: entry.machine.toJSON(),
    value: state === undefined || state === '' ? undefined : stateValueOf(state),
    state,
    phase: fromStatus.phase,
    since: fromStatus.since,
    event: fromStatus.event,
    history: fromStatus.history,
    context:
      live === undefined
        ? fromStatus.context
        : { ...fromStatus.context, live: liveContext(live.context) },
  };
};

/** The JSON export (SPEC O3): `{definition, value, since, event, history, context}` and who it is. */
export const inspectionJson = (inspection: Inspection): string =>
  `${JSON.stringify(inspection, null, 2)}\n`;
