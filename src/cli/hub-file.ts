// Reads a LynqHub from a YAML file into what `lynq render --from-db` needs: where to connect and which columns to read.

import { readFile } from 'node:fs/promises';
import { parseAllDocuments } from 'yaml';
import {
  postgresSslModes,
  tlsModes,
  type PostgresSslMode,
  type TlsMode,
} from '../api/lynq-hub.schema.js';
import type { RowQuery } from '../datasource/datasource.js';

export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
}

/** A hub's MySQL source with the CRD's defaults applied (port 3306, TLS mode `verify-full`). */
export interface HubMysqlSource {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly database: string;
  readonly table: string;
  readonly passwordRef: SecretKeyRef | undefined;
  readonly tls:
    { readonly mode: TlsMode; readonly caSecretRef: SecretKeyRef | undefined } | undefined;
}

/** A hub's PostgreSQL source with the CRD's defaults applied (port 5432, schema public, sslMode disable). */
export interface HubPostgresSource {
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly database: string;
  readonly schema: string;
  readonly table: string;
  readonly passwordRef: SecretKeyRef | undefined;
  readonly sslMode: PostgresSslMode;
  readonly caSecretRef: SecretKeyRef | undefined;
}

interface HubFileBase {
  readonly name: string;
  readonly namespace: string | undefined;
  /** The columns the operator would select (SPEC §1 `valueMappings`, `extraValueMappings`). */
  readonly query: RowQuery;
}

export type HubFile = HubFileBase &
  (
    | { readonly type: 'mysql'; readonly mysql: HubMysqlSource }
    | { readonly type: 'postgresql'; readonly postgresql: HubPostgresSource }
  );

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const requiredString = (value: unknown, where: string): string => {
  if (typeof value !== 'string' || value === '')
    throw new Error(`${where} must be a non-empty string`);
  return value;
};

const optionalString = (value: unknown, where: string): string | undefined =>
  value === undefined || value === null ? undefined : requiredString(value, where);

const record = (value: unknown, where: string): Record<string, unknown> => {
  if (!isRecord(value)) throw new Error(`${where} must be a map`);
  return value;
};

const secretRef = (value: unknown, where: string): SecretKeyRef | undefined => {
  if (value === undefined || value === null) return undefined;
  const ref = record(value, where);
  return {
    name: requiredString(ref['name'], `${where}.name`),
    key: requiredString(ref['key'], `${where}.key`),
  };
};

const port = (value: unknown, fallback = 3306, where = 'spec.source.mysql.port'): number => {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 65535)
    throw new Error(`${where} must be an integer from 1 to 65535`);
  return value;
};

const sslMode = (value: unknown): PostgresSslMode => {
  const mode = value ?? 'disable';
  const known = postgresSslModes.find((m) => m === mode);
  if (known === undefined)
    throw new Error(`spec.source.postgresql.sslMode must be one of ${postgresSslModes.join(', ')}`);
  return known;
};

const tls = (value: unknown): HubMysqlSource['tls'] => {
  if (value === undefined || value === null) return undefined;
  const t = record(value, 'spec.source.mysql.tls');
  const mode = t['mode'] ?? 'verify-full';
  if (!tlsModes.some((m) => m === mode))
    throw new Error(`spec.source.mysql.tls.mode must be one of ${tlsModes.join(', ')}`);
  return {
    mode: mode as TlsMode,
    caSecretRef: secretRef(t['caSecretRef'], 'spec.source.mysql.tls.caSecretRef'),
  };
};

const extraMappings = (value: unknown): Record<string, string> => {
  if (value === undefined || value === null) return {};
  const map = record(value, 'spec.extraValueMappings');
  return Object.fromEntries(
    Object.entries(map).map(([name, column]) => [
      name,
      requiredString(column, `spec.extraValueMappings.${name}`),
    ]),
  );
};

/**
 * The hub in a parsed YAML document (a LynqHub object). Applies the CRD's defaults the API
 * server would; column names are only checked for presence here, the datasource validates them
 * as identifiers before any query. Throws `Error` naming the offending field.
 */
export const hubFromDocument = (doc: unknown): HubFile => {
  if (!isRecord(doc) || doc['kind'] !== 'LynqHub')
    throw new Error('the hub file must hold a LynqHub');
  const metadata = isRecord(doc['metadata']) ? doc['metadata'] : {};
  const spec = record(doc['spec'], 'spec');
  const source = record(spec['source'], 'spec.source');
  const type = source['type'];
  if (type !== 'mysql' && type !== 'postgresql')
    throw new Error(
      `spec.source.type must be mysql or postgresql, got ${JSON.stringify(source['type'])}`,
    );
  const mappings = record(spec['valueMappings'], 'spec.valueMappings');
  const hostOrUrl = optionalString(mappings['hostOrUrl'], 'spec.valueMappings.hostOrUrl');
  const base = {
    name: requiredString(metadata['name'], 'metadata.name'),
    namespace: optionalString(metadata['namespace'], 'metadata.namespace'),
  };
  const columns = {
    uid: requiredString(mappings['uid'], 'spec.valueMappings.uid'),
    activate: requiredString(mappings['activate'], 'spec.valueMappings.activate'),
    ...(hostOrUrl === undefined ? {} : { hostOrUrl }),
    extra: extraMappings(spec['extraValueMappings']),
  };
  if (type === 'postgresql') {
    const pg = record(source['postgresql'], 'spec.source.postgresql');
    const table = requiredString(pg['table'], 'spec.source.postgresql.table');
    const schema = optionalString(pg['schema'], 'spec.source.postgresql.schema') ?? 'public';
    return {
      ...base,
      type,
      postgresql: {
        host: requiredString(pg['host'], 'spec.source.postgresql.host'),
        port: port(pg['port'], 5432, 'spec.source.postgresql.port'),
        username: requiredString(pg['username'], 'spec.source.postgresql.username'),
        database: requiredString(pg['database'], 'spec.source.postgresql.database'),
        schema,
        table,
        passwordRef: secretRef(pg['passwordRef'], 'spec.source.postgresql.passwordRef'),
        sslMode: sslMode(pg['sslMode']),
        caSecretRef: secretRef(pg['caSecretRef'], 'spec.source.postgresql.caSecretRef'),
      },
      query: { table, schema, columns },
    };
  }
  const mysql = record(source['mysql'], 'spec.source.mysql');
  const table = requiredString(mysql['table'], 'spec.source.mysql.table');
  return {
    ...base,
    type,
    mysql: {
      host: requiredString(mysql['host'], 'spec.source.mysql.host'),
      port: port(mysql['port']),
      username: requiredString(mysql['username'], 'spec.source.mysql.username'),
      database: requiredString(mysql['database'], 'spec.source.mysql.database'),
      table,
      passwordRef: secretRef(mysql['passwordRef'], 'spec.source.mysql.passwordRef'),
      tls: tls(mysql['tls']),
    },
    query: { table, columns },
  };
};

/** Reads the first LynqHub of a YAML file. Throws `Error` on unreadable or invalid input. */
export const readHubFile = async (path: string): Promise<HubFile> => {
  const values: unknown[] = [];
  for (const doc of parseAllDocuments(await readFile(path, 'utf8'))) {
    if (doc.errors.length > 0)
      throw new Error(`${path}: ${doc.errors.map((e) => e.message).join('; ')}`);
    values.push(doc.toJS());
  }
  const hub = values.find((v) => isRecord(v) && v['kind'] === 'LynqHub');
  try {
    return hubFromDocument(hub ?? values[0]);
  } catch (e: unknown) {
    throw new Error(`${path}: ${e instanceof Error ? e.message : String(e)}`);
  }
};
