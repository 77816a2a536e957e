// Finds the MySQL/MariaDB server the tests use, or starts a private mariadbd when nothing answers.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { createConnection } from 'mysql2/promise';
import { freePort } from './free-port.js';
import { startProcess } from './managed-process.js';

const run = promisify(execFile);

export const defaultMysqlUrl = 'mysql://root@127.0.0.1:3306';

export interface DatabaseServer {
  readonly url: string;
  /** True when the harness started this server itself. */
  readonly owned: boolean;
  stop(): Promise<void>;
}

/** Resolves when `SELECT 1` succeeds at `url`; rejects with the driver's error otherwise. */
export const pingMysql = async (url: string, timeoutMillis = 3_000): Promise<void> => {
  const connection = await createConnection({ uri: url, connectTimeout: timeoutMillis });
  try {
    await connection.query('SELECT 1');
  } finally {
    await connection.end();
  }
};

const findBinary = (name: string): string | undefined =>
  [`/usr/sbin/${name}`, `/usr/bin/${name}`, `/usr/local/bin/${name}`].find((p) => existsSync(p));

const startPrivateMariadb = async (dir: string, runDir: string): Promise<DatabaseServer> => {
  const mariadbd = findBinary('mariadbd');
  const installDb = findBinary('mariadb-install-db');
  if (mariadbd === undefined || installDb === undefined) {
    throw new Error(
      "harness: no database answers and mariadbd is not installed; run 'npm run setup' or set LYNQ_TEST_MYSQL_URL",
    );
  }
  const dataDir = join(dir, 'mariadb');
  await mkdir(dataDir, { recursive: true });
  const asRoot = process.getuid?.() === 0 ? ['--user=root'] : [];
  await run(installDb, [
    '--no-defaults',
    `--datadir=${dataDir}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    ...asRoot,
  ]);
  const port = await freePort();
  const server = startProcess({
    name: 'mariadbd',
    binary: mariadbd,
    args: [
      '--no-defaults',
      `--datadir=${dataDir}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${join(dataDir, 'mariadb.sock')}`,
      `--pid-file=${join(dataDir, 'mariadb.pid')}`,
      '--skip-log-bin',
      '--innodb-flush-log-at-trx-commit=0',
      ...asRoot,
    ],
    logDir: dir,
    runDir,
  });
  const url = `mysql://root@127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await Promise.race([pingMysql(url), server.exited]);
      break;
    } catch (err) {
      if (
        Date.now() > deadline ||
        (err instanceof Error && err.message.includes('exited unexpectedly'))
      ) {
        await server.stop();
        throw new Error('harness: the private mariadbd did not become ready', { cause: err });
      }
      await sleep(250);
    }
  }
  return { url, owned: true, stop: () => server.stop() };
};

/** The server at LYNQ_TEST_MYSQL_URL (default root@127.0.0.1:3306), else a private one in `dir`. */
export const ensureDatabaseServer = async (
  dir: string,
  runDir: string,
  log: (message: string) => void,
): Promise<DatabaseServer> => {
  const url = process.env['LYNQ_TEST_MYSQL_URL'] ?? defaultMysqlUrl;
  try {
    await pingMysql(url);
    log(`database: using ${url.replace(/\/\/([^:@]+):[^@]*@/, '//$1:***@')}`);
    return { url, owned: false, stop: () => Promise.resolve() };
  } catch (err) {
    log(
      `database: nothing answers at the configured URL (${err instanceof Error ? err.message : String(err)}); starting a private mariadbd`,
    );
    return startPrivateMariadb(dir, runDir);
  }
};
