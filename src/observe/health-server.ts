// The operator's health endpoints (/healthz, /readyz), bound before anything else starts, so a taken port stops the process before it touches the cluster.
import type { ServerResponse } from 'node:http';
import type { EventLoopHealth } from './event-loop-watch.js';
import { startRouteServer, type Route } from './http-routes.js';

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
  /** Stops accepting connections; resolves when the server is closed. */
  close(): Promise<void>;
}

export interface HealthOptions {
  /** Liveness beyond "the process answers": the event loop watch. Default: always alive. */
  readonly alive?: () => EventLoopHealth;
  /**
   * Ready although `markReady` was not called: a leader-election standby that reaches the API
   * server is ready (SPEC P2), so a rolling update can proceed. Default: never.
   */
  readonly readyWithoutSync?: () => boolean;
  /** More routes on the same port (e.g. debug exports). */
  readonly routes?: readonly Route[];
}

/**
 * Listens on `host:port` and resolves once the port is bound. Rejects with `HealthPortInUse`
 * (an invalid spec: retrying cannot help) when another process holds the port, and with
 * `HealthListenFailed` for any other bind error; the server is closed then.
 */
export const startHealthServer = async (
  port: number,
  host: string,
  options: HealthOptions = {},
): Promise<HealthServer> => {
  let ready = false;
  const text = (res: ServerResponse, status: number, body: string): void => {
    res.writeHead(status, { 'content-type': 'text/plain' }).end(body);
  };
  const routes: Route[] = [
    {
      path: '/healthz',
      handle: (_req, res) => {
        const health = options.alive?.() ?? { ok: true };
        text(res, health.ok ? 200 : 503, health.ok ? 'ok' : (health.reason ?? 'unhealthy'));
      },
    },
    {
      path: '/readyz',
      handle: (_req, res) => {
        if (ready) text(res, 200, 'ok');
        else if (options.readyWithoutSync?.() === true) text(res, 200, 'ok (standby)');
        else text(res, 503, 'starting');
      },
    },
    ...(options.routes ?? []),
  ];
  const server = await startRouteServer({
    port,
    host,
    routes,
    what: 'health',
    flag: '--health-port',
    codes: healthServerCodes,
  });
  return {
    port: server.port,
    markReady: () => {
      ready = true;
    },
    close: () => server.close(),
  };
};
