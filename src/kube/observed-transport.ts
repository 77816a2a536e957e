// A transport that reports each request's verb, code and latency to a hook (metrics, SPEC O4), without knowing what records them.
import type { HttpMethod, KubeRequest, KubeTransport } from './http-transport.js';

/** The Kubernetes verb of a request (a GET of a collection counts as `get` too). */
export const verbOf = (method: HttpMethod): string => {
  switch (method) {
    case 'GET':
      return 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return 'delete';
  }
};

/**
 * `group/plural` of a request path (`apps/deployments`, core: `configmaps`), status and other
 * subresources dropped; `unknown` for anything else.
 */
export const resourceOfPath = (path: string): string => {
  const parts = (path.split('?', 1)[0] ?? '').split('/').filter((p) => p !== '');
  const core = parts[0] === 'api';
  const rest = parts.slice(core ? 2 : 3);
  const group = core ? '' : (parts[1] ?? '');
  const plural = rest[0] === 'namespaces' && rest.length >= 3 ? rest[2] : rest[0];
  if (plural === undefined || (parts[0] !== 'api' && parts[0] !== 'apis')) return 'unknown';
  return group === '' ? plural : `${group}/${plural}`;
};

export type RequestObserver = (req: KubeRequest, code: string, seconds: number) => void;

/** Calls `observe` once per request when it settles: with the HTTP status, or `error`. */
export const observedTransport = (
  inner: KubeTransport,
  observe: RequestObserver,
): KubeTransport => ({
  request: async (req) => {
    const started = performance.now();
    try {
      const res = await inner.request(req);
      observe(req, String(res.status), (performance.now() - started) / 1_000);
      return res;
    } catch (err) {
      observe(req, 'error', (performance.now() - started) / 1_000);
      throw err;
    }
  },
  stream: (req) => inner.stream(req),
});
