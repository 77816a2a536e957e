// A machine definition as a plain tree of states and labelled transitions, read from XState's own state nodes, for diagrams and for finding every state.
import type { AnyStateMachine, AnyStateNode } from 'xstate';

/** One transition as a person reads it: from a state, to a state, on what, under which guard. */
export interface GraphTransition {
  /** Dotted path of the source state (`applying.passing`); '' = the machine root (any state). */
  readonly source: string;
  /** Dotted path of the target; the source itself when the transition only runs actions. */
  readonly target: string;
  /** Domain wording: `node.observed`, `applyNode done`, `after retryBackoff`, `always`. */
  readonly event: string;
  /** The guard's name, when it has one. */
  readonly guard: string | undefined;
  /** No target: actions only, the state stays. */
  readonly internal: boolean;
}

export interface GraphState {
  /** Dotted path from the root (`applying.waiting`). */
  readonly path: string;
  readonly key: string;
  readonly type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  readonly description: string | undefined;
  /** Path of the initial child, for compound states. */
  readonly initial: string | undefined;
  readonly children: readonly GraphState[];
}

export interface MachineGraph {
  readonly id: string;
  /** The root's children: the top-level states. */
  readonly states: readonly GraphState[];
  /** Path of the top-level initial state. */
  readonly initial: string | undefined;
  readonly transitions: readonly GraphTransition[];
}

/** `node.applying.waiting` (a state node id) → `applying.waiting`. */
const pathOf = (machineId: string, node: AnyStateNode): string =>
  node.id === machineId ? '' : node.id.slice(machineId.length + 1);

const guardName = (guard: unknown): string | undefined => {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && guard !== null && 'type' in guard) {
    const { type } = guard;
    return typeof type === 'string' ? type : undefined;
  }
  // An inline guard has no name worth showing; it still is a guard.
  return typeof guard === 'function' ? 'guarded' : undefined;
};

/**
 * XState's internal event names in domain words: `xstate.done.actor.0.node.rendering` →
 * `renderNode done`, `xstate.after.retryBackoff.node.degraded` → `after retryBackoff`.
 */
const eventLabel = (node: AnyStateNode, eventType: string): string => {
  const invokeSrc = (id: string): string => {
    const invoke = node.invoke.find((i) => i.id === id);
    return typeof invoke?.src === 'string' ? invoke.src : 'actor';
  };
  const done = /^xstate\.done\.actor\.(.+)$/.exec(eventType);
  if (done?.[1] !== undefined) return `${invokeSrc(done[1])} done`;
  const error = /^xstate\.error\.actor\.(.+)$/.exec(eventType);
  if (error?.[1] !== undefined) return `${invokeSrc(error[1])} error`;
  const after = /^xstate\.after\.([^.]+)\./.exec(eventType);
  if (after?.[1] !== undefined) return `after ${after[1]}`;
  if (eventType === '') return 'always';
  return eventType;
};

const stateOf = (machineId: string, node: AnyStateNode): GraphState => {
  const initial = (node.initial as { target?: readonly AnyStateNode[] } | undefined)?.target?.[0];
  return {
    path: pathOf(machineId, node),
    key: node.key,
    type: node.type,
    description: node.description,
    initial: initial === undefined ? undefined : pathOf(machineId, initial),
    children: Object.values(node.states).map((child) => stateOf(machineId, child)),
  };
};

const transitionsOf = (machineId: string, node: AnyStateNode): GraphTransition[] => {
  const own: GraphTransition[] = [];
  const source = pathOf(machineId, node);
  const add = (
    eventType: string,
    t: { readonly target?: readonly AnyStateNode[] | undefined; readonly guard?: unknown },
  ) => {
    const targets = t.target ?? [];
    const event = eventLabel(node, eventType);
    const guard = guardName(t.guard);
    if (targets.length === 0) {
      own.push({ source, target: source, event, guard, internal: true });
      return;
    }
    for (const target of targets) {
      own.push({ source, target: pathOf(machineId, target), event, guard, internal: false });
    }
  };
  for (const [eventType, list] of node.transitions) for (const t of list) add(eventType, t);
  for (const t of node.always ?? []) add('', t);
  return [
    ...own,
    ...Object.values(node.states).flatMap((child) => transitionsOf(machineId, child)),
  ];
};

/** The states and transitions of `machine`, read from its state nodes (guards by name). */
export const machineGraph = (machine: AnyStateMachine): MachineGraph => {
  const root = machine.root;
  const top = stateOf(root.id, root);
  return {
    id: root.id,
    states: top.children,
    initial: top.initial,
    transitions: transitionsOf(root.id, root),
  };
};

/** Every state of the graph, depth first, compound states before their children. */
export const allStates = (graph: MachineGraph): GraphState[] => {
  const out: GraphState[] = [];
  const visit = (s: GraphState): void => {
    out.push(s);
    s.children.forEach(visit);
  };
  graph.states.forEach(visit);
  return out;
};
