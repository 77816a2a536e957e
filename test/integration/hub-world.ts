// One hub test's world on either database (MariaDB or PostgreSQL): a namespace, a database of its own, the operator watching that namespace, and small readers.
import assert from 'node:assert/strict';
import { Watch, type KubeConfig } from '@kubernetes/client-node';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { eventually } from '../harness/eventually.js';
import { kubeRequest } from '../harness/kube-request.js';
import {
  createMatrixDatabase,
  type DatabaseKind,
  type MatrixDatabase,
} from '../harness/matrix-database.js';
import { startOperator, type OperatorProcess } from '../harness/operator-process.js';
import { auditEvents, createTestNamespace, kubeConfigFor } from '../harness/test-env.js';

export interface Condition {
  type: string;
  status: string;
  reason: string;
  message: string;
}

export interface NodeView {
  metadata: {
    name: string;
    labels: Record<string, string>;
    deletionTimestamp?: string;
    finalizers?: string[];
    ownerReferences?: { kind: string; name: string }[];
    managedFields?: { manager: string; fieldsV1?: { 'f:spec'?: Record<string, unknown> } }[];
  };
  spec: { uid: string; templateRef: string; variables: Record<string, unknown>; revision?: string };
}

export interface HubView {
  metadata: { name: string; annotations?: Record<string, string> };
  status?: {
    phase?: string;
    phaseReason?: string;
    transitions?: { from: string; to: string; event: string }[];
    desired?: number;
    ready?: number;
    failed?: number;
    referencingTemplates?: number;
    rows?: { active: number; total: number; rejected: number };
    conditions?: Condition[];
  };
}

export interface EventView {
  type: string;
  reason: string;
  message: string;
  count: number;
  involvedObject: { kind: string; name: string };
}

export interface HubWorld {
  readonly ns: string;
  readonly db: MatrixDatabase;
  readonly kc: KubeConfig;
  readonly operator: OperatorProcess;
  close(): Promise<void>;
}

/** A namespace, a database (MySQL) or schema (PostgreSQL), and an operator for the namespace. */
export const openHubWorld = async (kind: DatabaseKind, label: string): Promise<HubWorld> => {
  const [namespace, db, kc] = await Promise.all([
    createTestNamespace(`${label}-${kind}`),
    createMatrixDatabase(kind, label),
    kubeConfigFor('admin'),
  ]);
  const operator = await startOperator({ namespace: namespace.name });
  return {
    ns: namespace.name,
    db,
    kc,
    operator,
    close: async () => {
      const code = await operator.stop();
      if (code !== 0)
        process.stderr.write(
          `operator exited ${String(code)}:\n${operator.output().slice(-4000)}\n`,
        );
      await Promise.all([namespace.remove(), db.drop()]);
    },
  };
};

/** Runs `body` in a world of its own, closed afterwards whatever happens. */
export const inHubWorld = async (
  kind: DatabaseKind,
  label: string,
  body: (world: HubWorld) => Promise<void>,
): Promise<void> => {
  const world = await openHubWorld(kind, label);
  try {
    await body(world);
  } catch (err) {
    // What the operator said is the first thing to read when a hub test fails.
    process.stderr.write(
      `operator output (${world.ns}):\n${world.operator.output().slice(-6000)}\n`,
    );
    throw err;
  } finally {
    await world.close();
  }
};

/** A rows table with only portable types, so the same test runs on both servers. */
export const createRowsTable = (
  world: HubWorld,
  table: string,
  options: { primaryKey?: boolean } = {},
): Promise<void> =>
  world.db.exec(
    `CREATE TABLE ${table} (id VARCHAR(200)${options.primaryKey === false ? '' : ' PRIMARY KEY'}, active SMALLINT, plan VARCHAR(64), note TEXT)`,
  );

export type RowValues = readonly [id: string, active: number, plan: string];

/** Inserts rows (id, active, plan) in one statement. */
export const insertRows = async (
  world: HubWorld,
  table: string,
  rows: readonly RowValues[],
): Promise<void> => {
  if (rows.length === 0) return;
  await world.db.exec(
    `INSERT INTO ${table} (id, active, plan) VALUES ${rows.map(() => '(?, ?, ?)').join(', ')}`,
    rows.flat(),
  );
};

/** Active rows `<prefix>0` … `<prefix>{n-1}`, plan `pro`. */
export const activeRows = (n: number, prefix = 'r'): RowValues[] =>
  Array.from({ length: n }, (_, i): RowValues => [`${prefix}${String(i)}`, 1, 'pro']);

export interface HubOptions {
  readonly syncInterval?: string;
  readonly uidColumn?: string;
  readonly extra?: Record<string, string>;
  readonly suspend?: boolean;
  readonly maxDeletions?: number | string;
  readonly annotations?: Record<string, string>;
  /** More `spec.source` fields, e.g. `changeDetection`. */
  readonly source?: Record<string, unknown>;
  /** More fields of the connection section (`spec.source.mysql` or `.postgresql`). */
  readonly connection?: Record<string, unknown>;
}

/** A hub reading `table` with `uid: id`, `activate: active` and `plan` mapped. */
export const hubBody = (world: HubWorld, name: string, table: string, options: HubOptions = {}) => {
  const source = world.db.source(table, {
    syncInterval: options.syncInterval ?? '1s',
    ...options.source,
  });
  const section = source[world.db.kind] as Record<string, unknown>;
  source[world.db.kind] = { ...section, ...options.connection };
  return {
    apiVersion: 'operator.lynq.sh/v1',
    kind: 'LynqHub',
    metadata: {
      name,
      namespace: world.ns,
      ...(options.annotations === undefined ? {} : { annotations: options.annotations }),
    },
    spec: {
      source,
      valueMappings: { uid: options.uidColumn ?? 'id', activate: 'active' },
      extraValueMappings: options.extra ?? { plan: 'plan' },
      ...(options.suspend === undefined ? {} : { suspend: options.suspend }),
      ...(options.maxDeletions === undefined
        ? {}
        : { deletionGuard: { maxDeletions: options.maxDeletions } }),
    },
  };
};

/** A valid form with one ConfigMap per node, named `<uid>-<form>-settings`, whose data says the plan. */
export const formBody = (world: HubWorld, name: string, hubId: string) => ({
  apiVersion: 'operator.lynq.sh/v1',
  kind: 'LynqForm',
  metadata: { name, namespace: world.ns },
  spec: {
    hubId,
    configMaps: [
      {
        id: 'settings',
        // Per form, so two forms of one hub never claim the same object (SPEC N6).
        nameTemplate: '{{ uid }}-{{ templateRef }}-settings',
        spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { plan: '{{ plan }}' } },
      },
    ],
  },
});

export const create = async (
  world: HubWorld,
  plural: 'lynqhubs' | 'lynqforms',
  body: unknown,
): Promise<void> => {
  const res = await kubeRequest(world.kc, {
    method: 'POST',
    path: lynqPath(plural, world.ns),
    body,
  });
  assert.equal(res.status, 201, res.text);
};

/** Creates a hub on `table` and a form `form` of it. */
export const createHubAndForm = async (
  world: HubWorld,
  hub: string,
  table: string,
  form: string,
  options: HubOptions = {},
): Promise<void> => {
  await create(world, 'lynqhubs', hubBody(world, hub, table, options));
  await create(world, 'lynqforms', formBody(world, form, hub));
};

export const mergePatch = async (
  world: HubWorld,
  plural: 'lynqhubs' | 'lynqforms',
  name: string,
  body: unknown,
): Promise<void> => {
  const res = await kubeRequest(world.kc, {
    method: 'PATCH',
    path: lynqPath(plural, world.ns, name),
    contentType: 'application/merge-patch+json',
    body,
  });
  assert.equal(res.status, 200, res.text);
};

/** Merge-patches the hub's connection section (`spec.source.mysql` or `.postgresql`). */
export const patchConnection = (
  world: HubWorld,
  hub: string,
  patch: Record<string, unknown>,
): Promise<void> =>
  mergePatch(world, 'lynqhubs', hub, { spec: { source: world.db.connectionPatch(patch) } });

/** The nodes in the world, or only those of `form`. */
export const listNodes = async (world: HubWorld, form?: string): Promise<NodeView[]> => {
  const res = await kubeRequest(world.kc, { method: 'GET', path: lynqPath('lynqnodes', world.ns) });
  assert.equal(res.status, 200, res.text);
  const items = (res.body as { items: NodeView[] }).items;
  return form === undefined ? items : items.filter((n) => n.spec.templateRef === form);
};

/** The uids of `form`'s nodes, sorted and joined by commas. */
export const uidsOf = async (world: HubWorld, form: string): Promise<string> =>
  (await listNodes(world, form))
    .map((n) => n.spec.uid)
    .sort()
    .join(',');

/** Resolves with the nodes once there are exactly `n` in the world (or of `form`). */
export const nodeCount = (world: HubWorld, n: number, form?: string): Promise<NodeView[]> =>
  eventually(`${String(n)} nodes${form === undefined ? '' : ` of ${form}`}`, async () => {
    const nodes = await listNodes(world, form);
    return nodes.length === n ? nodes : undefined;
  });

export const getHub = async (world: HubWorld, name: string): Promise<HubView> => {
  const res = await kubeRequest(world.kc, {
    method: 'GET',
    path: lynqPath('lynqhubs', world.ns, name),
  });
  assert.equal(res.status, 200, res.text);
  return res.body as HubView;
};

export const conditionOf = (hub: HubView | undefined, type: string): Condition | undefined =>
  hub?.status?.conditions?.find((c) => c.type === type);

/**
 * Every value one hub condition takes from now on, in order, read from a watch: it sees each
 * status the operator wrote, however briefly that status stood. `stop()` ends the watch.
 */
export const watchCondition = async (
  world: HubWorld,
  hub: string,
  type: string,
): Promise<{ readonly seen: readonly Condition[]; stop(): void }> => {
  const seen: Condition[] = [];
  const controller = await new Watch(world.kc).watch(
    lynqPath('lynqhubs', world.ns),
    { fieldSelector: `metadata.name=${hub}` },
    (_phase: string, obj: HubView) => {
      const c = conditionOf(obj, type);
      const last = seen.at(-1);
      if (c !== undefined && (last?.status !== c.status || last.reason !== c.reason)) seen.push(c);
    },
    () => undefined,
  );
  return {
    seen,
    stop: () => {
      controller.abort();
    },
  };
};

/** The Events on one hub. */
export const hubEvents = async (world: HubWorld, hub: string): Promise<EventView[]> => {
  const res = await kubeRequest(world.kc, {
    method: 'GET',
    path: `/api/v1/namespaces/${world.ns}/events`,
  });
  assert.equal(res.status, 200, res.text);
  return (res.body as { items: EventView[] }).items.filter(
    (e) => e.involvedObject.kind === 'LynqHub' && e.involvedObject.name === hub,
  );
};

export interface SyncLine {
  /** ISO-8601 (SPEC O5). */
  readonly time: string;
  readonly outcome?: string;
  readonly wrote?: boolean;
}

/** The syncs of one hub the operator finished at or after `since`, from its "Hub sync finished" debug lines. */
export const syncsFinished = (world: HubWorld, hub: string, since = 0): SyncLine[] =>
  world.operator
    .output()
    .split('\n')
    .flatMap((line): SyncLine[] => {
      try {
        const entry = JSON.parse(line) as SyncLine & {
          msg?: string;
          kind?: string;
          namespace?: string;
          name?: string;
        };
        return entry.msg === 'Hub sync finished' &&
          entry.kind === 'LynqHub' &&
          entry.namespace === world.ns &&
          entry.name === hub &&
          Date.parse(entry.time) >= since
          ? [entry]
          : [];
      } catch {
        return []; // a line still being written
      }
    });

/** Resolves once `hub` finished `n` syncs at or after `since`, with those syncs. */
export const awaitSyncs = (
  world: HubWorld,
  hub: string,
  n: number,
  since: number,
): Promise<SyncLine[]> =>
  eventually(`${String(n)} syncs of ${hub}`, () => {
    const finished = syncsFinished(world, hub, since);
    return Promise.resolve(finished.length >= n ? finished : undefined);
  });

/** What the operator wrote in the world between `from` and `to` (ms), as `verb resource/sub name`. */
export const operatorWrites = async (
  world: HubWorld,
  from: number,
  to = Number.POSITIVE_INFINITY,
  resource?: string,
): Promise<string[]> =>
  (
    await auditEvents(
      (e) =>
        e.user.username === 'lynq-operator' &&
        e.objectRef?.namespace === world.ns &&
        !['get', 'list', 'watch'].includes(e.verb) &&
        (resource === undefined || e.objectRef.resource === resource) &&
        Date.parse(e.requestReceivedTimestamp) >= from &&
        Date.parse(e.requestReceivedTimestamp) <= to,
    )
  ).map(
    (w) =>
      `${w.verb} ${w.objectRef?.resource ?? ''}/${w.objectRef?.subresource ?? ''} ${w.objectRef?.name ?? ''}`,
  );

/** The node deletions the operator sent in the world so far. */
export const nodeDeletes = async (world: HubWorld): Promise<number> =>
  (await operatorWrites(world, 0, Number.POSITIVE_INFINITY, 'lynqnodes')).filter((w) =>
    w.startsWith('delete '),
  ).length;
