// What a hub's spec.source says, whatever its type: where its Secrets are, which connection config and which query (SPEC §1, H1b).

import type { LynqHub, PostgresSslMode, TlsMode } from '../api/lynq-hub.schema.js';
import type { RowQuery } from '../datasource/datasource.js';
import type { HubConnectionConfig } from '../datasource/hub-datasource-cache.js';
import { invalidSpecError, messageOf } from '../errors.js';
import { isApiServerUnreachable, kubernetesUnreachableError } from '../kube/api-reachability.js';

export interface SecretRef {
  readonly name: string;
  readonly key: string;
}

const hubName = (hub: LynqHub): string =>
  `${hub.metadata.namespace ?? ''}/${hub.metadata.name ?? ''}`;

/** The CR path of the hub's connection section (`spec.source.mysql`), for messages. */
export const sourceField = (hub: LynqHub): string => `spec.source.${hub.spec.source.type}`;

/** The password Secret key of the hub's connection, if any. */
export const passwordRefOf = (hub: LynqHub): SecretRef | undefined =>
  hub.spec.source.type === 'postgresql'
    ? hub.spec.source.postgresql?.passwordRef
    : hub.spec.source.mysql?.passwordRef;

/** The CA Secret key, when TLS is on and names one; `undefined` otherwise. */
const caRefOf = (hub: LynqHub): SecretRef | undefined => {
  if (hub.spec.source.type === 'postgresql') {
    const pg = hub.spec.source.postgresql;
    return pg === undefined || pg.sslMode === 'disable' ? undefined : pg.caSecretRef;
  }
  const tls = hub.spec.source.mysql?.tls;
  return tls === undefined || tls.mode === 'disabled' ? undefined : tls.caSecretRef;
};

/** The CR path of the CA Secret reference, for messages. */
const caFieldOf = (hub: LynqHub): string =>
  hub.spec.source.type === 'postgresql'
    ? 'spec.source.postgresql.caSecretRef'
    : 'spec.source.mysql.tls.caSecretRef';

const missingSection = (hub: LynqHub) =>
  invalidSpecError('InvalidSpec', `LynqHub ${hubName(hub)}: ${sourceField(hub)} is required`);

/** The connection fields of a hub's source section, as the CRD and a hub file both give them. */
export type ConnectionSection =
  | {
      readonly type: 'mysql';
      readonly mysql: {
        readonly host: string;
        readonly port: number;
        readonly username: string;
        readonly database: string;
        readonly tls?: { readonly mode: TlsMode } | undefined;
      };
    }
  | {
      readonly type: 'postgresql';
      readonly postgresql: {
        readonly host: string;
        readonly port: number;
        readonly username: string;
        readonly database: string;
        readonly sslMode: PostgresSslMode;
      };
    };

/**
 * The connection of a source section with its Secrets resolved (`password`, `ca` absent =
 * none); a CA is sent only while TLS is on. One builder for the operator and `lynq render
 * --from-db`, so both connect alike.
 */
export const sectionConnectionConfig = (
  section: ConnectionSection,
  password: string | undefined,
  ca: string | undefined,
): HubConnectionConfig => {
  const withPassword = password === undefined ? {} : { password };
  if (section.type === 'postgresql') {
    const pg = section.postgresql;
    return {
      type: 'postgresql',
      postgresql: {
        host: pg.host,
        port: pg.port,
        user: pg.username,
        database: pg.database,
        sslMode: pg.sslMode,
        ...withPassword,
        ...(ca === undefined || pg.sslMode === 'disable' ? {} : { ca }),
      },
    };
  }
  const { mysql } = section;
  const tls = mysql.tls;
  return {
    type: 'mysql',
    mysql: {
      host: mysql.host,
      port: mysql.port,
      user: mysql.username,
      database: mysql.database,
      ...withPassword,
      ...(tls === undefined || tls.mode === 'disabled'
        ? {}
        : { tls: { mode: tls.mode, ...(ca === undefined ? {} : { ca }) } }),
    },
  };
};

/**
 * The connection of `hub` with its Secrets resolved (`password`, `ca` absent = none).
 * Throws `LynqError` `InvalidSpec` when the section of `spec.source.type` is missing.
 */
export const connectionConfigOf = (
  hub: LynqHub,
  password: string | undefined,
  ca: string | undefined,
): HubConnectionConfig => {
  const { source } = hub.spec;
  if (source.type === 'postgresql') {
    if (source.postgresql === undefined) throw missingSection(hub);
    return sectionConnectionConfig(
      { type: 'postgresql', postgresql: source.postgresql },
      password,
      ca,
    );
  }
  if (source.mysql === undefined) throw missingSection(hub);
  return sectionConnectionConfig({ type: 'mysql', mysql: source.mysql }, password, ca);
};

/**
 * The query of `hub`: its table (and schema, for PostgreSQL) and mapped columns. Throws
 * `LynqError` `InvalidSpec` when the section of `spec.source.type` is missing.
 */
export const rowQueryOf = (hub: LynqHub): RowQuery => {
  const source =
    hub.spec.source.type === 'postgresql' ? hub.spec.source.postgresql : hub.spec.source.mysql;
  if (source === undefined) throw missingSection(hub);
  const schema =
    hub.spec.source.type === 'postgresql' ? hub.spec.source.postgresql?.schema : undefined;
  return {
    table: source.table,
    ...(schema === undefined ? {} : { schema }),
    columns: {
      uid: hub.spec.valueMappings.uid,
      activate: hub.spec.valueMappings.activate,
      ...(hub.spec.valueMappings.hostOrUrl === undefined
        ? {}
        : { hostOrUrl: hub.spec.valueMappings.hostOrUrl }),
      extra: hub.spec.extraValueMappings ?? {},
    },
  };
};

/** Reads one key of a Secret in a namespace; rejects when it is missing or the API fails. */
export type SecretKeyReader = (
  namespace: string,
  name: string,
  key: string,
  signal: AbortSignal,
) => Promise<string>;

/**
 * The CA PEM of `hub`'s connection, or `undefined` when TLS is off or no CA Secret is named.
 * Rejects with `KubernetesUnreachable` when the API server is down, otherwise with `LynqError`
 * `CaSecretUnavailable` naming the hub, field, Secret and key: never a silent fallback (SPEC §1).
 */
export const caOf = async (
  hub: LynqHub,
  readSecretKey: SecretKeyReader,
  signal: AbortSignal,
): Promise<string | undefined> => {
  const ref = caRefOf(hub);
  if (ref === undefined) return undefined;
  const namespace = hub.metadata.namespace ?? '';
  try {
    return await readSecretKey(namespace, ref.name, ref.key, signal);
  } catch (err) {
    if (isApiServerUnreachable(err)) {
      throw kubernetesUnreachableError(`reading Secret ${namespace}/${ref.name}`, err);
    }
    throw invalidSpecError(
      'CaSecretUnavailable',
      `LynqHub ${hubName(hub)}: ${caFieldOf(hub)}: Secret ${ref.name} key ${ref.key}: ${messageOf(err)}`,
      err,
    );
  }
};
