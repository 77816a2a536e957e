// A machine as a Mermaid stateDiagram-v2, with the current state highlighted and the states and transitions of the recent history marked (SPEC O3).
import type { Transition } from '../api/status.schema.js';
import { machineGraph, type GraphState, type GraphTransition } from './machine-graph.js';
import { machineCatalog, type InspectKind } from './machine-catalog.js';

export interface DiagramInput {
  readonly kind: InspectKind;
  /** Dotted path of the current state; undefined = nothing highlighted. */
  readonly state: string | undefined;
  /** Published transitions, oldest first; their phases are mapped onto states and edges. */
  readonly history: readonly Transition[];
}

/** Class names the diagram uses, for styling and for tests. */
export const diagramClasses = { current: 'current', visited: 'visited' } as const;

/** A Mermaid state id: the machine id and the path, `node_applying_waiting`. */
export const mermaidStateId = (machineId: string, path: string): string =>
  `${machineId}_${path.replace(/[^A-Za-z0-9]/g, '_')}`;

/**
 * Labels hold only the machine's own words (event, actor, delay and guard names), never anything
 * read from the cluster; still, anything that could end a label or start markup is dropped.
 */
const label = (text: string): string => text.replace(/[^A-Za-z0-9 ._\-[\],/]/g, ' ').trim();

const phaseOfPath = (kind: InspectKind, path: string): string => machineCatalog[kind].phaseOf(path);

/** The edge's label: its events (each with its guard) and the history steps it stands for. */
const edgeLabel = (transitions: readonly GraphTransition[], steps: readonly number[]): string => {
  const events = [
    ...new Set(
      transitions.map((t) => (t.guard === undefined ? t.event : `${t.event} [${t.guard}]`)),
    ),
  ];
  const marked = steps.length === 0 ? '' : ` - history ${steps.join(', ')}`;
  return label(`${events.join(' / ')}${marked}`);
};

/**
 * The diagram. Every state of the machine is declared (compound states as blocks, each with its
 * initial arrow); transitions are grouped per (source, target) and drawn at the top level;
 * transitions the root takes in any state start from an `any state` pseudo-state. The current state has class
 * `current`; every state a published transition left or entered has class `visited`, and each
 * edge whose phases match a published transition carries `history <step>`.
 */
export const mermaidDiagram = (input: DiagramInput): string => {
  const entry = machineCatalog[input.kind];
  const graph = machineGraph(entry.machine);
  const id = (path: string): string => mermaidStateId(graph.id, path);
  const changes = input.history
    .map((t, i) => ({ ...t, step: i + 1 }))
    .filter((t) => t.from !== t.to);
  const visitedPhases = new Set(changes.flatMap((t) => [t.from, t.to]));

  const bySource = new Map<string, Map<string, GraphTransition[]>>();
  for (const t of graph.transitions) {
    if (t.internal || t.source === '') continue;
    const targets = bySource.get(t.source) ?? new Map<string, GraphTransition[]>();
    targets.set(t.target, [...(targets.get(t.target) ?? []), t]);
    bySource.set(t.source, targets);
  }

  const lines: string[] = ['stateDiagram-v2'];
  const edgesFrom = (path: string, indent: string): string[] =>
    [...(bySource.get(path) ?? new Map<string, GraphTransition[]>())].map(([target, list]) => {
      const from = phaseOfPath(input.kind, path);
      const to = phaseOfPath(input.kind, target);
      const steps = changes.filter((c) => c.from === from && c.to === to).map((c) => c.step);
      return `${indent}${id(path)} --> ${id(target)} : ${edgeLabel(list, steps)}`;
    });

  // Declarations first, each block with its initial arrow; every edge afterwards at the top
  // level: an edge inside a block would create a new state there for a target outside it.
  const block = (states: readonly GraphState[], initial: string | undefined, indent: string) => {
    for (const s of states) {
      if (s.children.length > 0) {
        lines.push(`${indent}state "${label(s.key)}" as ${id(s.path)} {`);
        block(s.children, s.initial, `${indent}  `);
        lines.push(`${indent}}`);
      } else {
        lines.push(`${indent}state "${label(s.key)}" as ${id(s.path)}`);
      }
    }
    if (initial !== undefined) lines.push(`${indent}[*] --> ${id(initial)}`);
  };
  block(graph.states, graph.initial, '  ');
  const paths = allPaths(graph.states);
  for (const path of paths) {
    lines.push(...edgesFrom(path, '  '));
    if (graph.states.some((s) => s.path === path && s.type === 'final')) {
      lines.push(`  ${id(path)} --> [*]`);
    }
  }

  // The root's own transitions apply in every state: drawn from one pseudo-state.
  const fromAnywhere = new Map<string, GraphTransition[]>();
  for (const t of graph.transitions) {
    if (t.source !== '' || t.internal) continue;
    fromAnywhere.set(t.target, [...(fromAnywhere.get(t.target) ?? []), t]);
  }
  if (fromAnywhere.size > 0) {
    lines.push(`  state "any state" as ${anyStateId(graph.id)}`);
    for (const [target, list] of fromAnywhere) {
      lines.push(`  ${anyStateId(graph.id)} --> ${id(target)} : ${edgeLabel(list, [])}`);
    }
  }

  lines.push('  classDef current fill:#f59e0b,stroke:#92400e,stroke-width:4px,color:#111');
  lines.push('  classDef visited fill:#dbeafe,stroke:#1d4ed8,color:#111');
  lines.push('  classDef anywhere fill:#fff,stroke:#6b7280,stroke-dasharray:4 4,color:#374151');
  if (fromAnywhere.size > 0) lines.push(`  class ${anyStateId(graph.id)} anywhere`);
  const visited = paths.filter(
    (p) =>
      p !== input.state &&
      !isCompound(graph.states, p) &&
      visitedPhases.has(phaseOfPath(input.kind, p)),
  );
  if (visited.length > 0)
    lines.push(`  class ${visited.map(id).join(',')} ${diagramClasses.visited}`);
  if (input.state !== undefined && paths.includes(input.state)) {
    lines.push(`  class ${id(input.state)} ${diagramClasses.current}`);
  }
  return `${lines.join('\n')}\n`;
};

/** The pseudo-state the root's transitions (taken in any state) start from. */
const anyStateId = (machineId: string): string => `${machineId}__any`;

const allPaths = (states: readonly GraphState[]): string[] =>
  states.flatMap((s) => [s.path, ...allPaths(s.children)]);

const isCompound = (states: readonly GraphState[], path: string): boolean => {
  for (const s of states) {
    if (s.path === path) return s.children.length > 0;
    if (path.startsWith(`${s.path}.`)) return isCompound(s.children, path);
  }
  return false;
};
