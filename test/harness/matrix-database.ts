// One database per test on either server (MariaDB or PostgreSQL), behind one small interface, so hub tests run as a table-driven matrix.
import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import pg from 'pg';
import { testEnv } from './test-env.js';

export const databaseKinds = ['mysql', 'postgresql'] as const;
export type DatabaseKind = (typeof databaseKinds)[number];

export interface MatrixDatabase {
  readonly kind: DatabaseKind;
  /** The MySQL database, or the PostgreSQL schema (in the server's test database). */
  readonly name: string;
  /** Runs one statement; `?` placeholders on both servers (turned into `$n` for PostgreSQL). */
  exec(sql: string, params?: readonly unknown[]): Promise<void>;
  /** Runs one query and returns its rows as objects. */
  query(sql: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  /** `spec.source` of a hub reading `table` here (type, connection; syncInterval from `extra`). */
  source(table: string, extra?: Readonly<Record<string, unknown>>): Record<string, unknown>;
  /** The same source with its connection pointed at `port` (a closed one, to make it unreachable). */
  connectionPatch(patch: Readonly<Record<string, unknown>>): Record<string, unknown>;
  drop(): Promise<void>;
}

const slug = (label: string): string =>
  `lynq_${label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 30)}_${randomBytes(4).toString('hex')}`;

const pgPlaceholders = (sql: string): string => {
  let n = 0;
  return sql.replace(/\?/g, () => `$${String((n += 1))}`);
};

const openMysql = async (label: string): Promise<MatrixDatabase> => {
  const { mysqlUrl } = await testEnv();
  const name = slug(label);
  const admin = await createConnection({ uri: mysqlUrl, connectTimeout: 5_000 });
  try {
    await admin.query(`CREATE DATABASE ${admin.escapeId(name)}`);
  } finally {
    await admin.end();
  }
  const url = new URL(mysqlUrl);
  url.pathname = `/${name}`;
  const connection = await createConnection({ uri: url.toString(), connectTimeout: 5_000 });
  return {
    kind: 'mysql',
    name,
    exec: async (sql, params = []) => {
      await connection.query(sql, [...params]);
    },
    query: async (sql, params = []) => {
      const [rows] = await connection.query(sql, [...params]);
      return rows as Record<string, unknown>[];
    },
    source: (table, extra = {}) => ({
      type: 'mysql',
      mysql: {
        host: url.hostname,
        port: Number(url.port || '3306'),
        username: decodeURIComponent(url.username || 'root'),
        database: name,
        table,
      },
      ...extra,
    }),
    connectionPatch: (patch) => ({ mysql: patch }),
    drop: async () => {
      await connection.query(`DROP DATABASE IF EXISTS ${connection.escapeId(name)}`);
      await connection.end();
    },
  };
};

const openPostgres = async (label: string): Promise<MatrixDatabase> => {
  const { postgresUrl } = await testEnv();
  const name = slug(label);
  const client = new pg.Client({
    connectionString: postgresUrl,
    connectionTimeoutMillis: 5_000,
    options: `-c search_path=${name}`,
  });
  await client.connect();
  await client.query(`CREATE SCHEMA "${name}"`);
  const url = new URL(postgresUrl);
  return {
    kind: 'postgresql',
    name,
    exec: async (sql, params = []) => {
      await client.query(pgPlaceholders(sql), [...params]);
    },
    query: async (sql, params = []) =>
      (await client.query(pgPlaceholders(sql), [...params])).rows as Record<string, unknown>[],
    source: (table, extra = {}) => ({
      type: 'postgresql',
      postgresql: {
        host: url.hostname,
        port: Number(url.port || '5432'),
        username: decodeURIComponent(url.username || 'postgres'),
        database: url.pathname.slice(1) || 'postgres',
        schema: name,
        table,
      },
      ...extra,
    }),
    connectionPatch: (patch) => ({ postgresql: patch }),
    drop: async () => {
      await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
      await client.end();
    },
  };
};

/** A database (MySQL) or schema (PostgreSQL) of its own for one test, with an open connection. */
export const createMatrixDatabase = (kind: DatabaseKind, label: string): Promise<MatrixDatabase> =>
  kind === 'mysql' ? openMysql(label) : openPostgres(label);
