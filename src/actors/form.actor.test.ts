// The form actor with in-memory ports: warnings ride in Valid's message and raise one Warning event, without making the form invalid (SPEC F1, O1).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import type { LynqForm } from '../api/lynq-form.schema.js';
import type { LynqNode } from '../api/lynq-node.schema.js';
import type { NodeLifecycleEntry } from '../observe/node-lifecycle-log.js';
import type { EventInput, EventRecorder } from '../kube/event-recorder.js';
import type { StatusWriter } from '../kube/status-writer.js';
import { createTemplateEnvironment } from '../render/environment.js';
import { loadTemplateFunctions } from '../render/function-table.js';
import type { FormPorts } from './form-sync.actor.js';
import { startFormActor } from './form.actor.js';

const formWith = (generation: number, configMaps: unknown[]): LynqForm =>
  ({
    apiVersion: 'operator.lynq.sh/v1',
    kind: 'LynqForm',
    metadata: { namespace: 'ns', name: 'web', uid: 'form-uid', generation },
    spec: {
      hubId: 'hub',
      rollout: { maxSkew: 0, progressDeadlineSeconds: 600 },
      suspend: false,
      configMaps,
    },
  }) as unknown as LynqForm;

const entry = (id: string, kind: string) => ({
  id,
  spec: { apiVersion: 'v1', kind, metadata: { name: id } },
});

/** Lets the machine's invoked promises settle. */
const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i += 1) await new Promise((r) => setImmediate(r));
};

const startWorld = async (first: LynqForm, nodes: () => LynqNode[] = () => []) => {
  let form = first;
  const logged: NodeLifecycleEntry[] = [];
  const published: Record<string, unknown>[] = [];
  const events: EventInput[] = [];
  const ports: FormPorts = {
    getForm: () => form,
    hubExists: () => true,
    nodesOfForm: nodes,
    revisionsOfForm: () => [],
    createRevision: () => Promise.resolve(),
    deleteRevision: () => Promise.resolve(),
    setNodeRevision: () => Promise.resolve(),
  };
  const statusWriter: StatusWriter = {
    publish: (_path, status) => {
      published.push(status);
    },
    observe: () => undefined,
    forget: () => undefined,
    flush: () => Promise.resolve(),
    writes: () => published.length,
  };
  const recorder: EventRecorder = {
    record: (event) => {
      events.push(event);
      return Promise.resolve();
    },
    writes: () => events.length,
  };
  const env = createTemplateEnvironment({ functions: await loadTemplateFunctions() });
  const actor = startFormActor(
    { namespace: 'ns', name: 'web' },
    {
      ports,
      env: () => Promise.resolve(env),
      statusWriter,
      events: recorder,
      logger: pino({ level: 'silent' }),
      nodeLog: {
        record: (entry) => {
          logged.push(entry);
        },
        flush: () => undefined,
      },
      validityChanged: () => undefined,
      recountDelayMs: 0,
      nodesChangedSpacingMs: 0,
    },
  );
  actor.observe(form);
  await settle();
  const valid = () => {
    const status = published.at(-1) as
      | { conditions?: { type: string; status: string; reason: string; message: string }[] }
      | undefined;
    return status?.conditions?.find((c) => c.type === 'Valid');
  };
  const change = async (next: LynqForm) => {
    form = next;
    actor.observe(next);
    await settle();
  };
  return { actor, events, valid, change, logged };
};

describe('form actor', () => {
  it('F1 O1 a Secret under configMaps: Valid stays True, its message and one Warning event say so', async () => {
    const world = await startWorld(formWith(1, [entry('a', 'ConfigMap'), entry('s', 'Secret')]));
    assert.equal(world.actor.isValid(), true);
    const valid = world.valid();
    assert.equal(valid?.status, 'True');
    assert.equal(valid.reason, 'Valid');
    assert.match(
      valid.message,
      /1 warning\(s\): configMaps\[1\] \(id "s"\): kind Secret sits in configMaps/,
    );
    const warnings = world.events.filter((e) => e.type === 'Warning');
    assert.deepEqual(
      warnings.map((e) => e.reason),
      ['ResourceKindMismatch'],
    );
    assert.match(
      warnings[0]?.message ?? '',
      /kind Secret sits in configMaps, which lists ConfigMap/,
    );

    // The same warning at a new generation is not reported again; fixing it clears the message.
    await world.change(formWith(2, [entry('a', 'ConfigMap'), entry('s', 'Secret')]));
    assert.equal(world.events.filter((e) => e.type === 'Warning').length, 1);
    await world.change(formWith(3, [entry('a', 'ConfigMap')]));
    assert.equal(world.valid()?.message, 'The form is valid');
    world.actor.stop();
  });

  it('O1 O2 a rebuilt actor does not repeat a warning its form already shows', async () => {
    const first = await startWorld(formWith(1, [entry('s', 'Secret')]));
    const shown = first.valid();
    first.actor.stop();
    assert.ok(shown);
    const restarted = await startWorld({
      ...formWith(1, [entry('s', 'Secret')]),
      status: { conditions: [shown] },
    } as unknown as LynqForm);
    assert.deepEqual(
      restarted.events.filter((e) => e.type === 'Warning'),
      [],
    );
    restarted.actor.stop();
  });

  it('O1 O5 nodes turning Degraded make one NodesFailed Warning per reason and one log line each, once', async () => {
    const node = (name: string, degraded?: string): LynqNode =>
      ({
        metadata: { namespace: 'ns', name, uid: `${name}-uid` },
        spec: { templateRef: 'web' },
        status: {
          conditions:
            degraded === undefined
              ? []
              : [{ type: 'Degraded', status: 'True', reason: degraded, message: 'boom' }],
        },
      }) as unknown as LynqNode;
    let nodes = [node('acme-web'), node('initech-web')];
    const world = await startWorld(formWith(1, [entry('a', 'ConfigMap')]), () => nodes);
    assert.deepEqual(
      world.events.filter((e) => e.reason === 'NodesFailed'),
      [],
    );

    nodes = [node('acme-web', 'ApplyFailed'), node('initech-web', 'ApplyFailed')];
    world.actor.nodeStatusChanged();
    await new Promise((r) => setTimeout(r, 1));
    await settle();
    const failed = () => world.events.filter((e) => e.reason === 'NodesFailed');
    assert.deepEqual(
      failed().map((e) => [e.type, e.message]),
      [['Warning', '2 nodes failed: ApplyFailed (acme-web, initech-web)']],
    );
    assert.deepEqual(
      world.logged.map((l) => [l.action, l.hub, l.form, l.node, l.reason]),
      [
        ['failed', 'ns/hub', 'web', 'acme-web', 'ApplyFailed'],
        ['failed', 'ns/hub', 'web', 'initech-web', 'ApplyFailed'],
      ],
    );

    // Still failed: nothing new is said.
    world.actor.nodeStatusChanged();
    await new Promise((r) => setTimeout(r, 1));
    await settle();
    assert.equal(failed().length, 1);
    assert.equal(world.logged.length, 2);
    world.actor.stop();
  });
});
