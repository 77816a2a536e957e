// `npm run dev`: starts the local control plane and database, loads and applies examples/, runs the operator on them, and says what to try next, until Ctrl-C.
import { execFile, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { cachePaths, repoRoot } from './cache-paths.js';
import { startControlPlane } from './control-plane.js';
import { ensureDatabaseServer } from './database-server.js';
import { applyExamples, exampleNames, loadExampleSchema } from './examples.js';
import { reapStaleProcesses, startProcess } from './managed-process.js';

const run = promisify(execFile);

const say = (message: string): void => {
  process.stdout.write(`${message}\n`);
};

const main = async (): Promise<void> => {
  const setup = spawnSync('bash', [join(repoRoot(), 'scripts', 'setup.sh')], { stdio: 'inherit' });
  if (setup.status !== 0) throw new Error('scripts/setup.sh failed');
  const paths = cachePaths();
  reapStaleProcesses(paths.runDir);
  const dir = join(paths.runDir, '..', 'dev');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const [database, controlPlane] = await Promise.all([
    ensureDatabaseServer(dir, paths.runDir, say),
    startControlPlane({
      dir: join(dir, 'control-plane'),
      log: (m) => {
        say(`control plane: ${m}`);
      },
    }),
  ]);
  const kubectl = join(paths.toolsDir, 'kubectl');
  const kubeconfig = controlPlane.kubeconfigs.admin;
  const { namespace, sharedNamespace, database: databaseName } = exampleNames;
  const target = { mysqlUrl: database.url, database: databaseName, sharedNamespace };
  await loadExampleSchema(target);
  say(`examples: loaded examples/tenants.sql into database ${databaseName}`);
  for (const name of [namespace, sharedNamespace]) {
    await run(kubectl, ['--kubeconfig', kubeconfig, 'create', 'namespace', name]);
  }
  say(await applyExamples(kubectl, kubeconfig, namespace, target));
  const operatorLog = join(dir, 'operator.log');
  const operator = startProcess({
    name: 'operator',
    binary: process.execPath,
    args: [
      join(repoRoot(), 'dist', 'src', 'main.js'),
      'operator',
      '--kubeconfig',
      controlPlane.kubeconfigs.operator,
      '--allowed-namespaces',
      sharedNamespace,
      '--health-port',
      '-1',
    ],
    logDir: dir,
    runDir: paths.runDir,
  });
  const mysql = new URL(database.url);
  say('');
  say(`Lynq dev cluster: Kubernetes ${paths.k8sVersion} at ${controlPlane.server}.`);
  say(`The operator runs on examples/ (log: ${operatorLog}). Try, in another shell:`);
  say(`  export KUBECONFIG=${kubeconfig}`);
  say(`  export PATH=${paths.toolsDir}:$PATH`);
  say(`  kubectl get lynqhubs,lynqforms,lynqnodes -n ${namespace}`);
  say(`  kubectl get configmaps,services,deployments -n ${namespace}`);
  say(`  kubectl get configmaps,services -n ${sharedNamespace}`);
  say(`  kubectl wait --for=condition=Ready lynqforms/directory -n ${namespace} --timeout=60s`);
  say(`  kubectl describe lynqnodes -n ${namespace}`);
  say(
    `  mysql -h ${mysql.hostname} -P ${mysql.port || '3306'} -u root ${databaseName} -e "UPDATE tenants SET active = 0 WHERE id = 'acme'"`,
  );
  say(`  kubectl get lynqnodes -n ${namespace} -w`);
  say(`  kubectl get events -n ${namespace}`);
  say('Press Ctrl-C to stop.');
  await new Promise<void>((resolveStop) => {
    process.once('SIGINT', resolveStop);
    process.once('SIGTERM', resolveStop);
  });
  say('stopping…');
  await operator.stop();
  await controlPlane.stop();
  await database.stop();
};

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
