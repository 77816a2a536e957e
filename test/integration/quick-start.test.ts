// The README's quick start, file for file: examples/ applied with kubectl, the operator started as users start it, a row toggled off and on.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { eventually } from '../harness/eventually.js';
import { applyExamples, exampleNames, loadExampleSchema } from '../harness/examples.js';
import { kubeRequest } from '../harness/kube-request.js';
import { startOperator, type OperatorProcess } from '../harness/operator-process.js';
import {
  createTestDatabase,
  createTestNamespace,
  kubeConfigFor,
  kubectl,
  testEnv,
  type TestDatabase,
} from '../harness/test-env.js';

interface Named {
  metadata: { name: string; namespace?: string };
  spec?: Record<string, unknown>;
  status?: { phase?: string; conditions?: { type: string; status: string; reason: string }[] };
}

/** What each active tenant gets, per the README: `web` in the hub's namespace, `directory` in the shared one. */
const webObjects = (uid: string) => [
  ['configmaps', `/api/v1`, `${uid}-settings`],
  ['services', `/api/v1`, `${uid}-web`],
  ['deployments', `/apis/apps/v1`, `${uid}-web`],
];
const directoryObjects = (uid: string) => [
  ['configmaps', `/api/v1`, `${uid}-card`],
  ['services', `/api/v1`, `${uid}-entry`],
];

describe('quick start (examples/)', () => {
  let ns: { name: string; remove: () => Promise<void> };
  let shared: { name: string; remove: () => Promise<void> };
  let db: TestDatabase;
  let kc: KubeConfig;
  let operator: OperatorProcess;

  const get = async (path: string): Promise<Named | undefined> => {
    const res = await kubeRequest(kc, { method: 'GET', path });
    if (res.status === 404) return undefined;
    assert.equal(res.status, 200, res.text);
    return res.body as Named;
  };
  const objectsOf = (uid: string) => [
    ...webObjects(uid).map(
      ([plural, api, name]) => `${api}/namespaces/${ns.name}/${plural}/${name}`,
    ),
    ...directoryObjects(uid).map(
      ([plural, api, name]) => `${api}/namespaces/${shared.name}/${plural}/${name}`,
    ),
  ];
  const nodes = async (): Promise<Named[]> => {
    const res = await kubeRequest(kc, { method: 'GET', path: lynqPath('lynqnodes', ns.name) });
    assert.equal(res.status, 200, res.text);
    return (res.body as { items: Named[] }).items;
  };
  const nodesOf = async (uid: string): Promise<Named[]> =>
    (await nodes()).filter((n) => n.spec?.['uid'] === uid);
  const allPresent = async (uid: string): Promise<boolean> =>
    (await Promise.all(objectsOf(uid).map(get))).every((o) => o !== undefined);
  const nonePresent = async (uid: string): Promise<boolean> =>
    (await Promise.all(objectsOf(uid).map(get))).every((o) => o === undefined);
  const setActive = async (uid: string, active: 0 | 1): Promise<void> => {
    await db.connection.query('UPDATE tenants SET active = ? WHERE id = ?', [active, uid]);
  };

  before(async () => {
    [ns, shared, db, kc] = await Promise.all([
      createTestNamespace('quick-start'),
      createTestNamespace('quick-start-shared'),
      createTestDatabase('quick-start'),
      kubeConfigFor('admin'),
    ]);
    const env = await testEnv();
    const target = { mysqlUrl: env.mysqlUrl, database: db.name, sharedNamespace: shared.name };
    await loadExampleSchema(target);
    const applied = await applyExamples(
      join(env.toolsDir, 'kubectl'),
      env.kubeconfigs.admin,
      ns.name,
      target,
    );
    assert.match(applied, /lynqhub.operator.lynq.sh\/tenants created/);
    operator = await startOperator({
      namespace: ns.name,
      extraArgs: ['--allowed-namespaces', shared.name],
    });
  });

  after(async () => {
    const code = await operator.stop();
    if (code !== 0)
      process.stderr.write(`operator exited ${String(code)}:\n${operator.output()}\n`);
    await Promise.all([ns.remove(), shared.remove(), db.drop()]);
  });

  it('O2 the examples give one node per active row and form, and every object the README lists', async () => {
    const names = await eventually('four nodes: acme and initech × web and directory', async () => {
      const all = await nodes();
      return all.length === 4 ? all : undefined;
    });
    assert.deepEqual(
      names.map((n) => `${String(n.spec?.['uid'])}/${String(n.spec?.['templateRef'])}`).sort(),
      ['acme/directory', 'acme/web', 'initech/directory', 'initech/web'],
      'globex is inactive: no node',
    );
    await eventually('every object of acme and initech', async () =>
      (await allPresent('acme')) && (await allPresent('initech')) ? true : undefined,
    );
    // Typed values (T3) as the README shows them.
    const deployment = await get(`/apis/apps/v1/namespaces/${ns.name}/deployments/acme-web`);
    assert.equal(deployment?.spec?.['replicas'], 2);
    const entry = (await get(`/api/v1/namespaces/${shared.name}/services/initech-entry`))?.spec;
    const acmeEntry = (await get(`/api/v1/namespaces/${shared.name}/services/acme-entry`))?.spec;
    assert.deepEqual(
      [
        entry?.['externalName'],
        entry?.['ports'],
        // The API server omits a false boolean: absent is false.
        entry?.['publishNotReadyAddresses'] ?? false,
      ],
      [
        'initech.example.com',
        [{ name: 'https', port: 8443, protocol: 'TCP', targetPort: 8443 }],
        false,
      ],
    );
    assert.equal(acmeEntry?.['publishNotReadyAddresses'], true);
    // The directory form owns nothing that needs a kubelet: its nodes and the form are Ready.
    const wait = await kubectl([
      'wait',
      '-n',
      ns.name,
      '--for=condition=Ready',
      'lynqforms/directory',
      '--timeout=120s',
    ]);
    assert.equal(wait.code, 0, wait.stderr);
    // A web node is Ready, or waits for its Deployment's pods where readiness per kind (N8) is
    // judged: the harness, like `npm run dev`, has no kubelet to run them (the README says so).
    const web = (await nodes()).filter((n) => n.spec?.['templateRef'] === 'web');
    for (const node of web) assert.match(node.status?.phase ?? '', /^(Ready|Applying)$/);
  });

  it('O1 O2 O5 a row toggled off removes its nodes and objects (one hub event, a log line per node), toggled on restores them; other rows are untouched', async () => {
    await eventually('acme present', async () => ((await allPresent('acme')) ? true : undefined));
    const initechBefore = (await nodesOf('initech')).map((n) => n.metadata.name).sort();
    await setActive('acme', 0);
    await eventually('acme nodes gone', async () =>
      (await nodesOf('acme')).length === 0 ? true : undefined,
    );
    await eventually('acme objects gone, in both namespaces', async () =>
      (await nonePresent('acme')) ? true : undefined,
    );
    assert.deepEqual((await nodesOf('initech')).map((n) => n.metadata.name).sort(), initechBefore);
    assert.equal(await allPresent('initech'), true);
    // O1: one event on the hub for the sync, naming both nodes; O5: one info line per node.
    const summary = await eventually('a NodesDeleted event on the hub', async () => {
      const res = await kubeRequest(kc, {
        method: 'GET',
        path: `/api/v1/namespaces/${ns.name}/events?fieldSelector=${encodeURIComponent('involvedObject.kind=LynqHub,reason=NodesDeleted')}`,
      });
      const items = (res.body as { items?: { message: string; count: number }[] }).items ?? [];
      return items.length > 0 ? items : undefined;
    });
    assert.deepEqual(
      summary.map((e) => e.message),
      ['2 nodes deleted: RowInactive (acme/directory, acme/web)'],
    );
    const deletedLines = await eventually('two Node deleted lines', () => {
      const lines = operator
        .output()
        .split('\n')
        .filter((line) => line.includes('"msg":"Node deleted"'))
        .map((line) => JSON.parse(line) as Record<string, unknown>);
      return Promise.resolve(lines.length >= 2 ? lines : undefined);
    });
    assert.deepEqual(deletedLines.map((l) => [l['hub'], l['form'], l['reason']]).sort(), [
      [`${ns.name}/tenants`, 'directory', 'RowInactive'],
      [`${ns.name}/tenants`, 'web', 'RowInactive'],
    ]);
    for (const line of deletedLines) {
      assert.equal(new Date(String(line['time'])).toISOString(), line['time'], 'ISO-8601 time');
    }

    await setActive('acme', 1);
    await eventually('acme back', async () =>
      (await nodesOf('acme')).length === 2 && (await allPresent('acme')) ? true : undefined,
    );
  });

  it('O2 the hub reads its rows with the read-only user and password Secret of the examples', async () => {
    const hub = await get(lynqPath('lynqhubs', ns.name, exampleNames.hub));
    const conditions = hub?.status?.conditions ?? [];
    const shown = (type: string) => conditions.find((c) => c.type === type)?.status;
    assert.equal(shown('DatasourceReachable'), 'True');
    assert.equal(shown('RowsRead'), 'True');
  });
});
