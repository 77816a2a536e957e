// Finds the PostgreSQL server the tests use, or starts a private one (initdb + postgres, trust auth) when nothing answers.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import type { DatabaseServer } from './database-server.js';
import { freePort } from './free-port.js';
import { startProcess } from './managed-process.js';

const run = promisify(execFile);

export const defaultPostgresUrl = 'postgres://postgres@127.0.0.1:5432/test';

/** Resolves when `SELECT 1` succeeds at `url`; rejects with the driver's error otherwise. */
export const pingPostgres = async (url: string, timeoutMillis = 3_000): Promise<void> => {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMillis });
  await client.connect();
  try {
    await client.query('SELECT 1');
  } finally {
    await client.end();
  }
};

const binDir = (): string | undefined =>
  [
    '/usr/lib/postgresql/17/bin',
    '/usr/lib/postgresql/16/bin',
    '/usr/lib/postgresql/15/bin',
    '/usr/local/bin',
    '/usr/bin',
  ].find((d) => existsSync(join(d, 'postgres')) && existsSync(join(d, 'initdb')));

/** The system's postgres account, which the server runs as when the harness runs as root (postgres refuses root). */
const postgresAccount = async (): Promise<{ uid: number; gid: number } | undefined> => {
  if (process.getuid?.() !== 0) return undefined;
  const { stdout } = await run('id', ['-u', 'postgres']).catch(() => ({ stdout: '' }));
  const { stdout: g } = await run('id', ['-g', 'postgres']).catch(() => ({ stdout: '' }));
  const uid = Number(stdout.trim());
  const gid = Number(g.trim());
  if (stdout.trim() === '' || !Number.isInteger(uid)) {
    throw new Error(
      'harness: running as root and there is no postgres account to run a private PostgreSQL as',
    );
  }
  return { uid, gid };
};

const startPrivatePostgres = async (dir: string, runDir: string): Promise<DatabaseServer> => {
  const bin = binDir();
  if (bin === undefined) {
    throw new Error(
      'harness: no PostgreSQL answers and postgres/initdb are not installed; install postgresql or set LYNQ_TEST_POSTGRES_URL',
    );
  }
  const base = join(dir, 'postgres');
  const dataDir = join(base, 'data');
  await mkdir(dataDir, { recursive: true });
  const account = await postgresAccount();
  const asAccount = account === undefined ? [] : ['-u', 'postgres', '--'];
  if (account !== undefined) {
    await chown(base, account.uid, account.gid);
    await chown(dataDir, account.uid, account.gid);
  }
  await chmod(dataDir, 0o700);
  const wrap = (binary: string, args: string[]): [string, string[]] =>
    account === undefined ? [binary, args] : ['runuser', [...asAccount, binary, ...args]];
  await run(
    ...wrap(join(bin, 'initdb'), [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--no-sync',
    ]),
  );
  const port = await freePort();
  const [binary, args] = wrap(join(bin, 'postgres'), [
    '-D',
    dataDir,
    '-p',
    String(port),
    '-h',
    '127.0.0.1',
    '-k',
    base,
    '-c',
    'fsync=off',
    '-c',
    'max_connections=200',
  ]);
  const server = startProcess({ name: 'postgres', binary, args, logDir: dir, runDir });
  const adminUrl = `postgres://postgres@127.0.0.1:${String(port)}/postgres`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await Promise.race([pingPostgres(adminUrl), server.exited]);
      break;
    } catch (err) {
      if (
        Date.now() > deadline ||
        (err instanceof Error && err.message.includes('exited unexpectedly'))
      ) {
        await server.stop();
        throw new Error('harness: the private postgres did not become ready', { cause: err });
      }
      await sleep(250);
    }
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query('CREATE DATABASE test').finally(() => admin.end());
  return {
    url: `postgres://postgres@127.0.0.1:${String(port)}/test`,
    owned: true,
    stop: () => server.stop(),
  };
};

/** The server at LYNQ_TEST_POSTGRES_URL (default postgres@127.0.0.1:5432/test), else a private one in `dir`. */
export const ensurePostgresServer = async (
  dir: string,
  runDir: string,
  log: (message: string) => void,
): Promise<DatabaseServer> => {
  const url = process.env['LYNQ_TEST_POSTGRES_URL'] ?? defaultPostgresUrl;
  try {
    await pingPostgres(url);
    log(`postgresql: using ${url.replace(/\/\/([^:@]+):[^@]*@/, '//$1:***@')}`);
    return { url, owned: false, stop: () => Promise.resolve() };
  } catch (err) {
    log(
      `postgresql: nothing answers at the configured URL (${err instanceof Error ? err.message : String(err)}); starting a private postgres`,
    );
    return startPrivatePostgres(dir, runDir);
  }
};
