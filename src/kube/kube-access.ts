// What a transport needs from a kubeconfig — the server, then per request the TLS material and credentials — and a reader of plain kubeconfigs that does not load the Kubernetes client library.
import { readFileSync } from 'node:fs';
import type * as https from 'node:https';
import { isIPv6 } from 'node:net';
import { dirname, isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isRecord } from './kube-object.js';

/** The current context's cluster. */
export interface KubeCluster {
  readonly name: string;
  readonly server: string;
  readonly proxyUrl?: string | undefined;
}

/**
 * The current context of a kubeconfig as the transport uses it. client-node's `KubeConfig`
 * satisfies it; `readPlainKubeConfig` and `inClusterAccess` build one without client-node
 * (whose generated API models cost about 74 MB of RSS at startup).
 */
export interface KubeAccess {
  getCurrentCluster(): KubeCluster | null;
  /** Sets the TLS options and the credentials of one request; called for every request. */
  applyToHTTPSOptions(options: https.RequestOptions): Promise<void>;
}

/** Files (CA, client certificate, token) are read again after this long: they rotate. */
const fileRefreshMs = 60_000;

/** A file's contents, read when first asked and again once older than `fileRefreshMs`. */
const refreshingFile = (path: string, now: () => number): (() => Buffer) => {
  let cached: { readonly at: number; readonly data: Buffer } | undefined;
  return () => {
    const at = now();
    if (cached === undefined || at - cached.at >= fileRefreshMs) {
      cached = { at, data: readFileSync(path) };
    }
    return cached.data;
  };
};

/** Where a PEM comes from: inline base64 data, a file (read again as it rotates), or nowhere. */
const pemSource = (
  data: unknown,
  file: unknown,
  baseDir: string,
  now: () => number,
): (() => Buffer) | undefined => {
  if (typeof data === 'string' && data !== '') {
    const decoded = Buffer.from(data, 'base64');
    return () => decoded;
  }
  if (typeof file === 'string' && file !== '') {
    return refreshingFile(isAbsolute(file) ? file : join(baseDir, file), now);
  }
  return undefined;
};

interface PlainAccessParts {
  readonly cluster: KubeCluster;
  readonly skipTlsVerify: boolean;
  readonly tlsServerName: string | undefined;
  readonly ca: (() => Buffer) | undefined;
  readonly cert: (() => Buffer) | undefined;
  readonly key: (() => Buffer) | undefined;
  readonly token: (() => string) | undefined;
  readonly basicAuth: string | undefined;
}

const plainAccess = (parts: PlainAccessParts): KubeAccess => ({
  getCurrentCluster: () => parts.cluster,
  applyToHTTPSOptions: (options) => {
    // The same fields, set the same way, as client-node's applyToHTTPSOptions.
    if (parts.skipTlsVerify) options.rejectUnauthorized = false;
    if (parts.tlsServerName !== undefined) options.servername = parts.tlsServerName;
    if (parts.ca !== undefined) options.ca = parts.ca();
    if (parts.cert !== undefined) options.cert = parts.cert();
    if (parts.key !== undefined) options.key = parts.key();
    if (parts.basicAuth !== undefined) options.auth = parts.basicAuth;
    if (parts.token !== undefined) {
      const authorization = `Bearer ${parts.token()}`;
      const headers = options.headers;
      if (headers === undefined) options.headers = { Authorization: authorization };
      else if (Array.isArray(headers))
        options.headers = [...(headers as readonly string[]), 'Authorization', authorization];
      else (headers as Record<string, unknown>)['Authorization'] = authorization;
    }
    return Promise.resolve();
  },
});

const named = (
  list: unknown,
  name: unknown,
  field: string,
): Record<string, unknown> | undefined => {
  if (!Array.isArray(list)) return undefined;
  for (const entry of list as unknown[]) {
    if (isRecord(entry) && entry['name'] === name && isRecord(entry[field])) {
      return entry[field];
    }
  }
  return undefined;
};

const stringOf = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * The current context of a kubeconfig file whose user authenticates with what the file itself
 * holds (a token, a token file, a client certificate, a user name and password, or nothing).
 * `undefined` when it needs more — an exec plugin, an auth provider, impersonation — or has no
 * current context: client-node then reads it. Throws when the file cannot be read or parsed.
 */
export const readPlainKubeConfig = (
  file: string,
  now: () => number = Date.now,
): KubeAccess | undefined => {
  const parsed: unknown = parseYaml(readFileSync(file, 'utf8'));
  if (!isRecord(parsed)) return undefined;
  const contextName = parsed['current-context'];
  const context = named(parsed['contexts'], contextName, 'context');
  if (context === undefined) return undefined;
  const cluster = named(parsed['clusters'], context['cluster'], 'cluster');
  const server = stringOf(cluster?.['server']);
  if (cluster === undefined || server === undefined) return undefined;
  const user = named(parsed['users'], context['user'], 'user') ?? {};
  const needsClient = ['exec', 'auth-provider', 'as', 'as-groups', 'as-user-extra'].some(
    (field) => user[field] !== undefined,
  );
  if (needsClient) return undefined;
  const baseDir = dirname(file);
  const token = stringOf(user['token']);
  const tokenFile = stringOf(user['token-file']);
  const username = stringOf(user['username']);
  const password = typeof user['password'] === 'string' ? user['password'] : '';
  const proxyUrl = stringOf(cluster['proxy-url']);
  return plainAccess({
    cluster: {
      name: typeof context['cluster'] === 'string' ? context['cluster'] : '',
      server,
      ...(proxyUrl === undefined ? {} : { proxyUrl }),
    },
    skipTlsVerify: cluster['insecure-skip-tls-verify'] === true,
    tlsServerName: stringOf(cluster['tls-server-name']),
    ca: pemSource(
      cluster['certificate-authority-data'],
      cluster['certificate-authority'],
      baseDir,
      now,
    ),
    cert: pemSource(user['client-certificate-data'], user['client-certificate'], baseDir, now),
    key: pemSource(user['client-key-data'], user['client-key'], baseDir, now),
    token:
      token !== undefined
        ? () => token
        : tokenFile !== undefined
          ? (() => {
              const read = refreshingFile(
                isAbsolute(tokenFile) ? tokenFile : join(baseDir, tokenFile),
                now,
              );
              return () => read().toString('utf8').trim();
            })()
          : undefined,
    basicAuth: username === undefined ? undefined : `${username}:${password}`,
  });
};

/**
 * The in-cluster ServiceAccount (the API server from `KUBERNETES_SERVICE_HOST`/`_PORT`, its CA
 * and its token, which the kubelet rotates: read again every minute), as client-node's
 * `loadFromCluster` builds it.
 */
export const inClusterAccess = (
  env: Readonly<Record<string, string | undefined>>,
  serviceAccountDir: string,
  now: () => number = Date.now,
): KubeAccess => {
  const host = env['KUBERNETES_SERVICE_HOST'] ?? '';
  const port = env['KUBERNETES_SERVICE_PORT'] ?? '';
  const scheme = ['80', '8080', '8001'].includes(port) ? 'http' : 'https';
  const serverHost = isIPv6(host) ? `[${host}]` : host;
  const token = refreshingFile(join(serviceAccountDir, 'token'), now);
  return plainAccess({
    cluster: { name: 'inCluster', server: `${scheme}://${serverHost}:${port}` },
    skipTlsVerify: false,
    tlsServerName: undefined,
    ca: refreshingFile(join(serviceAccountDir, 'ca.crt'), now),
    cert: undefined,
    key: undefined,
    token: () => token().toString('utf8').trim(),
    basicAuth: undefined,
  });
};
