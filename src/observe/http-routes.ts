// A small HTTP server over a route table, bound before it resolves: health, metrics and (later) debug routes mount on it without touching the server.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { invalidSpecError, messageOf, transientError } from '../errors.js';

export interface Route {
  /** The exact path (query ignored), or with `prefix` every path under it. */
  readonly path: string;
  readonly prefix?: true;
  handle(req: IncomingMessage, res: ServerResponse): void | Promise<void>;
}

export interface RouteServer {
  /** The bound port (the chosen one when asked for port 0). */
  readonly port: number;
  /** Stops accepting connections; resolves when the server is closed. */
  close(): Promise<void>;
}

export interface RouteServerOptions {
  readonly port: number;
  readonly host: string;
  readonly routes: readonly Route[];
  /** What the port serves and the flag that moves it, for the error a taken port gives. */
  readonly what: string;
  readonly flag: string;
  /** Error codes: another process holds the port / any other bind failure. */
  readonly codes: { readonly portInUse: string; readonly listenFailed: string };
}

const errnoOf = (err: unknown): string | undefined => {
  const code: unknown = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/** The route for a request path: an exact match first, else the longest matching prefix. */
const routeFor = (routes: readonly Route[], url: string | undefined): Route | undefined => {
  const path = (url ?? '/').split('?', 1)[0] ?? '/';
  const exact = routes.find((r) => r.prefix !== true && r.path === path);
  if (exact !== undefined) return exact;
  return routes
    .filter((r) => r.prefix === true && path.startsWith(r.path))
    .sort((a, b) => b.path.length - a.path.length)[0];
};

/**
 * Listens on `host:port` and resolves once bound. Unknown paths answer 404; a handler that
 * throws answers 500. Rejects with `codes.portInUse` (an invalid spec: retrying cannot help)
 * when another process holds the port, else `codes.listenFailed`.
 */
export const startRouteServer = async (options: RouteServerOptions): Promise<RouteServer> => {
  const { port, host } = options;
  const server: Server = createServer((req, res) => {
    const route = routeFor(options.routes, req.url);
    if (route === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    Promise.resolve()
      .then(() => route.handle(req, res))
      .catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(messageOf(err));
      });
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      const where = `${host}:${String(port)}`;
      reject(
        errnoOf(err) === 'EADDRINUSE'
          ? invalidSpecError(
              options.codes.portInUse,
              `the ${options.what} port ${where} is already in use; choose another with ${options.flag} (-1 = none)`,
              err,
              { port, host },
            )
          : transientError(
              options.codes.listenFailed,
              `cannot listen on ${where}: ${err.message}`,
              err,
              { port, host },
            ),
      );
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        // Probes and scrapes hold nothing worth waiting for: shutdown does not wait on a kept-alive socket.
        server.closeAllConnections();
      }),
  };
};
