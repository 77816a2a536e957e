// `lynq inspect` as users run it, against the real control plane and the operator: Ready, Degraded (a template error), Applying.waiting and Deleting (foreign finalizers) in every format, live from the operator's debug endpoint, writing nothing (SPEC O2, O3).
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runLynq } from '../harness/lynq-cli.js';
import { auditEvents, testEnv } from '../harness/test-env.js';
import { formSpec, openInspectWorld, type InspectWorld } from './inspect-world.js';

interface InspectionJson {
  kind: string;
  source: string;
  definition: { id: string; states: Record<string, unknown> };
  value: unknown;
  state: string;
  phase: string;
  since: string;
  event: string;
  history: { from: string; to: string; event: string; at: string }[];
  context: Record<string, unknown>;
}

describe('lynq inspect', () => {
  let world: InspectWorld;
  let kubeconfig: string;
  let dir: string;
  const inspectNode = (uid: string, ...flags: string[]) =>
    runLynq([
      'inspect',
      'node',
      `${world.ns}/${world.nodeOf(uid)}`,
      '--kubeconfig',
      kubeconfig,
      ...flags,
    ]);
  const json = async (uid: string, ...flags: string[]): Promise<InspectionJson> => {
    const run = await inspectNode(uid, '--format', 'json', ...flags);
    assert.equal(run.code, 0, run.stderr);
    return JSON.parse(run.stdout) as InspectionJson;
  };

  before(async () => {
    kubeconfig = (await testEnv()).kubeconfigs.admin;
    dir = await mkdtemp(join(tmpdir(), 'lynq-inspect-'));
    world = await openInspectWorld('inspect');
    await world.db.connection.query('INSERT INTO nodes VALUES (?, 1), (?, 1), (?, 1), (?, 1)', [
      'ok',
      'broken',
      'hold',
      'gone',
    ]);
    for (const uid of ['ok', 'hold', 'gone']) {
      await world.nodeWhen(uid, 'Ready', (n) => n.status?.phase === 'Ready');
    }
    await world.nodeWhen('broken', 'Degraded', (n) => n.status?.phase === 'Degraded');
  });
  after(async () => {
    await world.setFinalizers('hold-extra', null).catch(() => undefined);
    await world.setFinalizers('gone-settings', null).catch(() => undefined);
    await world.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('O3 lynq inspect node prints a Ready node as text: state, event, resources and history', async () => {
    const run = await inspectNode('ok');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, new RegExp(`^LynqNode ${world.ns}/${world.nodeOf('ok')}\\n`));
    assert.match(run.stdout, /state: {3}ready {2}\(phase Ready\)/);
    assert.match(run.stdout, /event: {3}apply\.done/);
    assert.match(run.stdout, /settings {2}Ready/);
    assert.match(run.stdout, /history:\n.*None -> /);
  });

  it('O2 O3 lynq inspect node prints a Degraded node (template error) as JSON with the definition, the reason and the failing resource', async () => {
    const inspection = await json('broken');
    assert.equal(inspection.state, 'degraded');
    assert.equal(inspection.value, 'degraded');
    assert.equal(inspection.phase, 'Degraded');
    assert.match(inspection.event, /TemplateRenderError|ResourcesFailed/);
    assert.equal(inspection.definition.id, 'node');
    assert.ok('applying' in inspection.definition.states);
    const failing = inspection.context['failing'] as {
      id: string;
      reason: string;
      message: string;
    }[];
    assert.deepEqual(
      failing.map((r) => [r.id, r.reason]),
      [['settings', 'TemplateRenderError']],
    );
    assert.match(failing[0]?.message ?? '', /this row is broken/);
    assert.ok(inspection.history.some((t) => t.to === 'Degraded'));
    assert.ok(Date.parse(inspection.since) > 0);
  });

  it('O3 lynq inspect node prints a Mermaid diagram with the current state highlighted', async () => {
    const run = await inspectNode('ok', '--format', 'mermaid');
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^stateDiagram-v2\n/);
    assert.match(run.stdout, /\n {2}class node_ready current\n/);
    assert.match(run.stdout, /history \d/);
  });

  it('O2 O3 lynq inspect node shows Applying.waiting while a removed resource waits on a foreign finalizer, and Deleting while a child does', async () => {
    await world.setFinalizers('hold-extra', ['example.com/hold']);
    await world.setFinalizers('gone-settings', ['example.com/hold']);
    await world.updateForm(formSpec(false));
    await world.db.connection.query('UPDATE nodes SET active = 0 WHERE id = ?', ['gone']);
    await world.nodeWhen(
      'hold',
      'Applying, waiting on the finalizer',
      (n) =>
        n.status?.phase === 'Applying' &&
        n.status.conditions?.some(
          (c) => c.type === 'Ready' && c.reason === 'WaitingOnFinalizer',
        ) === true,
    );
    const waiting = await json('hold');
    assert.equal(waiting.state, 'applying.waiting');
    assert.deepEqual(waiting.value, { applying: 'waiting' });
    const mermaid = await inspectNode('hold', '--format', 'mermaid');
    assert.match(mermaid.stdout, /\n {2}class node_applying_waiting current\n/);

    await world.nodeWhen(
      'gone',
      'Deleting, waiting on the finalizer',
      (n) =>
        n.status?.phase === 'Deleting' &&
        n.status.resources?.some(
          (r) => r.state === 'Deleting' && /example\.com\/hold/.test(r.message ?? ''),
        ) === true,
    );
    const text = await inspectNode('gone');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /state: {3}deleting\.retrying {2}\(phase Deleting\)/);
    assert.match(
      text.stdout,
      /settings {2}Deleting {2}\w+: waiting on finalizer example\.com\/hold/,
    );
  });

  it('O3 lynq inspect --from-operator reads the live actor (exact sub-state) from /debug/machines, which also lists actors by state', async () => {
    const live = await json('hold', '--from-operator', world.operatorUrl);
    assert.equal(live.source, 'operator');
    // The live actor is between passes or in one; both are states of applying.
    assert.match(live.state, /^applying\.(waiting|passing)$|^rendering$/);
    const listing = (await (await fetch(`${world.operatorUrl}/debug/machines`)).json()) as Record<
      string,
      { count: number; byState: Record<string, number>; items: { name: string; state: string }[] }
    >;
    assert.equal(listing['hubs']?.count, 1);
    assert.equal(listing['forms']?.count, 1);
    assert.ok(
      (listing['nodes']?.byState['ready'] ?? 0) >= 1,
      JSON.stringify(listing['nodes']?.byState),
    );
    const post = await fetch(`${world.operatorUrl}/debug/machines`, { method: 'POST' });
    assert.equal(post.status, 405);
    const missing = await runLynq([
      'inspect',
      'node',
      `${world.ns}/nope`,
      '--from-operator',
      world.operatorUrl,
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /404/);
  });

  it('O3 lynq inspect --format html writes one self-contained file that needs no network', async () => {
    const file = join(dir, 'broken.html');
    const run = await inspectNode('broken', '--format', 'html', '--output', file);
    assert.equal(run.code, 0, run.stderr);
    const html = await readFile(file, 'utf8');
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.doesNotMatch(html, /<script[^>]+src=|<link[^>]+href=|https?:\/\/cdn/i);
    assert.ok(html.length > 1_000_000, 'mermaid is inline');
    assert.match(html, /this row is broken/);
  });

  it('O3 lynq inspect hub and form, a missing node, and bad usage; nothing it does writes to the cluster', async () => {
    const started = new Date().toISOString();
    const hub = await runLynq(['inspect', 'hub', `${world.ns}/hub`, '--kubeconfig', kubeconfig]);
    assert.equal(hub.code, 0, hub.stderr);
    assert.match(hub.stdout, /state: {3}ready {2}\(phase Ready\)/);
    const form = await runLynq([
      'inspect',
      'form',
      `${world.ns}/web`,
      '--kubeconfig',
      kubeconfig,
      '--format',
      'json',
    ]);
    assert.equal(form.code, 0, form.stderr);
    assert.equal((JSON.parse(form.stdout) as InspectionJson).definition.id, 'form');
    const missing = await runLynq([
      'inspect',
      'node',
      `${world.ns}/nope`,
      '--kubeconfig',
      kubeconfig,
    ]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, new RegExp(`LynqNode ${world.ns}/nope not found`));
    const bad = await runLynq(['inspect', 'node', `${world.ns}/x`, '--formt', 'json']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--formt/);
    const writes = await auditEvents(
      (e) =>
        e.user.username === 'lynq-test-admin' &&
        e.objectRef?.namespace === world.ns &&
        e.requestReceivedTimestamp >= started,
    );
    assert.deepEqual(
      writes.map((e) => `${e.verb} ${e.objectRef?.resource ?? ''}`),
      [],
    );
  });
});
