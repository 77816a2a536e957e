// The test command: runs unit tests, and for integration tests starts one control plane and database for the whole run.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { cachePaths, repoRoot } from './cache-paths.js';
import { startControlPlane, type ControlPlane } from './control-plane.js';
import { ensureDatabaseServer, type DatabaseServer } from './database-server.js';
import { ensurePostgresServer } from './postgres-server.js';
import { serveHarnessControl, type HarnessControl } from './harness-control.js';
import { reapStaleProcesses } from './managed-process.js';
import { writeReliabilityReport } from './reliability-report.js';
import type { TestEnv } from './test-env.js';

const log = (message: string): void => {
  process.stderr.write(`[harness] ${message}\n`);
};

const findTests = (dir: string): string[] => {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return findTests(path);
    return entry.endsWith('.test.js') ? [path] : [];
  });
};

interface Options {
  readonly unitOnly: boolean;
  readonly integrationOnly: boolean;
  /** Only the fault suite (test/faults), which no other selection includes. */
  readonly faults: boolean;
  readonly filters: readonly string[];
}

const parseArgs = (args: readonly string[]): Options => ({
  unitOnly: args.includes('--unit'),
  integrationOnly: args.includes('--integration'),
  faults: args.includes('--faults'),
  filters: args.filter((a) => !a.startsWith('--')),
});

const main = async (): Promise<number> => {
  const options = parseArgs(process.argv.slice(2));
  const root = repoRoot();
  // Matched against the path inside the repository: a checkout in, say, /work/wt-faults must
  // not make the filter `faults` select every file.
  const matches = (file: string): boolean =>
    options.filters.length === 0 || options.filters.some((f) => relative(root, file).includes(f));
  // Fault tests kill the operator and the API server and take minutes: they run only on request.
  const faultsDir = join(root, 'dist', 'test', 'faults') + sep;
  const isFault = (file: string): boolean => file.startsWith(faultsDir);
  const unit =
    options.integrationOnly || options.faults
      ? []
      : // The lint rules' own tests (eslint-rules/) are unit tests too.
        [join(root, 'dist', 'src'), join(root, 'dist', 'eslint-rules')]
          .flatMap(findTests)
          .filter(matches);
  const integration = options.unitOnly
    ? []
    : findTests(join(root, 'dist', 'test'))
        .filter((file) => isFault(file) === options.faults)
        .filter(matches);
  const files = [...unit, ...integration].sort();
  if (files.length === 0) {
    log('no test files found under dist/ (did the build run?)');
    return 1;
  }
  log(`${unit.length} unit and ${integration.length} integration test files`);

  const env: NodeJS.ProcessEnv = { ...process.env };
  let controlPlane: ControlPlane | undefined;
  let database: DatabaseServer | undefined;
  let postgres: DatabaseServer | undefined;
  let control: HarnessControl | undefined;
  let dir: string | undefined;
  let passed = false;
  const teardown = async (): Promise<void> => {
    const [cp, db, pgServer, ctl] = [controlPlane, database, postgres, control];
    controlPlane = undefined;
    database = undefined;
    postgres = undefined;
    control = undefined;
    await ctl?.close();
    await Promise.allSettled([cp?.stop(), db?.stop(), pgServer?.stop()]);
    if (dir !== undefined) {
      if (passed || process.env['CI'] === 'true') rmSync(dir, { recursive: true, force: true });
      else log(`logs of the control plane kept in ${dir}`);
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      log(`${signal}: stopping the control plane`);
      void teardown().finally(() => process.exit(130));
    });
  }

  try {
    if (integration.length > 0) {
      if (process.env['LYNQ_SKIP_SETUP'] !== '1') {
        const setup = spawnSync('bash', [join(root, 'scripts', 'setup.sh')], { stdio: 'inherit' });
        if (setup.status !== 0) throw new Error('scripts/setup.sh failed');
      }
      const paths = cachePaths();
      const reaped = reapStaleProcesses(paths.runDir);
      if (reaped > 0) log(`killed ${reaped} servers left behind by an earlier run`);
      dir = mkdtempSync(join(tmpdir(), 'lynq-test-'));
      const started = Date.now();
      [database, postgres, controlPlane] = await Promise.all([
        ensureDatabaseServer(dir, paths.runDir, log),
        ensurePostgresServer(dir, paths.runDir, log),
        startControlPlane({ dir: join(dir, 'control-plane'), log }),
      ]);
      log(
        `control plane ${paths.k8sVersion} at ${controlPlane.server} ready in ${Date.now() - started} ms`,
      );
      if (options.faults) control = await serveHarnessControl(controlPlane, log);
      const testEnv: TestEnv = {
        server: controlPlane.server,
        kubeconfigs: controlPlane.kubeconfigs,
        auditLogFile: controlPlane.auditLogFile,
        mysqlUrl: database.url,
        postgresUrl: postgres.url,
        toolsDir: paths.toolsDir,
        k8sVersion: paths.k8sVersion,
        ...(control === undefined ? {} : { controlUrl: control.url }),
      };
      const envFile = join(dir, 'test-env.json');
      writeFileSync(envFile, JSON.stringify(testEnv, null, 2));
      env['LYNQ_TEST_ENV'] = envFile;
      if (options.faults) env['LYNQ_FAULT_FIGURES'] = join(dir, 'fault-figures.jsonl');
    }
    // Fault tests one at a time: a killed API server would fail every test beside it, and
    // recovery times measured beside other tests would measure the other tests.
    const concurrency = options.faults ? '1' : (process.env['LYNQ_TEST_CONCURRENCY'] ?? '4');
    const runStarted = Date.now();
    const code = await new Promise<number>((resolveCode) => {
      const child = spawn(
        process.execPath,
        [
          '--test',
          '--test-reporter=spec',
          `--test-concurrency=${concurrency}`,
          '--test-timeout=600000',
          ...files.map((f) => relative(root, f)),
        ],
        { cwd: root, env, stdio: 'inherit' },
      );
      child.on('exit', (exitCode, signal) => {
        resolveCode(exitCode ?? (signal === null ? 1 : 128));
      });
    });
    passed = code === 0;
    const figures = env['LYNQ_FAULT_FIGURES'];
    // Only a whole run replaces the committed table; a filtered run's figures are in its output.
    if (figures !== undefined && options.filters.length > 0) {
      log('filtered fault run: docs/reliability.md left as it was');
    } else if (figures !== undefined) {
      const report = writeReliabilityReport({
        figuresFile: figures,
        outFile: join(root, 'docs', 'reliability.md'),
        wallMillis: Date.now() - runStarted,
        exitCode: code,
        files: integration.map((f) => relative(root, f)),
      });
      log(`fault figures written to ${relative(root, report)}`);
    }
    return code;
  } finally {
    await teardown();
  }
};

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const cause =
      err instanceof Error && err.cause instanceof Error ? ` (cause: ${err.cause.message})` : '';
    log(err instanceof Error ? `${err.message}${cause}` : String(err));
    process.exitCode = 1;
  },
);
