// The machine exports (SPEC O3): every definition converts, every state of every machine is named and highlightable in a Mermaid diagram mermaid itself parses, status maps back onto states, nothing secret leaks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Transition } from '../api/status.schema.js';
import { inspect, inspectionJson } from './inspection.js';
import {
  inspectKinds,
  machineCatalog,
  machineDefinitions,
  stateValueOf,
  type InspectKind,
} from './machine-catalog.js';
import { allStates, machineGraph } from './machine-graph.js';
import { mermaidDiagram, mermaidStateId } from './mermaid-diagram.js';
import { statusStateOf } from './status-state.js';

interface MermaidNode {
  readonly id: string;
  readonly label?: string;
  readonly cssClasses?: string;
  readonly parentId?: string;
}
interface MermaidEdge {
  readonly start: string;
  readonly end: string;
  readonly label?: string;
}

/**
 * Mermaid's own stateDiagram parser and database. Under Node, DOMPurify has no DOM: its two
 * calls become identity (sanitising labels is a browser concern), the grammar is mermaid's.
 */
const parseMermaid = async (
  text: string,
): Promise<{ nodes: MermaidNode[]; edges: MermaidEdge[] }> => {
  // dompurify comes with mermaid; not a dependency of ours, so imported by a computed name.
  const purifyModule = 'dompurify';
  const purify = (await import(purifyModule)) as { default: Record<string, unknown> };
  purify.default['addHook'] ??= () => undefined;
  purify.default['sanitize'] ??= (t: string) => t;
  const { default: mermaid } = await import('mermaid');
  await mermaid.parse(text);
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the one way to read the parsed states
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  const db = diagram.db as unknown as { getData(): { nodes: MermaidNode[]; edges: MermaidEdge[] } };
  return db.getData();
};

const leafStates = (kind: InspectKind) =>
  allStates(machineGraph(machineCatalog[kind].machine)).filter((s) => s.children.length === 0);

const nodeStatus = (patch: Record<string, unknown>) => ({
  metadata: { name: 'acme-web-1a2b3c', namespace: 'team' },
  spec: {
    uid: 'acme',
    templateRef: 'web',
    revision: 'web-abc',
    variables: { password: 'hunter2' },
  },
  status: patch,
});

describe('machine inspection', () => {
  it("O3 every machine's definition converts to JSON for the Stately visualizer, naming every state", () => {
    for (const [name, machine] of Object.entries(machineDefinitions())) {
      const json = JSON.parse(JSON.stringify(machine.toJSON())) as { id: string; states: object };
      assert.equal(json.id, name);
      const text = JSON.stringify(json);
      for (const state of allStates(machineGraph(machine))) {
        assert.ok(text.includes(`"${machine.id}.${state.path}"`), `${name}: ${state.path}`);
      }
    }
  });

  for (const kind of inspectKinds) {
    it(`O3 the ${kind} diagram parses with mermaid's parser, names every state, and highlights each state when current`, async () => {
      const graph = machineGraph(machineCatalog[kind].machine);
      for (const current of leafStates(kind)) {
        const text = mermaidDiagram({ kind, state: current.path, history: [] });
        const { nodes } = await parseMermaid(text);
        for (const state of allStates(graph)) {
          const id = mermaidStateId(graph.id, state.path);
          const node = nodes.find((n) => n.id === id);
          assert.ok(node !== undefined, `${kind}: ${state.path} is in the diagram`);
          assert.equal(node.label, state.key);
          const parent = state.path.includes('.')
            ? mermaidStateId(graph.id, state.path.slice(0, state.path.lastIndexOf('.')))
            : undefined;
          assert.equal(node.parentId, parent, `${kind}: ${state.path} sits in its parent`);
        }
        const highlighted = nodes.filter((n) =>
          (n.cssClasses ?? '').split(/\s+/).includes('current'),
        );
        assert.deepEqual(
          highlighted.map((n) => n.id),
          [mermaidStateId(graph.id, current.path)],
        );
      }
    });

    it(`O2 O3 every state a ${kind} publishes maps back from its status to a state with that phase`, () => {
      const entry = machineCatalog[kind];
      for (const state of leafStates(kind)) {
        const phase = entry.phaseOf(state.path);
        const back = statusStateOf(kind, { metadata: { name: 'x' }, status: { phase } });
        assert.ok(back.state !== undefined, `${kind} phase ${phase} maps to a state`);
        assert.equal(entry.phaseOf(back.state), phase, `${kind} ${state.path}`);
        assert.ok(
          allStates(machineGraph(entry.machine)).some((s) => s.path === back.state),
          `${kind}: ${back.state} exists`,
        );
      }
    });
  }

  it('O3 the diagram marks the states and transitions of the history', async () => {
    const history: Transition[] = [
      { from: 'None', to: 'Pending', event: 'node.observed', at: '2026-12-06T03:00:00Z' },
      { from: 'Pending', to: 'Applying', event: 'node.observed', at: '2026-12-06T03:00:01Z' },
      {
        from: 'Applying',
        to: 'Degraded',
        event: 'apply.failed: OwnerConflict',
        at: '2026-12-06T03:00:02Z',
      },
    ];
    const text = mermaidDiagram({ kind: 'node', state: 'degraded', history });
    const { nodes, edges } = await parseMermaid(text);
    const id = (path: string) => mermaidStateId('node', path);
    const edge = (from: string, to: string) =>
      edges.find((e) => e.start === id(from) && e.end === id(to))?.label ?? '';
    assert.match(edge('pending', 'rendering'), /history 2$/);
    assert.match(edge('applying.passing', 'degraded'), /history 3$/);
    assert.doesNotMatch(edge('ready', 'rendering'), /history/);
    const classes = (path: string) => nodes.find((n) => n.id === id(path))?.cssClasses ?? '';
    assert.match(classes('pending'), /visited/);
    assert.match(classes('applying.passing'), /visited/);
    assert.match(classes('degraded'), /current/);
    assert.doesNotMatch(classes('ready'), /visited|current/);
  });

  it('O2 O3 a node status gives its state with sub-states: Ready, Degraded, Applying.waiting, Deleting', () => {
    const ready = statusStateOf('node', nodeStatus({ phase: 'Ready', phaseReason: 'apply.done' }));
    assert.equal(ready.state, 'ready');
    const degraded = statusStateOf(
      'node',
      nodeStatus({
        phase: 'Degraded',
        phaseReason: 'apply.failed: TemplateRenderError',
        resources: [
          {
            id: 'cm',
            state: 'Failed',
            reason: 'TemplateRenderError',
            message: 'spec.data.x: undefined',
          },
          { id: 'ok', state: 'Ready' },
        ],
      }),
    );
    assert.equal(degraded.state, 'degraded');
    assert.equal(degraded.event, 'apply.failed: TemplateRenderError');
    assert.deepEqual(degraded.context['failing'], [
      {
        id: 'cm',
        state: 'Failed',
        reason: 'TemplateRenderError',
        message: 'spec.data.x: undefined',
      },
    ]);
    const waiting = statusStateOf(
      'node',
      nodeStatus({
        phase: 'Applying',
        conditions: [
          {
            type: 'Ready',
            status: 'False',
            reason: 'WaitingOnFinalizer',
            message: 'old: waiting on finalizer x',
            lastTransitionTime: '2026-12-06T03:00:00Z',
          },
        ],
      }),
    );
    assert.equal(waiting.state, 'applying.waiting');
    assert.deepEqual(stateValueOf(waiting.state), { applying: 'waiting' });
    const readinessWait = statusStateOf(
      'node',
      nodeStatus({
        phase: 'Applying',
        conditions: [
          { type: 'Ready', status: 'False', reason: 'WaitingForReady', message: 'web: 0/2' },
        ],
      }),
    );
    assert.equal(readinessWait.state, 'applying.waitingForReady');
    assert.deepEqual(stateValueOf(readinessWait.state), { applying: 'waitingForReady' });
    const passing = statusStateOf(
      'node',
      nodeStatus({
        phase: 'Applying',
        conditions: [{ type: 'Ready', status: 'False', reason: 'Applying', message: '' }],
      }),
    );
    assert.equal(passing.state, 'applying.passing');
    const deleting = statusStateOf(
      'node',
      nodeStatus({
        phase: 'Deleting',
        resources: [
          {
            id: 'cm',
            state: 'Deleting',
            reason: 'WaitingOnFinalizer',
            message: 'waiting on finalizer example.com/hold',
          },
        ],
      }),
    );
    assert.equal(deleting.state, 'deleting.retrying');
    assert.equal(
      statusStateOf('node', nodeStatus({ phase: 'Deleting' })).state,
      'deleting.cleaningUp',
    );
    assert.equal(statusStateOf('node', nodeStatus({})).state, 'pending');
    assert.equal(statusStateOf('node', nodeStatus({ phase: 'Exploded' })).state, undefined);
  });

  it('O3 an inspection carries no row values, credentials or manifests, from status or from the live actor', () => {
    const node = inspect('node', nodeStatus({ phase: 'Ready' }), {
      value: { applying: 'waiting' },
      context: {
        trigger: 'apply.progressing: WaitingOnFinalizer',
        failures: 2,
        lastError: undefined,
        render: {
          plan: {
            levels: [[{ manifest: { kind: 'Secret', data: { password: 'aHVudGVyMg==' } } }]],
          },
        },
        observed: { rowUid: 'acme' },
      },
    });
    assert.equal(node.state, 'applying.waiting');
    assert.equal(node.source, 'operator');
    const text = inspectionJson(node);
    assert.doesNotMatch(text, /hunter2|aHVudGVyMg==/);
    assert.deepEqual((node.context['live'] as Record<string, unknown>)['failures'], 2);
    const hub = inspect('hub', {
      metadata: { name: 'hub', namespace: 'team' },
      spec: {
        source: {
          type: 'mysql',
          syncInterval: '5s',
          mysql: {
            host: 'db.internal',
            username: 'lynq',
            passwordRef: { name: 'db-secret', key: 'pw' },
          },
        },
        valueMappings: { uid: 'id', activate: 'active' },
      },
      status: { phase: 'Ready', rows: { total: 3, active: 2, rejected: 0 } },
    });
    const hubText = inspectionJson(hub);
    assert.doesNotMatch(hubText, /db-secret|db\.internal|"lynq"/);
    assert.equal(hub.state, 'ready');
    assert.deepEqual(hub.context['rows'], { total: 3, active: 2, rejected: 0 });
    const parsed = JSON.parse(hubText) as Record<string, unknown>;
    for (const key of ['definition', 'value', 'since', 'event', 'history', 'context']) {
      assert.ok(key in parsed || parsed[key] === undefined, key);
    }
    assert.equal((parsed['definition'] as { id: string }).id, 'hub');
  });
});
