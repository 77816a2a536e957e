// A hub, a form and rows whose nodes reach Ready, Degraded (a template error), Applying.waiting and Deleting (foreign finalizers), with the operator running with --debug-endpoints: the world the inspect and dashboard tests look at.
import assert from 'node:assert/strict';
import type { KubeConfig } from '@kubernetes/client-node';
import { mysqlHub } from '../fixtures/lynq-objects.js';
import { nodeName } from '../../src/api/node-name.js';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { eventually } from '../harness/eventually.js';
import { freePort } from '../harness/free-port.js';
import { kubeRequest } from '../harness/kube-request.js';
import { startOperator, type OperatorProcess } from '../harness/operator-process.js';
import {
  createTestDatabase,
  createTestNamespace,
  kubeConfigFor,
  testEnv,
  type TestDatabase,
} from '../harness/test-env.js';

export interface InspectWorld {
  readonly ns: string;
  readonly db: TestDatabase;
  readonly kc: KubeConfig;
  readonly operator: OperatorProcess;
  /** The operator's health address, serving /debug/machines. */
  readonly operatorUrl: string;
  nodeOf(uid: string): string;
  node(uid: string): Promise<NodeObject | undefined>;
  /** Waits until the node of `uid` satisfies `check`. */
  nodeWhen(uid: string, what: string, check: (n: NodeObject) => boolean): Promise<NodeObject>;
  setFinalizers(configMap: string, finalizers: string[] | null): Promise<void>;
  updateForm(spec: Record<string, unknown>): Promise<void>;
  close(): Promise<void>;
}

export interface NodeObject {
  readonly metadata: { name: string; deletionTimestamp?: string };
  readonly status?: {
    phase?: string;
    phaseReason?: string;
    resources?: { id: string; state: string; reason?: string; message?: string }[];
    conditions?: { type: string; status: string; reason: string; message: string }[];
  };
}

const configMap = (id: string, data: Record<string, string>) => ({
  id,
  nameTemplate: `{{ uid }}-${id}`,
  spec: { apiVersion: 'v1', kind: 'ConfigMap', data },
});

/** `settings` fails to render for the row `broken` (TemplateRenderError); `extra` never fails. */
export const formSpec = (withExtra: boolean) => ({
  hubId: 'hub',
  configMaps: [
    configMap('settings', { uid: '{{ fail("this row is broken") if uid == "broken" else uid }}' }),
    ...(withExtra ? [configMap('extra', { kept: 'yes' })] : []),
  ],
});

export const openInspectWorld = async (label: string): Promise<InspectWorld> => {
  const [namespace, db, kc] = await Promise.all([
    createTestNamespace(label),
    createTestDatabase(label),
    kubeConfigFor('admin'),
  ]);
  const ns = namespace.name;
  await db.connection.query('CREATE TABLE nodes (id VARCHAR(200) PRIMARY KEY, active TINYINT(1))');
  const port = await freePort();
  const operator = await startOperator({
    namespace: ns,
    healthPort: port,
    extraArgs: ['--debug-endpoints'],
  });
  const url = new URL((await testEnv()).mysqlUrl);
  for (const [plural, body] of [
    [
      'lynqforms',
      {
        apiVersion: 'operator.lynq.sh/v1',
        kind: 'LynqForm',
        metadata: { name: 'web', namespace: ns },
        spec: formSpec(true),
      },
    ],
    [
      'lynqhubs',
      mysqlHub({
        name: 'hub',
        namespace: ns,
        mysqlUrl: url.href,
        database: db.name,
        table: 'nodes',
      }),
    ],
  ] as const) {
    const res = await kubeRequest(kc, { method: 'POST', path: lynqPath(plural, ns), body });
    assert.equal(res.status, 201, res.text);
  }
  const nodeOf = (uid: string) => nodeName(uid, 'web');
  const node = async (uid: string) => {
    const res = await kubeRequest(kc, {
      method: 'GET',
      path: lynqPath('lynqnodes', ns, nodeOf(uid)),
    });
    return res.status === 200 ? (res.body as NodeObject) : undefined;
  };
  return {
    ns,
    db,
    kc,
    operator,
    operatorUrl: `http://127.0.0.1:${String(port)}`,
    nodeOf,
    node,
    nodeWhen: (uid, what, check) =>
      eventually(
        `${uid}: ${what}`,
        async () => {
          const n = await node(uid);
          return n !== undefined && check(n) ? n : undefined;
        },
        90_000,
      ),
    setFinalizers: async (name, finalizers) => {
      const res = await kubeRequest(kc, {
        method: 'PATCH',
        path: `/api/v1/namespaces/${ns}/configmaps/${name}`,
        contentType: 'application/merge-patch+json',
        body: { metadata: { finalizers } },
      });
      assert.equal(res.status, 200, res.text);
    },
    updateForm: async (spec) => {
      const res = await kubeRequest(kc, {
        method: 'PATCH',
        path: lynqPath('lynqforms', ns, 'web'),
        contentType: 'application/merge-patch+json',
        body: { spec },
      });
      assert.equal(res.status, 200, res.text);
    },
    close: async () => {
      await operator.stop();
      await Promise.all([namespace.remove(), db.drop()]);
    },
  };
};
