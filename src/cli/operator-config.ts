// The operator's configuration, read once from flags and environment into one frozen object.
import { invalidSpecError } from '../errors.js';
import { leaseTimingProblem, type LeaseTimings } from '../kube/leader-lease.js';
import { defaultTargetPolicy } from '../kube/target-policy.js';

export interface OperatorConfig {
  /** A kubeconfig file; absent = in-cluster config, else the default loading rules. */
  readonly kubeconfig: string | undefined;
  /**
   * Watch only these namespaces (SPEC P1: RBAC through Roles in them); absent = all namespaces.
   * `--namespace x` is the one-element form.
   */
  readonly watchNamespaces: readonly string[] | undefined;
  readonly logLevel: string;
  /** Server-side watch timeout before jitter (short values exercise re-watching). */
  readonly watchTimeoutSeconds: number;
  /** Least time between two status writes of one object (DESIGN 3). */
  readonly statusMinIntervalMs: number;
  /** How long a first status change waits for the ones that follow it (DESIGN 3). */
  readonly statusGatherMs: number;
  /** API requests in flight at once, watches not counted (SPEC P4). */
  readonly maxRequestsInFlight: number;
  /**
   * Client-side rate limit of API requests a second (SPEC P4), watches and lease renewals not
   * counted; 0 = none.
   */
  readonly kubeApiQps: number;
  /** Requests that may leave at once above `kubeApiQps` after a quiet spell. */
  readonly kubeApiBurst: number;
  /** Port of /healthz, /readyz and /metrics; 0 = pick a free port, -1 = none. */
  readonly healthPort: number;
  /** Target namespaces besides the node's own (SPEC N16); `*` allows all. Default: none. */
  readonly allowedNamespaces: readonly string[];
  /** Allowed kinds as `Group/Kind` keys (core group empty: `/ConfigMap`); `*` allows all. */
  readonly allowedKinds: readonly string[];
  /** Name patterns of cluster-scoped objects (`*`, `{{ uid }}`) (SPEC N16). */
  readonly allowedClusterNames: readonly string[];
  /** The operator's half of the double opt-in for taking over cluster-scoped objects (SPEC N6). */
  readonly allowClusterScopedTakeover: boolean;
  /** Serve the read-only machine export `/debug/machines` on the health port (SPEC O3). */
  readonly debugEndpoints: boolean;
  /** A ready node verifies its objects this often, jittered (SPEC N12 backstop); 0 = never. */
  readonly resyncPeriodMs: number;
  /** Port of /metrics (SPEC O4); 0 = pick a free port, -1 = none. */
  readonly metricsPort: number;
  /** How long in-flight writes may take to finish after SIGTERM (SPEC P3). */
  readonly shutdownTimeoutMs: number;
  readonly leaderElection: LeaderElectionConfig;
}

/** SPEC P2. Off by default (`npm run dev`, one process); the chart turns it on. */
export interface LeaderElectionConfig extends LeaseTimings {
  readonly enabled: boolean;
  /** The Lease's namespace; undefined = the pod's namespace (POD_NAMESPACE or the in-cluster file). */
  readonly namespace: string | undefined;
  readonly name: string;
}

const flagOf = (args: readonly string[], name: string): string | undefined => {
  const prefix = `--${name}=`;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg.startsWith(prefix)) return arg.slice(prefix.length);
    if (arg === `--${name}`) return args[i + 1];
  }
  return undefined;
};

const numberOf = (field: string, text: string | undefined, fallback: number): number => {
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value)) {
    throw invalidSpecError(
      'InvalidConfig',
      `operator config ${field}: "${text}" is not a whole number`,
    );
  }
  return value;
};

/**
 * A switch: `--name` alone or `--name=true|false` (a value after a space is not taken, so the
 * next flag is never swallowed); else the environment variable's `true|false`.
 */
const switchOf = (args: readonly string[], name: string, envValue: string | undefined): boolean => {
  let text: string | undefined = envValue;
  for (const arg of args) {
    if (arg === `--${name}`) text = 'true';
    else if (arg.startsWith(`--${name}=`)) text = arg.slice(name.length + 3);
  }
  if (text === undefined || text === '') return false;
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw invalidSpecError(
    'InvalidConfig',
    `operator config ${name}: "${text}" is not true or false`,
  );
};

const durationUnits: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
};

/** A duration such as `10m`, `30s`, `1h`, `500ms`, or `0`; absent or empty = the fallback. */
const durationOf = (field: string, text: string | undefined, fallbackMs: number): number => {
  if (text === undefined || text === '') return fallbackMs;
  if (text === '0') return 0;
  const match = /^([0-9]+)(ms|s|m|h)$/.exec(text);
  const unit = match?.[2] === undefined ? undefined : durationUnits[match[2]];
  if (match === null || unit === undefined) {
    throw invalidSpecError(
      'InvalidConfig',
      `operator config ${field}: "${text}" is not a duration such as 10m, 30s or 0`,
    );
  }
  return Number(match[1]) * unit;
};

/** A comma-separated list; absent or empty = the fallback. Blank items are dropped. */
const listOf = (text: string | undefined, fallback: readonly string[]): readonly string[] => {
  if (text === undefined || text.trim() === '') return fallback;
  return Object.freeze(
    text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== ''),
  );
};

/**
 * `--watch-namespaces a,b`, or its one-namespace form `--namespace a`; flags before environment.
 * Both flags at once is ambiguous, so it is refused rather than merged.
 */
const watchNamespacesOf = (
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): readonly string[] | undefined => {
  const list = flagOf(args, 'watch-namespaces');
  const one = flagOf(args, 'namespace');
  if (list !== undefined && one !== undefined) {
    throw invalidSpecError(
      'InvalidConfig',
      'operator config: --namespace and --watch-namespaces both given; use --watch-namespaces',
    );
  }
  const text = list ?? one ?? env['LYNQ_WATCH_NAMESPACES'] ?? env['LYNQ_NAMESPACE'];
  const namespaces = listOf(text, []);
  return namespaces.length === 0 ? undefined : namespaces;
};

const leaderElectionOf = (
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): LeaderElectionConfig => {
  const timings = {
    leaseDurationMs: durationOf(
      'leader-elect-lease-duration',
      flagOf(args, 'leader-elect-lease-duration') ?? env['LYNQ_LEADER_ELECT_LEASE_DURATION'],
      15_000,
    ),
    renewDeadlineMs: durationOf(
      'leader-elect-renew-deadline',
      flagOf(args, 'leader-elect-renew-deadline') ?? env['LYNQ_LEADER_ELECT_RENEW_DEADLINE'],
      10_000,
    ),
    retryPeriodMs: durationOf(
      'leader-elect-retry-period',
      flagOf(args, 'leader-elect-retry-period') ?? env['LYNQ_LEADER_ELECT_RETRY_PERIOD'],
      2_000,
    ),
  };
  const problem = leaseTimingProblem(timings);
  if (problem !== undefined) {
    throw invalidSpecError(
      'InvalidConfig',
      `operator config leader-elect-lease-duration/renew-deadline/retry-period: ${problem}`,
    );
  }
  const namespace =
    flagOf(args, 'leader-election-namespace') ??
    env['LYNQ_LEADER_ELECTION_NAMESPACE'] ??
    env['POD_NAMESPACE'];
  return {
    enabled: switchOf(args, 'leader-elect', env['LYNQ_LEADER_ELECT']),
    namespace: namespace === '' ? undefined : namespace,
    name: flagOf(args, 'leader-election-id') ?? env['LYNQ_LEADER_ELECTION_ID'] ?? 'lynq-leader',
    ...timings,
  };
};

/**
 * Flags win over environment variables (`LYNQ_*`, and `KUBECONFIG`). Throws `InvalidConfig`
 * naming the setting when a value cannot be used.
 */
export const readOperatorConfig = (
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): OperatorConfig =>
  Object.freeze({
    kubeconfig: flagOf(args, 'kubeconfig') ?? env['KUBECONFIG'],
    watchNamespaces: watchNamespacesOf(args, env),
    logLevel: flagOf(args, 'log-level') ?? env['LYNQ_LOG_LEVEL'] ?? 'info',
    watchTimeoutSeconds: numberOf(
      'watch-timeout-seconds',
      flagOf(args, 'watch-timeout-seconds') ?? env['LYNQ_WATCH_TIMEOUT_SECONDS'],
      300,
    ),
    statusMinIntervalMs: numberOf(
      'status-min-interval-ms',
      flagOf(args, 'status-min-interval-ms') ?? env['LYNQ_STATUS_MIN_INTERVAL_MS'],
      1_000,
    ),
    statusGatherMs: numberOf(
      'status-gather-ms',
      flagOf(args, 'status-gather-ms') ?? env['LYNQ_STATUS_GATHER_MS'],
      300,
    ),
    maxRequestsInFlight: numberOf(
      'max-requests-in-flight',
      flagOf(args, 'max-requests-in-flight') ?? env['LYNQ_MAX_REQUESTS_IN_FLIGHT'],
      32,
    ),
    // A 10,000-node hub's creation is about 40,000 writes: some 80 s at this rate, about what
    // one API server on two cores absorbs (docs/benchmarks.md), while a runaway loop is capped.
    kubeApiQps: numberOf(
      'kube-api-qps',
      flagOf(args, 'kube-api-qps') ?? env['LYNQ_KUBE_API_QPS'],
      500,
    ),
    kubeApiBurst: numberOf(
      'kube-api-burst',
      flagOf(args, 'kube-api-burst') ?? env['LYNQ_KUBE_API_BURST'],
      1_000,
    ),
    healthPort: numberOf(
      'health-port',
      flagOf(args, 'health-port') ?? env['LYNQ_HEALTH_PORT'],
      8081,
    ),
    allowedNamespaces: listOf(
      flagOf(args, 'allowed-namespaces') ?? env['LYNQ_ALLOWED_NAMESPACES'],
      defaultTargetPolicy.allowedNamespaces,
    ),
    allowedKinds: listOf(
      flagOf(args, 'allowed-kinds') ?? env['LYNQ_ALLOWED_KINDS'],
      defaultTargetPolicy.allowedKinds,
    ),
    allowedClusterNames: listOf(
      flagOf(args, 'allowed-cluster-names') ?? env['LYNQ_ALLOWED_CLUSTER_NAMES'],
      defaultTargetPolicy.allowedClusterNames,
    ),
    resyncPeriodMs: durationOf(
      'resync-period',
      flagOf(args, 'resync-period') ?? env['LYNQ_RESYNC_PERIOD'],
      10 * 60_000,
    ),
    allowClusterScopedTakeover: switchOf(
      args,
      'allow-cluster-scoped-takeover',
      env['LYNQ_ALLOW_CLUSTER_SCOPED_TAKEOVER'],
    ),
    debugEndpoints: switchOf(args, 'debug-endpoints', env['LYNQ_DEBUG_ENDPOINTS']),
    metricsPort: numberOf(
      'metrics-port',
      flagOf(args, 'metrics-port') ?? env['LYNQ_METRICS_PORT'],
      8080,
    ),
    shutdownTimeoutMs: durationOf(
      'shutdown-timeout',
      flagOf(args, 'shutdown-timeout') ?? env['LYNQ_SHUTDOWN_TIMEOUT'],
      20_000,
    ),
    leaderElection: leaderElectionOf(args, env),
  });
