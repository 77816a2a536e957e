// The machines a person can inspect (hub, form, node) and the supervisor, with their kinds, API paths and published phases.
import type { AnyStateMachine } from 'xstate';
import { publishedNodePhase } from '../actors/node-status.js';
import { formMachine, formPhaseOf } from '../machines/form.machine.js';
import { hubMachine, hubPhaseOf } from '../machines/hub.machine.js';
import { nodeMachine, nodePhaseOf } from '../machines/node.machine.js';
import { createSupervisorMachine } from '../machines/supervisor.machine.js';
import type { LynqPlural } from '../kube/lynq-paths.js';

/** What `lynq inspect <kind>` accepts. */
export const inspectKinds = ['hub', 'form', 'node'] as const;
export type InspectKind = (typeof inspectKinds)[number];

export const isInspectKind = (text: string): text is InspectKind =>
  (inspectKinds as readonly string[]).includes(text);

export interface MachineEntry {
  readonly kind: InspectKind;
  /** The API kind, e.g. `LynqNode`. */
  readonly apiKind: string;
  readonly plural: LynqPlural;
  readonly machine: AnyStateMachine;
  /** The phase status shows while the machine is in the state at `path` (SPEC O2). */
  readonly phaseOf: (path: string) => string;
}

/** `applying.waiting` → the value XState uses: `{ applying: 'waiting' }`. */
export const stateValueOf = (path: string): string | Record<string, unknown> => {
  const [head = '', ...rest] = path.split('.');
  return rest.length === 0 ? head : { [head]: stateValueOf(rest.join('.')) };
};

/** XState's value → dotted path of its first leaf: `{ applying: 'waiting' }` → `applying.waiting`. */
export const statePathOf = (value: unknown): string => {
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return '';
  const [key, inner] = Object.entries(value as Record<string, unknown>)[0] ?? [];
  if (key === undefined) return '';
  const rest = statePathOf(inner);
  return rest === '' ? key : `${key}.${rest}`;
};

export const machineCatalog: Readonly<Record<InspectKind, MachineEntry>> = {
  hub: {
    kind: 'hub',
    apiKind: 'LynqHub',
    plural: 'lynqhubs',
    machine: hubMachine,
    phaseOf: (path) => hubPhaseOf(stateValueOf(path)),
  },
  form: {
    kind: 'form',
    apiKind: 'LynqForm',
    plural: 'lynqforms',
    machine: formMachine,
    phaseOf: (path) => formPhaseOf(stateValueOf(path)),
  },
  node: {
    kind: 'node',
    apiKind: 'LynqNode',
    plural: 'lynqnodes',
    machine: nodeMachine,
    // Rendering is part of a pass and published as Applying.
    phaseOf: (path) => publishedNodePhase(nodePhaseOf(stateValueOf(path))) ?? 'Pending',
  },
};

/** Every machine definition the operator runs, by name: what the visualizer can import. */
export const machineDefinitions = (): Readonly<Record<string, AnyStateMachine>> => ({
  hub: hubMachine,
  form: formMachine,
  node: nodeMachine,
  supervisor: createSupervisorMachine(),
});
