// Authenticated HTTP to the API server over one shared keep-alive agent: JSON requests and streaming watch GETs.
import * as http from 'node:http';
import * as https from 'node:https';
import type { Readable } from 'node:stream';
import { invalidSpecError, LynqError, messageOf, transientError } from '../errors.js';
import type { KubeAccess } from './kube-access.js';
import { requestSignal } from './request-signal.js';
import type { TrafficLane } from './traffic-lane.js';

export const transportCodes = {
  /** No response (or no complete body) within the request's timeout. */
  timeout: 'KubeRequestTimeout',
  /** The connection failed or broke. */
  failed: 'KubeRequestFailed',
  /** The kubeconfig could not authenticate a request (e.g. an exec plugin failed). */
  auth: 'KubeAuthFailed',
  /** The kubeconfig names something this transport does not support (a proxy). */
  unsupported: 'KubeConfigUnsupported',
} as const;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface KubeRequest {
  readonly method: HttpMethod;
  /** Path and query below the server URL, e.g. `/api/v1/namespaces?limit=10`. */
  readonly path: string;
  /** Sent as JSON unless it is already a string. */
  readonly body?: unknown;
  /** Default `application/json` when there is a body. */
  readonly contentType?: string;
  /** Default `application/json`; e.g. a PartialObjectMetadata media type for metadata-only reads. */
  readonly accept?: string;
  /** Bounds the whole exchange: connection, headers and body. Required: every request ends. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
  /** The hub queue and priority it waits in before it is sent (SPEC P4); not sent itself. */
  readonly lane?: TrafficLane;
}

export interface KubeResponse {
  readonly status: number;
  /** Parsed JSON when the body is JSON, else the text. */
  readonly body: unknown;
  readonly headers: http.IncomingHttpHeaders;
}

export interface KubeStreamRequest {
  /** Path and query of a watch, e.g. `/api/v1/configmaps?watch=1&resourceVersion=5`. */
  readonly path: string;
  /** Ends the stream; the body is destroyed with the signal's reason. */
  readonly signal: AbortSignal;
  /** Bounds the time to the response headers (and to a non-2xx body); the stream itself is bounded by `signal`. */
  readonly responseTimeoutMs: number;
  /** Default `application/json`. */
  readonly accept?: string;
}

/** A 2xx watch hands over the body: newline-delimited JSON watch events. Anything else is read whole. */
export type KubeStreamResponse =
  | { readonly ok: true; readonly status: number; readonly body: Readable }
  | { readonly ok: false; readonly status: number; readonly body: unknown };

/** What the reflector and the other adapters of src/kube need from HTTP. */
export interface KubeTransport {
  /**
   * One request. Resolves with any HTTP status (callers decide what a status means). Rejects
   * with a transient `LynqError` (`transportCodes`) on timeout or a broken connection, and with
   * the signal's reason when aborted.
   */
  request(req: KubeRequest): Promise<KubeResponse>;
  /** A streaming GET; rejects like `request` until the headers arrive. */
  stream(req: KubeStreamRequest): Promise<KubeStreamResponse>;
}

export interface HttpTransportStats {
  /** Requests that opened a new connection. */
  readonly connectionsOpened: number;
  /** Requests that reused a kept-alive connection. */
  readonly connectionsReused: number;
}

export interface HttpTransport extends KubeTransport {
  /** Live counters: a reconnecting watch that leaks sockets shows up here. */
  readonly stats: HttpTransportStats;
  /** Destroys the agent's sockets (open watches break). For shutdown, after stopping reflectors. */
  close(): void;
}

export interface HttpTransportOptions {
  /** Upper bound on sockets to the server (every open watch holds one). Default: unbounded. */
  readonly maxSockets?: number;
  /** Idle keep-alive sockets kept for reuse. Default 32. */
  readonly maxFreeSockets?: number;
  /** Sent as User-Agent; the audit log then tells one operator process from another. */
  readonly userAgent?: string;
}

/** Whether the agent's TLS and authentication must come from the request (https) or not (http). */
const isHttps = (server: string): boolean => server.startsWith('https:');

const parseBody = (text: string, headers: http.IncomingHttpHeaders): unknown => {
  const type = headers['content-type'] ?? '';
  if (!type.includes('json') && !text.startsWith('{')) return text;
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    // A body that claims JSON but is not (a proxy's error page): the text is all there is.
    if (!(err instanceof SyntaxError)) throw err;
    return text;
  }
};

/** Settles once: the first of response, error, timeout or abort wins; every later event is ignored. */
interface Exchange<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
}

const exchange = <T>(): Exchange<T> => {
  let done = false;
  let resolveFn: (value: T) => void = () => undefined;
  let rejectFn: (err: unknown) => void = () => undefined;
  const promise = new Promise<T>((resolve, reject) => {
    resolveFn = resolve;
    rejectFn = reject;
  });
  return {
    promise,
    resolve: (value) => {
      if (done) return;
      done = true;
      resolveFn(value);
    },
    reject: (err) => {
      if (done) return;
      done = true;
      rejectFn(err);
    },
  };
};

const abortReason = (signal: AbortSignal): unknown =>
  signal.reason ?? new DOMException('This operation was aborted', 'AbortError');

const readAll = (res: http.IncomingMessage, onDone: (text: string) => void): void => {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => {
    onDone(Buffer.concat(chunks).toString('utf8'));
  });
};

/**
 * A transport for one kubeconfig's current context, over one keep-alive agent that every
 * request shares (client-node's `applyToHTTPSOptions` creates an agent per call; we keep its
 * TLS options and credentials and drop its agent). Create one per kubeconfig and share it.
 * Credentials are applied per request, so rotating tokens (exec plugins, token files) work.
 * Throws `KubeConfigUnsupported` when the context has no cluster or uses a proxy.
 */
export const createHttpTransport = (
  kc: KubeAccess,
  options: HttpTransportOptions = {},
): HttpTransport => {
  const cluster = kc.getCurrentCluster();
  if (cluster === null) {
    throw invalidSpecError(transportCodes.unsupported, 'the kubeconfig has no current cluster');
  }
  if (cluster.proxyUrl !== undefined && cluster.proxyUrl !== '') {
    throw invalidSpecError(
      transportCodes.unsupported,
      'proxies in kubeconfigs are not supported by the watch transport',
      undefined,
      { cluster: cluster.name },
    );
  }
  const server = new URL(cluster.server);
  const secure = isHttps(cluster.server);
  const lib = secure ? https : http;
  const agentOptions: https.AgentOptions = {
    keepAlive: true,
    maxFreeSockets: options.maxFreeSockets ?? 32,
    scheduling: 'lifo',
    ...(options.maxSockets === undefined ? {} : { maxSockets: options.maxSockets }),
  };
  // TLS options (ca, cert, key) come with each request; they are part of the agent's pool key,
  // so one agent serves them all while reusing sockets.
  const agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const basePath = server.pathname.replace(/\/+$/, '');
  const stats = { connectionsOpened: 0, connectionsReused: 0 };

  const prepare = async (
    method: HttpMethod,
    path: string,
    contentType: string | undefined,
    accept: string | undefined,
    payload?: string,
  ): Promise<https.RequestOptions> => {
    const requestOptions: https.RequestOptions = {
      method,
      protocol: server.protocol,
      hostname: server.hostname.replace(/^\[|\]$/g, ''),
      port: server.port === '' ? (secure ? 443 : 80) : Number(server.port),
      path: `${basePath}${path}`,
      headers: {
        accept: accept ?? 'application/json',
        ...(options.userAgent === undefined ? {} : { 'user-agent': options.userAgent }),
        ...(contentType === undefined ? {} : { 'content-type': contentType }),
        // Framed explicitly: Node sends a DELETE body neither chunked nor with a length, which
        // corrupts the next request on the kept-alive connection.
        ...(payload === undefined ? {} : { 'content-length': String(Buffer.byteLength(payload)) }),
      },
    };
    try {
      await kc.applyToHTTPSOptions(requestOptions);
    } catch (err) {
      throw transientError(transportCodes.auth, 'cannot authenticate the request', err, {
        path,
      });
    }
    requestOptions.agent = agent;
    return requestOptions;
  };

  const failure = (err: unknown, method: HttpMethod, path: string): unknown =>
    err instanceof LynqError || (err instanceof Error && err.name === 'AbortError')
      ? err
      : transientError(transportCodes.failed, `${method} ${path}: ${messageOf(err)}`, err, {
          method,
          path,
        });

  /**
   * Starts one exchange: wires the timeout and the abort signal to destroying the request.
   * `onResponse` decides when the exchange is settled.
   */
  const start = <T>(
    requestOptions: https.RequestOptions,
    payload: string | undefined,
    timeoutMs: number,
    callerSignal: AbortSignal | undefined,
    onResponse: (res: http.IncomingMessage, ex: Exchange<T>, finish: () => void) => void,
  ): Promise<T> => {
    const signal = requestSignal(callerSignal);
    const ex = exchange<T>();
    const method = (requestOptions.method ?? 'GET') as HttpMethod;
    const path = requestOptions.path ?? '';
    if (signal?.aborted === true) {
      ex.reject(abortReason(signal));
      return ex.promise;
    }
    const call = lib.request(requestOptions);
    const onAbort = (): void => {
      const reason = signal === undefined ? undefined : abortReason(signal);
      ex.reject(reason);
      call.destroy(reason instanceof Error ? reason : undefined);
    };
    const timer = setTimeout(() => {
      const err = transientError(
        transportCodes.timeout,
        `${method} ${path}: no response within ${timeoutMs} ms`,
        undefined,
        { method, path, timeoutMs },
      );
      ex.reject(err);
      call.destroy(err);
    }, timeoutMs);
    // The timer and the listener end together, when the exchange no longer needs them.
    const finish = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    call.on('error', (err) => {
      finish();
      ex.reject(failure(err, method, path));
    });
    call.once('socket', () => {
      if (call.reusedSocket) stats.connectionsReused += 1;
      else stats.connectionsOpened += 1;
    });
    call.on('response', (res) => {
      res.on('error', (err) => {
        finish();
        ex.reject(failure(err, method, path));
      });
      onResponse(res, ex, finish);
    });
    if (payload !== undefined) call.write(payload);
    call.end();
    return ex.promise;
  };

  const request = async (req: KubeRequest): Promise<KubeResponse> => {
    const payload =
      req.body === undefined
        ? undefined
        : typeof req.body === 'string'
          ? req.body
          : JSON.stringify(req.body);
    const contentType = payload === undefined ? undefined : (req.contentType ?? 'application/json');
    const requestOptions = await prepare(req.method, req.path, contentType, req.accept, payload);
    return start<KubeResponse>(
      requestOptions,
      payload,
      req.timeoutMs,
      req.signal,
      (res, ex, finish) => {
        readAll(res, (text) => {
          finish();
          ex.resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: parseBody(text, res.headers),
          });
        });
      },
    );
  };

  const stream = async (req: KubeStreamRequest): Promise<KubeStreamResponse> => {
    const requestOptions = await prepare('GET', req.path, undefined, req.accept);
    // The stream's own listener below goes on a signal of its own too (see requestSignal).
    const signal = AbortSignal.any([req.signal]);
    return start<KubeStreamResponse>(
      requestOptions,
      undefined,
      req.responseTimeoutMs,
      signal,
      (res, ex, finish) => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          // The stream outlives the response timeout; the caller's signal still ends it.
          finish();
          const onAbort = (): void => {
            res.destroy(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
          };
          if (signal.aborted) onAbort();
          else {
            signal.addEventListener('abort', onAbort, { once: true });
            res.once('close', () => {
              signal.removeEventListener('abort', onAbort);
            });
          }
          ex.resolve({ ok: true, status, body: res });
          return;
        }
        readAll(res, (text) => {
          finish();
          ex.resolve({ ok: false, status, body: parseBody(text, res.headers) });
        });
      },
    );
  };

  return {
    request,
    stream,
    stats,
    close: () => {
      agent.destroy();
    },
  };
};
