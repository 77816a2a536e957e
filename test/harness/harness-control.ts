// Lets a fault test (a process the runner's test runner spawned) kill and restart the shared kube-apiserver, which only the runner holds.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ControlPlane } from './control-plane.js';
import { testEnv } from './test-env.js';

export interface HarnessControl {
  /** `http://127.0.0.1:<port>`, handed to tests in the test env. */
  readonly url: string;
  close(): Promise<void>;
}

type Action = 'kill-apiserver' | 'start-apiserver';

/**
 * Serves `POST /kill-apiserver` and `POST /start-apiserver` on loopback. Each answers once the
 * control plane did it (204), or 500 with the error; requests are handled one at a time.
 */
export const serveHarnessControl = async (
  controlPlane: ControlPlane,
  log: (message: string) => void,
): Promise<HarnessControl> => {
  const actions: Record<Action, () => Promise<void>> = {
    'kill-apiserver': () => controlPlane.killApiServer(),
    'start-apiserver': () => controlPlane.startApiServer(),
  };
  // One chain: a start racing a kill would leave two apiservers fighting for one port.
  let queue: Promise<unknown> = Promise.resolve();
  const server = createServer((req, res) => {
    const action = req.url?.slice(1) as Action | undefined;
    const run = action === undefined || req.method !== 'POST' ? undefined : actions[action];
    if (run === undefined) {
      res.writeHead(404).end();
      return;
    }
    log(`harness control: ${String(action)}`);
    const done = queue.then(run);
    queue = done.catch(() => undefined);
    done.then(
      () => res.writeHead(204).end(),
      (err: unknown) =>
        res.writeHead(500).end(err instanceof Error ? err.message : JSON.stringify(err)),
    );
  });
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}`,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.close(() => {
          resolveClose();
        });
      }),
  };
};

const call = async (action: Action): Promise<void> => {
  const { controlUrl } = await testEnv();
  if (controlUrl === undefined) {
    throw new Error('harness: no control endpoint; fault tests run with `npm run test:faults`');
  }
  const res = await fetch(`${controlUrl}/${action}`, {
    method: 'POST',
    signal: AbortSignal.timeout(120_000),
  });
  if (res.status !== 204) throw new Error(`harness: ${action} failed: ${await res.text()}`);
};

/** Kills the shared kube-apiserver; resolves once the process is gone. */
export const killApiServer = (): Promise<void> => call('kill-apiserver');

/** Starts the shared kube-apiserver again on its port; resolves once it is ready. */
export const startApiServer = (): Promise<void> => call('start-apiserver');
