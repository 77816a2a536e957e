// `lynq dashboard`'s web server (SPEC O3b): watches hubs, forms and nodes with the user's credentials and serves a read-only page, kept current by server-sent events.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { KubeObject } from '../kube/kube-object.js';
import type { KubeTransport } from '../kube/http-transport.js';
import { lynqCollectionPath, type LynqPlural } from '../kube/lynq-paths.js';
import { createNamespaceReflector } from '../kube/namespace-reflectors.js';
import type { Reflector } from '../kube/reflector.js';
import { checkDashboardAccess } from './dashboard-access.js';
import { dashboardPage } from './dashboard-page.js';
import { dashboardTree } from './dashboard-tree.js';
import { inspect } from './inspection.js';
import { isInspectKind, machineCatalog, type InspectKind } from './machine-catalog.js';
import { mermaidDiagram } from './mermaid-diagram.js';

export interface DashboardOptions {
  readonly transport: KubeTransport;
  /** Watch only these namespaces; undefined = all (needs cluster-wide list and watch). */
  readonly namespaces: readonly string[] | undefined;
  readonly logger: Logger;
  readonly address: string;
  /** 0 = any free port. */
  readonly port: number;
  /** mermaid's browser bundle, served from the package: no CDN. */
  readonly mermaidBundle: string;
  /** How long changes gather before one update goes to the pages. Default 100 ms. */
  readonly gatherMs?: number;
}

export interface Dashboard {
  readonly url: string;
  close(): Promise<void>;
}

const securityHeaders = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cache-control': 'no-store',
} as const;

/**
 * Starts the watches and the server; resolves once the server listens and the first lists are in.
 * Throws `DashboardCannotList` at once when a list it needs is refused or unanswered.
 * Serves only GET (a read-only page: it writes nothing to the cluster), and only to requests whose
 * Host is the address it listens on or localhost, so another web site cannot read it through DNS
 * rebinding.
 */
export const startDashboard = async (options: DashboardOptions): Promise<Dashboard> => {
  // Fails with the reason instead of waiting for lists that are refused forever.
  await checkDashboardAccess(options.transport, options.namespaces, [
    'lynqhubs',
    'lynqforms',
    'lynqnodes',
  ]);
  const clients = new Set<ServerResponse>();
  let pending: NodeJS.Timeout | undefined;
  const tree = () =>
    dashboardTree(caches.lynqhubs.list(), caches.lynqforms.list(), caches.lynqnodes.list());
  const broadcast = (): void => {
    pending = undefined;
    const data = `event: tree\ndata: ${JSON.stringify(tree())}\n\n`;
    for (const res of clients) res.write(data);
  };
  const changed = (): void => {
    pending ??= setTimeout(broadcast, options.gatherMs ?? 100);
  };
  const cache = (plural: LynqPlural): Reflector<KubeObject> =>
    createNamespaceReflector(options.namespaces, {
      transport: options.transport,
      logger: options.logger,
      pathOf: (namespace) => lynqCollectionPath(plural, namespace),
      handler: { added: changed, updated: changed, deleted: changed },
    });
  const caches: Readonly<Record<LynqPlural, Reflector<KubeObject>>> = {
    lynqhubs: cache('lynqhubs'),
    lynqforms: cache('lynqforms'),
    lynqnodes: cache('lynqnodes'),
  };

  const page = dashboardPage();
  const json = (res: ServerResponse, status: number, body: unknown): void => {
    res
      .writeHead(status, { ...securityHeaders, 'content-type': 'application/json' })
      .end(JSON.stringify(body));
  };
  const inspection = (kind: InspectKind, namespace: string, name: string) => {
    const object = caches[machineCatalog[kind].plural].get(`${namespace}/${name}`);
    if (object === undefined) return undefined;
    const result = inspect(kind, object);
    return {
      inspection: result,
      mermaid: mermaidDiagram({ kind, state: result.state, history: result.history }),
    };
  };

  let host = options.address;
  const allowedHost = (req: IncomingMessage): boolean => {
    const header = req.headers.host ?? '';
    const port = String((server.address() as AddressInfo).port);
    return [host, 'localhost', '127.0.0.1', '[::1]'].some((h) => header === `${h}:${port}`);
  };
  const server = createServer((req, res) => {
    if (!allowedHost(req)) {
      res.writeHead(421, securityHeaders).end('unknown host');
      return;
    }
    if (req.method !== 'GET') {
      res.writeHead(405, { ...securityHeaders, allow: 'GET' }).end('read-only');
      return;
    }
    const path = new URL(req.url ?? '/', 'http://dashboard').pathname;
    if (path === '/') {
      res
        .writeHead(200, {
          ...securityHeaders,
          'content-type': 'text/html; charset=utf-8',
          'content-security-policy':
            "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
        })
        .end(page);
      return;
    }
    if (path === '/assets/mermaid.min.js') {
      res
        .writeHead(200, { ...securityHeaders, 'content-type': 'text/javascript; charset=utf-8' })
        .end(options.mermaidBundle);
      return;
    }
    if (path === '/api/tree') {
      json(res, 200, tree());
      return;
    }
    const match = /^\/api\/inspect\/([a-z]+)\/([^/]+)\/([^/]+)$/.exec(path);
    if (match !== null) {
      const [, kind = '', namespace = '', name = ''] = match;
      const found = isInspectKind(kind)
        ? inspection(kind, decodeURIComponent(namespace), decodeURIComponent(name))
        : undefined;
      if (found === undefined) json(res, 404, { error: 'not found' });
      else json(res, 200, found);
      return;
    }
    if (path === '/events') {
      res.writeHead(200, {
        ...securityHeaders,
        'content-type': 'text/event-stream',
        connection: 'keep-alive',
      });
      res.write(`event: tree\ndata: ${JSON.stringify(tree())}\n\n`);
      clients.add(res);
      req.once('close', () => clients.delete(res));
      return;
    }
    res.writeHead(404, securityHeaders).end('not found');
  });
  // Keeps proxies and browsers from dropping a quiet event stream.
  const heartbeat = setInterval(() => {
    for (const res of clients) res.write(': keep-alive\n\n');
  }, 15_000);
  heartbeat.unref();

  for (const c of Object.values(caches)) c.start();
  try {
    await Promise.all(Object.values(caches).map((c) => c.synced()));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.address, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    clearInterval(heartbeat);
    await Promise.all(Object.values(caches).map((c) => c.stop()));
    throw err;
  }
  const port = (server.address() as AddressInfo).port;
  host = options.address.includes(':') ? `[${options.address}]` : options.address;
  return {
    url: `http://${host}:${String(port)}/`,
    close: async () => {
      clearInterval(heartbeat);
      clearTimeout(pending);
      for (const res of clients) res.end();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeAllConnections();
      });
      await Promise.all(Object.values(caches).map((c) => c.stop()));
    },
  };
};
