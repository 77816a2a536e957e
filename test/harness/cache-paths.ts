// Where the harness finds the cached control-plane binaries and tools (versions from scripts/control-plane.env).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the nearest folder above this file holding package.json. */
export const repoRoot = (): string => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir)
      throw new Error('harness: no package.json above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
};

const readVersions = (): Readonly<Record<string, string>> => {
  const text = readFileSync(join(repoRoot(), 'scripts', 'control-plane.env'), 'utf8');
  const entries = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const eq = line.indexOf('=');
      return [line.slice(0, eq), line.slice(eq + 1)] as const;
    });
  return Object.fromEntries(entries);
};

const required = (values: Readonly<Record<string, string>>, key: string): string => {
  const value = values[key];
  if (value === undefined || value === '') {
    throw new Error(`harness: scripts/control-plane.env has no ${key}`);
  }
  return value;
};

export interface CachePaths {
  readonly k8sVersion: string;
  readonly binDir: string;
  readonly toolsDir: string;
  readonly runDir: string;
}

/** Mirrors the paths scripts/build-control-plane.sh and scripts/fetch-tools.sh write to. */
export const cachePaths = (env: NodeJS.ProcessEnv = process.env): CachePaths => {
  const versions = readVersions();
  const k8sVersion = env['LYNQ_K8S_VERSION'] ?? required(versions, 'K8S_VERSION');
  const etcdVersion = env['LYNQ_ETCD_VERSION'] ?? required(versions, 'ETCD_VERSION');
  const root = resolve(
    env['LYNQ_CACHE_DIR'] ?? join(env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'lynq'),
  );
  const layer = required(versions, 'KUBECTL_LAYER_PACKAGE').replace(/[@/]/g, '_');
  return {
    k8sVersion,
    binDir: join(root, 'testbin', `k8s-${k8sVersion}-etcd-${etcdVersion}`),
    toolsDir: join(root, 'tools', layer),
    runDir: join(root, 'run'),
  };
};
