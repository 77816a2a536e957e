// A raw HTTPS request to the API server with a kubeconfig's credentials, for what typed clients hide (query flags, content types).
import { request } from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

export interface KubeResponse {
  readonly status: number;
  readonly body: unknown;
  readonly text: string;
}

export interface KubeRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, e.g. `/api/v1/namespaces?fieldValidation=Strict`. */
  readonly path: string;
  readonly body?: unknown;
  readonly contentType?: string;
  readonly timeoutMillis?: number;
}

/** Sends the request; resolves with any HTTP status (the caller asserts on it). */
export const kubeRequest = async (kc: KubeConfig, req: KubeRequest): Promise<KubeResponse> => {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('harness: kubeconfig has no current cluster');
  const url = new URL(req.path, cluster.server);
  const options: Parameters<typeof request>[1] = {
    method: req.method,
    headers: {
      accept: 'application/json',
      ...(req.body === undefined ? {} : { 'content-type': req.contentType ?? 'application/json' }),
    },
  };
  await kc.applyToHTTPSOptions(options);
  const payload =
    req.body === undefined
      ? undefined
      : typeof req.body === 'string'
        ? req.body
        : JSON.stringify(req.body);
  return new Promise((resolveResponse, reject) => {
    const call = request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // Not JSON (e.g. /readyz): the text is the body.
        }
        resolveResponse({ status: res.statusCode ?? 0, body, text });
      });
    });
    call.setTimeout(req.timeoutMillis ?? 30_000, () =>
      call.destroy(new Error(`harness: ${req.method} ${req.path} timed out`)),
    );
    call.on('error', reject);
    if (payload !== undefined) call.write(payload);
    call.end();
  });
};
