// The operator's read-only debug export (SPEC O3): GET /debug/machines (actors by kind and state) and GET /debug/machines/{hubs|forms|nodes}/<namespace>/<name> (the live inspection).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { inspect, type LiveSnapshot } from './inspection.js';
import { inspectKinds, statePathOf, type InspectKind } from './machine-catalog.js';
import type { InspectedObject } from './status-state.js';

/** What the operator holds of one kind: its cache of objects and its running actors. */
export interface MachineSource {
  /** The object as the operator's watch cache holds it, by `namespace/name`. */
  get(key: string): InspectedObject | undefined;
  list(): readonly InspectedObject[];
  /** The running actor's snapshot, by `namespace/name`; undefined when none runs. */
  snapshot(key: string): LiveSnapshot | undefined;
}

export type MachineSources = Readonly<Record<InspectKind, MachineSource>>;

/** Where the routes live on the health server. */
export const debugMachinesPrefix = '/debug/machines';

const send = (res: ServerResponse, status: number, body: unknown): void => {
  res
    .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
    .end(`${JSON.stringify(body, null, 2)}\n`);
};

const kindOf = (segment: string): InspectKind | undefined =>
  inspectKinds.find((k) => segment === k || segment === `${k}s`);

/** Per kind: how many actors run, by state path, and each object with its state. */
const listing = (sources: MachineSources) =>
  Object.fromEntries(
    inspectKinds.map((kind) => {
      const source = sources[kind];
      const items = source.list().map((object) => {
        const key = `${object.metadata.namespace ?? ''}/${object.metadata.name}`;
        const live = source.snapshot(key);
        const state = live === undefined ? inspect(kind, object).state : statePathOf(live.value);
        return {
          namespace: object.metadata.namespace ?? '',
          name: object.metadata.name,
          state: state ?? '',
          live: live !== undefined,
        };
      });
      const byState: Record<string, number> = {};
      for (const item of items) byState[item.state] = (byState[item.state] ?? 0) + 1;
      return [
        `${kind}s`,
        { count: items.length, actors: items.filter((i) => i.live).length, byState, items },
      ];
    }),
  );

/**
 * The request handler. Read-only: anything but GET is 405. An object the operator does not hold
 * is 404; an object without a running actor is inspected from the cached status (`source`
 * says which).
 */
export const debugMachinesHandler =
  (sources: MachineSources) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== 'GET') {
      send(res, 405, { error: 'read-only: only GET' });
      return;
    }
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const rest = path
      .slice(debugMachinesPrefix.length)
      .split('/')
      .filter((s) => s !== '');
    if (rest.length === 0) {
      send(res, 200, listing(sources));
      return;
    }
    const [segment = '', namespace, name] = rest.map(decodeURIComponent);
    const kind = kindOf(segment);
    if (kind === undefined || namespace === undefined || name === undefined || rest.length !== 3) {
      send(res, 404, {
        error: `expected ${debugMachinesPrefix}/{hubs|forms|nodes}/<namespace>/<name>`,
      });
      return;
    }
    const key = `${namespace}/${name}`;
    const object = sources[kind].get(key);
    if (object === undefined) {
      send(res, 404, { error: `the operator holds no ${kind} ${key}` });
      return;
    }
    send(res, 200, inspect(kind, object, sources[kind].snapshot(key)));
  };
