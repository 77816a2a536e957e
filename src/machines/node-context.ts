// Reading and updating the node machine's context (SPEC N6, N12, O2): what a failed pass records, the render the next pass starts from, what an invocation works on, and the phase a state shows.
import { nodePhases, type NodePhase } from '../api/phases.js';
import type {
  DriftedResource,
  NodeApplyOutput,
  NodeContext,
  NodeFailure,
  NodeObservation,
  NodeRenderOutput,
} from './node.contract.js';
import { thrownFailure } from './thrown-failure.js';

/** A trigger with the reason that made it: `render.failed: InvalidRevision`. */
export const failedTrigger = (trigger: string, reason: string): string => `${trigger}: ${reason}`;

export const sameResource = (a: DriftedResource, b: DriftedResource): boolean =>
  a.apiVersion === b.apiVersion &&
  a.kind === b.kind &&
  (a.namespace ?? '') === (b.namespace ?? '') &&
  a.name === b.name;

/**
 * The error kind of src/errors.ts `invalidSpecError` (machines import only xstate and src/api,
 * so it is read structurally; the machine test ties the two together).
 */
const invalidSpecKind = 'InvalidSpec';

const errorOf = (error: unknown): NodeFailure => {
  const { code, message, kind } = thrownFailure(error);
  return { reason: code ?? 'Error', message, retryable: kind !== invalidSpecKind };
};

/** What a failed render, apply or cleanup records: one more failure, the error, and why. */
export const failedPass = (
  failures: number,
  error: unknown,
  trigger: string,
): Pick<NodeContext, 'failures' | 'lastError' | 'trigger'> => {
  const failure = errorOf(error);
  return {
    failures: failures + 1,
    lastError: failure,
    trigger: failedTrigger(trigger, failure.reason),
  };
};

/** The machine's state as a phase name (SPEC O2); sub-states are not published. */
export const nodePhaseOf = (value: unknown): NodePhase => {
  const top =
    typeof value === 'string'
      ? value
      : typeof value === 'object' && value !== null
        ? Object.keys(value)[0]
        : undefined;
  // Top-level states are named as the phases are; `deleted` is the end of Deleting.
  if (top === 'deleted') return nodePhases.deleting;
  return top !== undefined && Object.hasOwn(nodePhases, top)
    ? nodePhases[top as keyof typeof nodePhases]
    : nodePhases.pending;
};

/** The pass ended waiting for readiness only (SPEC N2, N8). */
export const isWaitingForReadiness = (output: NodeApplyOutput): boolean =>
  output.outcome.kind === 'waiting' && output.outcome.on === 'readiness';

/** The render the next pass of it starts from: the apply may hand back a smaller plan. */
export const keptRender = ({
  context,
  event,
}: {
  readonly context: NodeContext;
  readonly event: { readonly output: NodeApplyOutput };
}): NodeRenderOutput | undefined =>
  context.render === undefined || event.output.plan === undefined
    ? context.render
    : { ...context.render, plan: event.output.plan };

/**
 * The observation a render, apply or cleanup works on. `pending` is left only with one (a
 * revision to render, or a deletion timestamp), and every later state keeps it, so the states
 * guarantee it; a machine without one never invokes anything.
 */
export function observationOf(context: NodeContext): NodeObservation {
  if (context.observed === undefined)
    throw new Error('node.machine: invoked before any observation');
  return context.observed;
}

/** The render an apply pass applies: `applying` is entered only from a finished render. */
export function renderOf(context: NodeContext): NodeRenderOutput {
  if (context.render === undefined) throw new Error('node.machine: applying before any render');
  return context.render;
}
