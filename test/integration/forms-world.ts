// One test's world for form tests: a namespace, a database table of rows, the operator watching that namespace, and small readers.
import assert from 'node:assert/strict';
import type { KubeConfig } from '@kubernetes/client-node';
import { mysqlHub } from '../fixtures/lynq-objects.js';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { kubeRequest, type KubeResponse } from '../harness/kube-request.js';
import { startOperator, type OperatorProcess } from '../harness/operator-process.js';
import {
  createTestDatabase,
  createTestNamespace,
  kubeConfigFor,
  testEnv,
  type TestDatabase,
} from '../harness/test-env.js';

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

export interface NodeView {
  metadata: {
    name: string;
    uid: string;
    labels: Record<string, string>;
    deletionTimestamp?: string;
  };
  spec: { uid: string; templateRef: string; revision?: string };
}

export interface FormView {
  metadata: { name: string; generation: number; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
  status?: {
    phase?: string;
    observedGeneration?: number;
    currentRevision?: string;
    rollout?: {
      phase?: string;
      message?: string;
      targetRevision?: string;
      updatedNodes?: number;
      updatingNodes?: number;
      readyUpdatedNodes?: number;
      failedNodes?: number;
      failedNodeNames?: string[];
    };
    totalNodes?: number;
    readyNodes?: number;
    failedNodes?: number;
    conditions?: Condition[];
  };
}

export interface HubView {
  metadata: { name: string; annotations?: Record<string, string> };
  status?: { desired?: number; rows?: { active: number }; conditions?: Condition[] };
}

export interface RevisionView {
  metadata: { name: string; labels: Record<string, string>; ownerReferences?: { name: string }[] };
  data: Record<string, unknown>;
  revision: number;
}

export interface World {
  readonly ns: string;
  readonly db: TestDatabase;
  readonly kc: KubeConfig;
  /** The operator running now (a new one after `restartOperator`). */
  readonly operator: OperatorProcess;
  /** Stops the operator (SIGTERM, asserting a clean exit) and starts a new one, as a rollout would. */
  restartOperator(): Promise<void>;
  /** SIGKILLs the operator (a crash, an OOM kill) and starts a new one. */
  crashOperator(): Promise<void>;
  request(req: Parameters<typeof kubeRequest>[1]): Promise<KubeResponse>;
  /** Stops the operator, drops the database and (unless `keepNamespace`) deletes the namespace. */
  close(options?: { keepNamespace?: boolean }): Promise<void>;
}

/** A namespace, a database with table `rows` (id, active, plan), and an operator for the namespace. */
export const openWorld = async (label: string): Promise<World> => {
  const [namespace, db, kc] = await Promise.all([
    createTestNamespace(label),
    createTestDatabase(label),
    kubeConfigFor('admin'),
  ]);
  await db.connection.query(
    'CREATE TABLE `rows` (id VARCHAR(200) PRIMARY KEY, active TINYINT(1), plan VARCHAR(64))',
  );
  let operator = await startOperator({ namespace: namespace.name });
  return {
    ns: namespace.name,
    db,
    kc,
    get operator() {
      return operator;
    },
    restartOperator: async () => {
      const code = await operator.stop();
      assert.equal(code, 0, operator.output().slice(-4000));
      operator = await startOperator({ namespace: namespace.name });
    },
    crashOperator: async () => {
      await operator.kill();
      operator = await startOperator({ namespace: namespace.name });
    },
    request: (req) => kubeRequest(kc, req),
    close: async (options = {}) => {
      const code = await operator.stop();
      if (code !== 0) {
        process.stderr.write(
          `operator exited ${String(code)}:\n${operator.output().slice(-4000)}\n`,
        );
      }
      await Promise.all([
        options.keepNamespace === true ? Promise.resolve() : namespace.remove(),
        db.drop(),
      ]);
    },
  };
};

/** Inserts active rows `<prefix>0` … `<prefix>{n-1}`. */
export const insertRows = async (world: World, n: number, prefix = 'r'): Promise<void> => {
  const values = Array.from({ length: n }, (_, i) => [`${prefix}${String(i)}`, 1, 'pro']);
  await world.db.connection.query('INSERT INTO `rows` (id, active, plan) VALUES ?', [values]);
};

export const hubBody = async (
  world: World,
  name: string,
  options: {
    table?: string;
    maxDeletions?: number | string;
    annotations?: Record<string, string>;
  } = {},
) => {
  return mysqlHub({
    name,
    namespace: world.ns,
    mysqlUrl: (await testEnv()).mysqlUrl,
    database: world.db.name,
    table: options.table ?? 'rows',
    extraValueMappings: { plan: 'plan' },
    ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
    ...(options.maxDeletions === undefined ? {} : { maxDeletions: String(options.maxDeletions) }),
  });
};

/** A valid form with one ConfigMap whose data says `version`. */
export const formBody = (
  world: World,
  name: string,
  hubId: string,
  options: { version?: string; annotations?: Record<string, string> } = {},
) => ({
  apiVersion: 'operator.lynq.sh/v1',
  kind: 'LynqForm',
  metadata: {
    name,
    namespace: world.ns,
    ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
  },
  spec: {
    hubId,
    configMaps: [
      {
        id: 'settings',
        // Per form, so two forms of one hub never claim the same object (SPEC N6).
        nameTemplate: '{{ uid }}-{{ templateRef }}-settings',
        spec: {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          data: { plan: '{{ plan }}', version: options.version ?? 'v1' },
        },
      },
    ],
  },
});

export const create = async (
  world: World,
  plural: 'lynqhubs' | 'lynqforms',
  body: unknown,
): Promise<void> => {
  const res = await world.request({ method: 'POST', path: lynqPath(plural, world.ns), body });
  assert.equal(res.status, 201, res.text);
};

export const mergePatch = async (
  world: World,
  plural: 'lynqhubs' | 'lynqforms' | 'lynqnodes',
  name: string,
  body: unknown,
  subresource = '',
): Promise<void> => {
  const res = await world.request({
    method: 'PATCH',
    path: `${lynqPath(plural, world.ns, name)}${subresource}`,
    contentType: 'application/merge-patch+json',
    body,
  });
  assert.equal(res.status, 200, res.text);
};

export const listNodes = async (world: World, form?: string): Promise<NodeView[]> => {
  const res = await world.request({ method: 'GET', path: lynqPath('lynqnodes', world.ns) });
  assert.equal(res.status, 200, res.text);
  const items = (res.body as { items: NodeView[] }).items;
  return form === undefined ? items : items.filter((n) => n.spec.templateRef === form);
};

export const getForm = async (world: World, name: string): Promise<FormView | undefined> => {
  const res = await world.request({ method: 'GET', path: lynqPath('lynqforms', world.ns, name) });
  return res.status === 200 ? (res.body as FormView) : undefined;
};

export const getHub = async (world: World, name: string): Promise<HubView | undefined> => {
  const res = await world.request({ method: 'GET', path: lynqPath('lynqhubs', world.ns, name) });
  return res.status === 200 ? (res.body as HubView) : undefined;
};

export const listRevisions = async (world: World, form: string): Promise<RevisionView[]> => {
  const res = await world.request({
    method: 'GET',
    path: `/apis/apps/v1/namespaces/${world.ns}/controllerrevisions?labelSelector=${encodeURIComponent(`lynq.sh/form=${form}`)}`,
  });
  assert.equal(res.status, 200, res.text);
  return (res.body as { items: RevisionView[] }).items;
};

export const conditionOf = (
  obj: { status?: { conditions?: Condition[] } } | undefined,
  type: string,
): Condition | undefined => obj?.status?.conditions?.find((c) => c.type === type);

/** Sets one node condition on a node's /status, as a node actor would. */
export const setNodeCondition = async (
  world: World,
  node: string,
  type: 'Ready' | 'Degraded',
): Promise<void> => {
  await mergePatch(
    world,
    'lynqnodes',
    node,
    {
      status: {
        conditions: [
          {
            type,
            status: 'True',
            reason: 'Test',
            message: 'set by test',
            lastTransitionTime: new Date().toISOString(),
          },
        ],
      },
    },
    '/status',
  );
};
