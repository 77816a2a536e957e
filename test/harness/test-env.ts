// What a test needs from the running harness: kubeconfigs per user, a fresh namespace, a fresh database, the audit log, kubectl.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { createConnection, type Connection } from 'mysql2/promise';
import { auditRecords } from './audit-lines.js';
import type { TestUser } from './control-plane.js';
import { kubeRequest } from './kube-request.js';

const run = promisify(execFile);

/** Written by the runner to the file named by LYNQ_TEST_ENV. */
export interface TestEnv {
  readonly server: string;
  readonly kubeconfigs: Readonly<Record<TestUser, string>>;
  readonly auditLogFile: string;
  readonly mysqlUrl: string;
  /** The PostgreSQL server (`postgres://user@host:port/db`). */
  readonly postgresUrl: string;
  readonly toolsDir: string;
  readonly k8sVersion: string;
  /** The runner's control endpoint (harness-control.ts); only fault runs have one. */
  readonly controlUrl?: string;
}

let cached: TestEnv | undefined;

/** The running harness; throws when the test was not started by `npm test`. */
export const testEnv = async (): Promise<TestEnv> => {
  if (cached !== undefined) return cached;
  const file = process.env['LYNQ_TEST_ENV'];
  if (file === undefined) {
    throw new Error(
      'LYNQ_TEST_ENV is not set: integration tests run through `npm test` (test/harness/run-tests.ts)',
    );
  }
  cached = JSON.parse(await readFile(file, 'utf8')) as TestEnv;
  return cached;
};

/** A client-node KubeConfig authenticated as one of the harness users. */
export const kubeConfigFor = async (user: TestUser = 'admin'): Promise<KubeConfig> => {
  const kc = new KubeConfig();
  kc.loadFromFile((await testEnv()).kubeconfigs[user]);
  return kc;
};

const suffix = (): string => randomBytes(4).toString('hex');

/** A short DNS-1123 slug of a test's name. */
const slug = (name: string): string =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '') || 't';

/** Creates a namespace of its own for one test; `remove()` deletes it (and does not wait). */
export const createTestNamespace = async (
  label: string,
): Promise<{ name: string; remove: () => Promise<void> }> => {
  const kc = await kubeConfigFor('admin');
  const name = `${slug(label)}-${suffix()}`;
  const res = await kubeRequest(kc, {
    method: 'POST',
    path: '/api/v1/namespaces',
    body: {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'lynq.sh/test': 'true' } },
    },
  });
  if (res.status !== 201)
    throw new Error(`harness: creating namespace ${name} failed: ${res.text}`);
  return {
    name,
    remove: async () => {
      await kubeRequest(kc, { method: 'DELETE', path: `/api/v1/namespaces/${name}` });
    },
  };
};

export interface TestDatabase {
  readonly name: string;
  /** A URL that selects the test's database. */
  readonly url: string;
  readonly connection: Connection;
  drop(): Promise<void>;
}

/** Creates a database of its own for one test, with an open connection to it. */
export const createTestDatabase = async (label: string): Promise<TestDatabase> => {
  const { mysqlUrl } = await testEnv();
  const name = `lynq_${slug(label).replace(/-/g, '_').slice(0, 40)}_${suffix()}`;
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
    name,
    url: url.toString(),
    connection,
    drop: async () => {
      await connection.query(`DROP DATABASE IF EXISTS ${connection.escapeId(name)}`);
      await connection.end();
    },
  };
};

/** One audit record (Metadata level: who, which verb, which object, the response code). */
export interface AuditEvent {
  readonly verb: string;
  readonly user: { readonly username: string; readonly groups?: readonly string[] };
  readonly objectRef?: {
    readonly resource?: string;
    readonly subresource?: string;
    readonly namespace?: string;
    readonly name?: string;
    readonly apiGroup?: string;
  };
  readonly responseStatus?: { readonly code?: number };
  /** The client's User-Agent: the operator puts its process identity in it. */
  readonly userAgent?: string;
  readonly requestReceivedTimestamp: string;
  readonly stage: string;
}

/** Audit records of writes so far, optionally only those matching `filter`. */
export const auditEvents = async (
  filter: (event: AuditEvent) => boolean = () => true,
): Promise<AuditEvent[]> => {
  const text = await readFile((await testEnv()).auditLogFile, 'utf8');
  return auditRecords<AuditEvent>(text).filter(
    (event) => event.stage === 'ResponseComplete' && filter(event),
  );
};

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the cached kubectl (matching the server) with a harness user's kubeconfig. */
export const kubectl = async (
  args: readonly string[],
  user: TestUser = 'admin',
): Promise<CommandResult> => {
  const env = await testEnv();
  try {
    const { stdout, stderr } = await run(
      join(env.toolsDir, 'kubectl'),
      ['--kubeconfig', env.kubeconfigs[user], ...args],
      {
        timeout: 60_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
};
