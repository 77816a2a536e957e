// The operator's health endpoints (/healthz, /readyz), bound before anything else starts, so a taken port stops the process before it touches the cluster.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { invalidSpecError, transientError } from '../errors.js';

export const healthServerCodes = {
  /** Another process listens on the port (EADDRINUSE). */
  portInUse: 'HealthPortInUse',
  /** Any other bind failure (EACCES for a privileged port, an unknown address …). */
  listenFailed: 'HealthListenFailed',
} as const;

export interface HealthServer {
  /** The bound port (the chosen one when asked for port 0). */
  readonly port: number;
  /** From now on /readyz answers 200; before, 503 (the server is bound before the caches sync). */
  markReady(): void;
  /**
   * Serves every request whose path starts with `prefix` with `handler` (read-only extras such
   * as the debug export); the health paths stay as they are.
   */
  route(prefix: string, handler: (req: IncomingMessage, res: ServerResponse) => void): void;
  /** Stops accepting connections; resolves when the server is closed. */
  close(): Promise<void>;
}

const errnoOf = (err: unknown): string | undefined => {
  const code: unknown = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

/**
 * Listens on `host:port` and resolves once the port is bound. Rejects with `HealthPortInUse`
 * (an invalid spec: retrying cannot help) when another process holds the port, and with
 * `HealthListenFailed` for any other bind error; the server is closed then.
 */
export const startHealthServer = async (port: number, host: string): Promise<HealthServer> => {
  let ready = false;
  const routes: { prefix: string; handler: (req: IncomingMessage, res: ServerResponse) => void }[] =
    [];
  const server: Server = createServer((req, res) => {
    const route = routes.find((r) => req.url?.startsWith(r.prefix) === true);
    if (route !== undefined) {
      route.handler(req, res);
      return;
    }
    const [status, text] =
      req.url === '/healthz'
        ? [200, 'ok']
        : req.url === '/readyz'
          ? ready
            ? [200, 'ok']
            : [503, 'starting']
          : [404, 'not found'];
    res.writeHead(status, { 'content-type': 'text/plain' }).end(text);
  });
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => {
      server.off('listening', onListening);
      const where = `${host}:${String(port)}`;
      reject(
        errnoOf(err) === 'EADDRINUSE'
          ? invalidSpecError(
              healthServerCodes.portInUse,
              `the health port ${where} is already in use; choose another with --health-port (-1 = none)`,
              err,
              { port, host },
            )
          : transientError(
              healthServerCodes.listenFailed,
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
    markReady: () => {
      ready = true;
    },
    route: (prefix, handler) => {
      routes.push({ prefix, handler });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        // Probes hold nothing worth waiting for: shutdown is not kept waiting on a kept-alive socket.
        server.closeAllConnections();
      }),
  };
};
