// What node tests read back from the API server: LynqNodes, their status and events, and the objects they apply.
import assert from 'node:assert/strict';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { eventually } from '../harness/eventually.js';
import { kubectl, type AuditEvent, type CommandResult } from '../harness/test-env.js';
import { listNodes, type Condition, type NodeView, type World } from './forms-world.js';

export interface ResourceView {
  id: string;
  state: string;
  reason?: string;
  message?: string;
}

export interface AppliedResourceView {
  id: string;
  kind: string;
  name: string;
  namespace?: string;
  level: number;
  deletionPolicy: string;
}

export interface NodeStatusView {
  phase?: string;
  phaseReason?: string;
  observedGeneration?: number;
  readySummary?: string;
  skippedResourceIds?: string[];
  transitions?: { from: string; to: string; event: string }[];
  appliedResources?: AppliedResourceView[];
  resources?: ResourceView[];
  conditions?: Condition[];
}

export interface NodeObject {
  metadata: {
    name: string;
    generation?: number;
    deletionTimestamp?: string;
    finalizers?: string[];
  };
  spec: { uid: string; templateRef: string; revision?: string };
  status?: NodeStatusView;
}

/** Any object a node applies (ConfigMap, Namespace, …), as far as the tests look at it. */
export interface ObjectView {
  metadata: {
    name: string;
    uid: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { kind: string; name: string }[];
    finalizers?: string[];
    deletionTimestamp?: string;
  };
  data?: Record<string, string>;
}

export interface EventView {
  type: string;
  reason: string;
  message: string;
  count?: number;
}

export const getNode = async (world: World, name: string): Promise<NodeObject | undefined> => {
  const res = await world.request({ method: 'GET', path: lynqPath('lynqnodes', world.ns, name) });
  return res.status === 200 ? (res.body as NodeObject) : undefined;
};

/** The node's status (`{}` before it has one), or undefined when the node does not exist. */
export const nodeStatus = async (
  world: World,
  name: string,
): Promise<NodeStatusView | undefined> => {
  const node = await getNode(world, name);
  return node === undefined ? undefined : (node.status ?? {});
};

/** The node of `form` for `uid`, once the hub has created it and the form has given it a revision. */
export const nodeOf = async (world: World, form: string, uid: string): Promise<NodeView> =>
  eventually(`node of ${form} for ${uid}`, async () =>
    (await listNodes(world, form)).find((n) => n.spec.uid === uid && n.spec.revision !== undefined),
  );

/** The node once `accept` holds for it (its status is `{}` while it has none). */
export const nodeWhen = async (
  world: World,
  name: string,
  what: string,
  accept: (node: NodeObject, status: NodeStatusView) => boolean,
  deadlineMillis?: number,
): Promise<NodeObject> =>
  eventually(
    what,
    async () => {
      const node = await getNode(world, name);
      return node !== undefined && accept(node, node.status ?? {}) ? node : undefined;
    },
    deadlineMillis,
  );

/** The node's status once it has one and `accept` holds for it. */
export const statusWhen = async (
  world: World,
  name: string,
  what: string,
  accept: (s: NodeStatusView, node: NodeObject) => boolean,
  deadlineMillis?: number,
): Promise<NodeStatusView> => {
  const node = await nodeWhen(
    world,
    name,
    what,
    (n) => n.status !== undefined && accept(n.status, n),
    deadlineMillis,
  );
  return node.status ?? {};
};

/** Resolves once the node no longer exists. */
export const nodeGone = async (
  world: World,
  name: string,
  what: string,
  deadlineMillis?: number,
): Promise<void> => {
  await eventually(
    what,
    async () => ((await getNode(world, name)) === undefined ? true : undefined),
    deadlineMillis,
  );
};

export const isReadyAtGeneration = (node: NodeObject): boolean =>
  node.status?.phase === 'Ready' && node.status.observedGeneration === node.metadata.generation;

export const resourceOf = (s: NodeStatusView | undefined, id: string): ResourceView | undefined =>
  s?.resources?.find((r) => r.id === id);

/** `kubectl wait --for=condition=Ready` on one node, as a user would run it. */
export const kubectlWaitReady = async (world: World, node: string): Promise<CommandResult> =>
  kubectl(['wait', '-n', world.ns, '--for=condition=Ready', `lynqnode/${node}`, '--timeout=120s']);

/** The events recorded on the object named `node` in the world's namespace. */
export const eventsOf = async (world: World, node: string): Promise<EventView[]> => {
  const res = await world.request({
    method: 'GET',
    path: `/api/v1/namespaces/${world.ns}/events?fieldSelector=${encodeURIComponent(`involvedObject.name=${node}`)}`,
  });
  assert.equal(res.status, 200, res.text);
  return (res.body as { items: EventView[] }).items;
};

/** The ConfigMaps of `namespace`, or the one named `name`. */
export const configMapPath = (namespace: string, name = ''): string =>
  `/api/v1/namespaces/${namespace}/configmaps${name === '' ? '' : `/${name}`}`;

export const getObject = async (world: World, path: string): Promise<ObjectView | undefined> => {
  const res = await world.request({ method: 'GET', path });
  return res.status === 200 ? (res.body as ObjectView) : undefined;
};

export const getConfigMap = async (
  world: World,
  name: string,
  namespace = world.ns,
): Promise<ObjectView | undefined> => getObject(world, configMapPath(namespace, name));

/** An audit event of a write the operator made that the server accepted. */
export const operatorWrote = (e: AuditEvent): boolean =>
  e.user.username === 'lynq-operator' &&
  !['get', 'list', 'watch'].includes(e.verb) &&
  (e.responseStatus?.code ?? 0) < 400;
