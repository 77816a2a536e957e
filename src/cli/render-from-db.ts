// The rows `lynq render --from-db` renders: read once, read-only, from the hub's table, and filtered as the hub would (SPEC H2–H4, T8).

import type { KubeConfig } from '@kubernetes/client-node';
import type { Datasource, RejectedRow, Row } from '../datasource/datasource.js';
import type { HubConnectionConfig } from '../datasource/hub-datasource-cache.js';
import { partitionRows } from '../datasource/row-partition.js';
import { invalidSpecError, LynqError, messageOf } from '../errors.js';
import { sectionConnectionConfig } from '../actors/hub-source.js';
import type { HubFile, SecretKeyRef } from './hub-file.js';

/** The outside world of one `--from-db` read, injected so the logic runs against fakes. */
export interface FromDbPorts {
  /** The process environment (for `--password-env`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** A key of a Secret; rejects when the Secret or the key is missing or the cluster fails. */
  readSecretKey(namespace: string, name: string, key: string): Promise<string>;
  /** A datasource for one read; the caller closes it. */
  openDatasource(config: HubConnectionConfig): Datasource;
}

export interface FromDbOptions {
  /** The hub's namespace: where its Secrets are read. */
  readonly namespace: string;
  /** Name of the environment variable holding the password, instead of `passwordRef`. */
  readonly passwordEnv: string | undefined;
  /** At most this many active rows are returned. */
  readonly limit: number | undefined;
}

/** What one read found, and which rows the hub would turn into nodes. */
export interface FromDbRows {
  /** Active rows with a unique, non-empty uid, in the database's order, cut to `limit`. */
  readonly rows: readonly Row[];
  /** Every row the table returned. */
  readonly total: number;
  readonly active: number;
  readonly inactive: number;
  /** Active rows left out by `limit`. */
  readonly overLimit: number;
  /** Rows with an empty uid (SPEC H4). */
  readonly emptyUid: number;
  /** Uids that appear more than once: the hub renders none of their rows (SPEC H4). */
  readonly duplicateUids: readonly string[];
  /** Rows whose uid is not a scalar. */
  readonly unreadable: readonly RejectedRow[];
}

/** Error codes of this module (the datasource's own errors keep their `Datasource*` codes). */
export const fromDbErrorCodes = {
  /** The operator's code for a missing password Secret or key. */
  passwordSecretUnavailable: 'PasswordSecretUnavailable',
  caSecretUnavailable: 'CaSecretUnavailable',
  passwordEnvUnset: 'PasswordEnvUnset',
  secretNotFound: 'SecretNotFound',
  secretKeyNotFound: 'SecretKeyNotFound',
} as const;

const secretValue = async (
  ports: FromDbPorts,
  namespace: string,
  ref: SecretKeyRef,
  code: string,
  field: string,
  hub: string,
): Promise<string> => {
  try {
    return await ports.readSecretKey(namespace, ref.name, ref.key);
  } catch (err) {
    // Never fall back to an empty password or no CA: the operator would not either (SPEC §1).
    throw invalidSpecError(
      code,
      `LynqHub ${namespace}/${hub}: ${field}: Secret ${ref.name} key ${ref.key}: ${messageOf(err)}`,
      err,
    );
  }
};

const passwordOf = async (
  hub: HubFile,
  options: FromDbOptions,
  ports: FromDbPorts,
): Promise<string | undefined> => {
  if (options.passwordEnv !== undefined) {
    const value = ports.env[options.passwordEnv];
    // An unset or empty variable is a mistake far more often than an empty password.
    if (value === undefined || value === '') {
      throw invalidSpecError(
        fromDbErrorCodes.passwordEnvUnset,
        `--password-env ${options.passwordEnv}: the environment variable is ${value === undefined ? 'not set' : 'empty'}`,
      );
    }
    return value;
  }
  const ref = hub.type === 'mysql' ? hub.mysql.passwordRef : hub.postgresql.passwordRef;
  if (ref === undefined) return undefined;
  return secretValue(
    ports,
    options.namespace,
    ref,
    fromDbErrorCodes.passwordSecretUnavailable,
    `spec.source.${hub.type}.passwordRef`,
    hub.name,
  );
};

/** The CA PEM, when TLS is on and names a CA Secret. */
const caOf = async (
  hub: HubFile,
  options: FromDbOptions,
  ports: FromDbPorts,
): Promise<string | undefined> => {
  const ref =
    hub.type === 'mysql'
      ? hub.mysql.tls?.mode === 'disabled'
        ? undefined
        : hub.mysql.tls?.caSecretRef
      : hub.postgresql.sslMode === 'disable'
        ? undefined
        : hub.postgresql.caSecretRef;
  if (ref === undefined) return undefined;
  return secretValue(
    ports,
    options.namespace,
    ref,
    fromDbErrorCodes.caSecretUnavailable,
    hub.type === 'mysql'
      ? 'spec.source.mysql.tls.caSecretRef'
      : 'spec.source.postgresql.caSecretRef',
    hub.name,
  );
};

/** The connection config the operator would build for `hub` (password and CA resolved). */
export const connectionConfigOf = async (
  hub: HubFile,
  options: FromDbOptions,
  ports: FromDbPorts,
): Promise<HubConnectionConfig> => {
  const password = await passwordOf(hub, options, ports);
  const ca = await caOf(hub, options, ports);
  return sectionConnectionConfig(hub, password, ca);
};

/**
 * Reads the hub's rows once with a SELECT of the mapped columns (nothing else is sent to the
 * database), and keeps the rows the hub would render: active (H2), with a non-empty uid that
 * appears once (H4), at most `limit` of them. The datasource is closed before this returns.
 * Throws `LynqError`: `PasswordEnvUnset`, `PasswordSecretUnavailable`, `CaSecretUnavailable`,
 * `InvalidIdentifier` / `InvalidMapping`, or a `Datasource*` code with the server's message.
 */
export const readRowsFromDb = async (
  hub: HubFile,
  options: FromDbOptions,
  ports: FromDbPorts,
): Promise<FromDbRows> => {
  const config = await connectionConfigOf(hub, options, ports);
  const datasource = ports.openDatasource(config);
  let rowSet;
  try {
    rowSet = await datasource.readRows(hub.query);
  } finally {
    await datasource.close();
  }
  const partition = partitionRows(rowSet.rows);
  const active = partition.unique.filter((row) => row.active);
  const limit = options.limit ?? active.length;
  return {
    rows: active.slice(0, limit),
    total: rowSet.total,
    active: rowSet.active,
    inactive: rowSet.rows.length - rowSet.active,
    overLimit: Math.max(0, active.length - limit),
    emptyUid: partition.emptyUidCount,
    duplicateUids: partition.duplicateUids,
    unreadable: rowSet.rejected,
  };
};

/** How the CLI reports a failure: `code: message` for our errors, the message otherwise. */
export const describeFailure = (err: unknown): string =>
  err instanceof LynqError ? `${err.code}: ${err.message}` : messageOf(err);

/** The Secret reader of the operator, on a kubeconfig: one GET per key, no writes. */
export interface SecretReader {
  readSecretKey(namespace: string, name: string, key: string): Promise<string>;
  close(): void;
}

/** Pieces of the Kubernetes client the reader needs, injected so this module loads no cluster code eagerly. */
export interface SecretReaderDeps {
  readonly loadKubeConfig: () => KubeConfig;
  readonly createClient: (kc: KubeConfig) => {
    readonly get: (path: string) => Promise<unknown>;
    readonly close: () => void;
  };
  readonly secretPath: (namespace: string, name: string) => string;
}

/**
 * A Secret reader that loads the kubeconfig only on its first read, so a hub without
 * `passwordRef` never needs a cluster. Rejects with `SecretNotFound` / `SecretKeyNotFound`, or
 * the API client's error; never resolves to an empty value for something missing.
 */
export const lazySecretReader = (deps: SecretReaderDeps): SecretReader => {
  let client: ReturnType<SecretReaderDeps['createClient']> | undefined;
  return {
    readSecretKey: async (namespace, name, key) => {
      client ??= deps.createClient(deps.loadKubeConfig());
      const secret = await client.get(deps.secretPath(namespace, name));
      if (secret === undefined)
        throw invalidSpecError(
          fromDbErrorCodes.secretNotFound,
          `Secret ${namespace}/${name} not found`,
        );
      const data =
        typeof secret === 'object' && secret !== null && 'data' in secret ? secret.data : undefined;
      const value =
        typeof data === 'object' && data !== null && key in data
          ? (data as Record<string, unknown>)[key]
          : undefined;
      if (typeof value !== 'string')
        throw invalidSpecError(
          fromDbErrorCodes.secretKeyNotFound,
          `Secret ${namespace}/${name} has no key ${key}`,
        );
      return Buffer.from(value, 'base64').toString('utf8');
    },
    close: () => {
      client?.close();
    },
  };
};
