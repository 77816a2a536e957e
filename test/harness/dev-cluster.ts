// `npm run dev`: starts the local control plane and database, prints how to reach them, and runs until Ctrl-C.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cachePaths, repoRoot } from './cache-paths.js';
import { startControlPlane } from './control-plane.js';
import { ensureDatabaseServer } from './database-server.js';
import { reapStaleProcesses } from './managed-process.js';

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
  say('');
  say(
    `Lynq dev cluster: Kubernetes ${paths.k8sVersion} at ${controlPlane.server}, CRDs installed.`,
  );
  say(`  export KUBECONFIG=${controlPlane.kubeconfigs.admin}`);
  say(`  ${join(paths.toolsDir, 'kubectl')} get crds`);
  say(`  operator identity: KUBECONFIG=${controlPlane.kubeconfigs.operator}`);
  say(`  database: ${database.url}`);
  say('Press Ctrl-C to stop.');
  await new Promise<void>((resolveStop) => {
    process.once('SIGINT', resolveStop);
    process.once('SIGTERM', resolveStop);
  });
  say('stopping…');
  await controlPlane.stop();
  await database.stop();
};

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
