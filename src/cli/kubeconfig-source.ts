// Where the operator's cluster credentials and its own namespace come from: a flag, the in-cluster ServiceAccount, or ~/.kube/config.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { invalidSpecError } from '../errors.js';
import type { OperatorConfig } from './operator-config.js';

/** Where the in-cluster config keeps the ServiceAccount's files. */
const serviceAccountDir = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * The kubeconfig: the given file, else the in-cluster ServiceAccount, else `~/.kube/config`.
 * Throws `NoKubeconfig` (naming every source tried) when there is none, rather than letting
 * the client fall back to an unauthenticated localhost:8080.
 */
export const loadKubeConfig = (config: OperatorConfig): KubeConfig => {
  const kc = new KubeConfig();
  if (config.kubeconfig !== undefined) {
    kc.loadFromFile(config.kubeconfig);
    return kc;
  }
  const home = join(homedir(), '.kube', 'config');
  const inCluster =
    process.env['KUBERNETES_SERVICE_HOST'] !== undefined &&
    existsSync(join(serviceAccountDir, 'token'));
  if (!inCluster && !existsSync(home)) {
    throw invalidSpecError(
      'NoKubeconfig',
      `no kubeconfig found: tried --kubeconfig (not given), KUBECONFIG (not set), the in-cluster ServiceAccount (not running in a pod) and ${home} (absent)`,
    );
  }
  kc.loadFromDefault();
  return kc;
};

/**
 * The leader Lease's namespace: the configured one, else the pod's own (the ServiceAccount's
 * namespace file). Throws `InvalidConfig` when leader election is on and neither exists.
 */
export const leaseNamespaceOf = (config: OperatorConfig): string => {
  if (config.leaderElection.namespace !== undefined) return config.leaderElection.namespace;
  const file = join(serviceAccountDir, 'namespace');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  throw invalidSpecError(
    'InvalidConfig',
    'operator config leader-election-namespace: --leader-elect needs the Lease namespace: give --leader-election-namespace or POD_NAMESPACE (outside a pod)',
  );
};
