// Every flag of `lynq operator`: its environment variable, default and meaning, for strict parsing and `--help`.
import { invalidSpecError } from '../errors.js';

export interface OperatorFlag {
  readonly name: string;
  readonly env: string | undefined;
  readonly fallback: string;
  readonly about: string;
  /** A switch takes no value after a space (`--name` or `--name=true|false`). */
  readonly switch?: true;
}

export const operatorFlags: readonly OperatorFlag[] = [
  {
    name: 'kubeconfig',
    env: 'KUBECONFIG',
    fallback: 'in-cluster config',
    about: 'kubeconfig file',
  },
  {
    name: 'watch-namespaces',
    env: 'LYNQ_WATCH_NAMESPACES',
    fallback: 'all',
    about: 'namespaces to watch, comma-separated',
  },
  { name: 'namespace', env: 'LYNQ_NAMESPACE', fallback: 'all', about: 'one namespace to watch' },
  {
    name: 'log-level',
    env: 'LYNQ_LOG_LEVEL',
    fallback: 'info',
    about: 'trace, debug, info, warn, error',
  },
  {
    name: 'health-port',
    env: 'LYNQ_HEALTH_PORT',
    fallback: '8081',
    about: '/healthz and /readyz; -1 = off',
  },
  {
    name: 'metrics-port',
    env: 'LYNQ_METRICS_PORT',
    fallback: '8080',
    about: '/metrics (Prometheus); -1 = off',
  },
  {
    name: 'shutdown-timeout',
    env: 'LYNQ_SHUTDOWN_TIMEOUT',
    fallback: '20s',
    about: 'after SIGTERM, how long in-flight writes may take to finish',
  },
  {
    name: 'leader-elect',
    env: 'LYNQ_LEADER_ELECT',
    fallback: 'false',
    about: 'run as one of several replicas: only the holder of a Lease writes',
    switch: true,
  },
  {
    name: 'leader-election-namespace',
    env: 'LYNQ_LEADER_ELECTION_NAMESPACE',
    fallback: "POD_NAMESPACE, else the pod's namespace",
    about: 'namespace of the leader Lease',
  },
  {
    name: 'leader-election-id',
    env: 'LYNQ_LEADER_ELECTION_ID',
    fallback: 'lynq-leader',
    about: 'name of the leader Lease',
  },
  {
    name: 'leader-elect-lease-duration',
    env: 'LYNQ_LEADER_ELECT_LEASE_DURATION',
    fallback: '15s',
    about: 'how long a standby waits after the lease last changed before taking it',
  },
  {
    name: 'leader-elect-renew-deadline',
    env: 'LYNQ_LEADER_ELECT_RENEW_DEADLINE',
    fallback: '10s',
    about: 'the leader stops writing when it could not renew for this long',
  },
  {
    name: 'leader-elect-retry-period',
    env: 'LYNQ_LEADER_ELECT_RETRY_PERIOD',
    fallback: '2s',
    about: 'between two attempts to acquire or renew the lease',
  },
  {
    name: 'watch-timeout-seconds',
    env: 'LYNQ_WATCH_TIMEOUT_SECONDS',
    fallback: '300',
    about: 'server-side watch timeout',
  },
  {
    name: 'status-min-interval-ms',
    env: 'LYNQ_STATUS_MIN_INTERVAL_MS',
    fallback: '1000',
    about: 'least time between two status writes of one object',
  },
  {
    name: 'status-gather-ms',
    env: 'LYNQ_STATUS_GATHER_MS',
    fallback: '300',
    about: 'how long a first status change waits for the ones that follow',
  },
  {
    name: 'max-requests-in-flight',
    env: 'LYNQ_MAX_REQUESTS_IN_FLIGHT',
    fallback: '32',
    about: 'API requests at once, watches not counted',
  },
  {
    name: 'kube-api-qps',
    env: 'LYNQ_KUBE_API_QPS',
    fallback: '500',
    about: 'API requests a second on average, watches and lease renewals not counted; 0 = no limit',
  },
  {
    name: 'kube-api-burst',
    env: 'LYNQ_KUBE_API_BURST',
    fallback: '1000',
    about: 'API requests that may go at once above --kube-api-qps after a quiet spell',
  },
  {
    name: 'resync-period',
    env: 'LYNQ_RESYNC_PERIOD',
    fallback: '10m',
    about: 'how often a ready node re-reads its objects; 0 = never',
  },
  {
    name: 'allowed-namespaces',
    env: 'LYNQ_ALLOWED_NAMESPACES',
    fallback: 'none',
    about: "target namespaces besides the node's own; * = any",
  },
  {
    name: 'allowed-kinds',
    env: 'LYNQ_ALLOWED_KINDS',
    fallback: 'the kinds a form lists',
    about: 'Group/Kind keys (/ConfigMap, apps/Deployment); * = any',
  },
  {
    name: 'allowed-cluster-names',
    env: 'LYNQ_ALLOWED_CLUSTER_NAMES',
    fallback: '{{ uid }}-*',
    about: 'name patterns of cluster-scoped objects',
  },
  {
    name: 'allow-cluster-scoped-takeover',
    env: 'LYNQ_ALLOW_CLUSTER_SCOPED_TAKEOVER',
    fallback: 'false',
    about: 'let resources that opt in take over cluster-scoped objects Lynq did not create',
    switch: true,
  },
  {
    name: 'debug-endpoints',
    env: 'LYNQ_DEBUG_ENDPOINTS',
    fallback: 'false',
    about: 'serve the read-only state machine export /debug/machines on the health port',
    switch: true,
  },
];

/** `lynq operator --help`: every flag with its environment variable and default. */
export const operatorHelp = (): string =>
  [
    'usage: lynq operator [flags]',
    '',
    'Runs the operator. Flags win over their environment variables.',
    '',
    ...operatorFlags.map(
      (f) =>
        `  --${f.name}${f.switch === true ? '' : ' <value>'}\n      ${f.about} (${f.env === undefined ? '' : `${f.env}; `}default ${f.fallback})`,
    ),
    '  --help\n      this text',
    '',
  ].join('\n');

/**
 * Checks that every argument is a known flag with its value. Throws `InvalidConfig` naming the
 * first unknown flag, a missing value, or a stray argument.
 */
export const checkOperatorArgs = (args: readonly string[]): void => {
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (!arg.startsWith('--')) {
      throw invalidSpecError('InvalidConfig', `operator: unexpected argument "${arg}"`);
    }
    const [name = '', value] = arg.slice(2).split(/=(.*)/s, 2);
    const flag = operatorFlags.find((f) => f.name === name);
    if (flag === undefined) {
      throw invalidSpecError(
        'InvalidConfig',
        `operator: unknown flag --${name} (see lynq operator --help)`,
      );
    }
    if (flag.switch === true || value !== undefined) continue;
    const next = args[i + 1];
    if (next === undefined || next.startsWith('--')) {
      throw invalidSpecError('InvalidConfig', `operator: flag --${name} needs a value`);
    }
    i += 1;
  }
};
