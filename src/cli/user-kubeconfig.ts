// The user's own kubeconfig for commands that read the cluster as the person running them (inspect, dashboard).
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { invalidSpecError } from '../errors.js';

/**
 * `--kubeconfig`, else `KUBECONFIG`, else `~/.kube/config`, else the in-cluster ServiceAccount.
 * Throws `NoKubeconfig` naming every source tried when there is none (never a silent
 * unauthenticated localhost).
 */
export const loadUserKubeConfig = (
  file: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): KubeConfig => {
  const kc = new KubeConfig();
  if (file !== undefined) {
    kc.loadFromFile(file);
    return kc;
  }
  const home = join(homedir(), '.kube', 'config');
  const fromEnv = env['KUBECONFIG'];
  const inCluster = env['KUBERNETES_SERVICE_HOST'] !== undefined;
  if ((fromEnv === undefined || fromEnv === '') && !existsSync(home) && !inCluster) {
    throw invalidSpecError(
      'NoKubeconfig',
      `no kubeconfig found: tried --kubeconfig (not given), KUBECONFIG (not set), ${home} (absent) and the in-cluster ServiceAccount (not running in a pod)`,
    );
  }
  kc.loadFromDefault();
  return kc;
};
