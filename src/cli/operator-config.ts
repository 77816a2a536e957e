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
  /**
   * Fault injection for tests only (`LYNQ_FAULT_DROP_CHILD_EVENTS=true`, no flag): the child
   * watches deliver nothing to the nodes, as a watch that silently stopped would, so a test can
   * prove the resync repairs what no event reported (SPEC N12). Absent = false.
   */
  readonly dropChildEvents?: boolean;
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

type Env = Readonly<Record<string, string | undefined>>;

/** A flag's environment variable: `LYNQ_` and its name in upper snake case (`health-port` → `LYNQ_HEALTH_PORT`). */
const envNameOf = (flag: string): string => `LYNQ_${flag.toUpperCase().replace(/-/g, '_')}`;

/** Typed readers of one setting each, by flag name: the flag wins over its environment variable. */
const settingsOf = (args: readonly string[], env: Env) => {
  const text = (flag: string): string | undefined => flagOf(args, flag) ?? env[envNameOf(flag)];
  return {
    text,
    number: (flag: string, fallback: number): number => numberOf(flag, text(flag), fallback),
    duration: (flag: string, fallbackMs: number): number =>
      durationOf(flag, text(flag), fallbackMs),
    list: (flag: string, fallback: readonly string[]): readonly string[] =>
      listOf(text(flag), fallback),
    switch: (flag: string): boolean => switchOf(args, flag, env[envNameOf(flag)]),
  };
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
  const settings = settingsOf(args, env);
  const timings = {
    leaseDurationMs: settings.duration('leader-elect-lease-duration', 15_000),
    renewDeadlineMs: settings.duration('leader-elect-renew-deadline', 10_000),
    retryPeriodMs: settings.duration('leader-elect-retry-period', 2_000),
  };
  const problem = leaseTimingProblem(timings);
  if (problem !== undefined) {
    throw invalidSpecError(
      'InvalidConfig',
      `operator config leader-elect-lease-duration/renew-deadline/retry-period: ${problem}`,
    );
  }
  const namespace = settings.text('leader-election-namespace') ?? env['POD_NAMESPACE'];
  return {
    enabled: settings.switch('leader-elect'),
    namespace: namespace === '' ? undefined : namespace,
    name: settings.text('leader-election-id') ?? 'lynq-leader',
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
): OperatorConfig => {
  const settings = settingsOf(args, env);
  return Object.freeze({
    kubeconfig: flagOf(args, 'kubeconfig') ?? env['KUBECONFIG'],
    watchNamespaces: watchNamespacesOf(args, env),
    logLevel: settings.text('log-level') ?? 'info',
    watchTimeoutSeconds: settings.number('watch-timeout-seconds', 300),
    statusMinIntervalMs: settings.number('status-min-interval-ms', 1_000),
    statusGatherMs: settings.number('status-gather-ms', 300),
    maxRequestsInFlight: settings.number('max-requests-in-flight', 32),
    // A 10,000-node hub's creation is about 40,000 writes: some 80 s at this rate, about what
    // one API server on two cores absorbs (docs/benchmarks.md), while a runaway loop is capped.
    kubeApiQps: settings.number('kube-api-qps', 500),
    kubeApiBurst: settings.number('kube-api-burst', 1_000),
    healthPort: settings.number('health-port', 8081),
    allowedNamespaces: settings.list('allowed-namespaces', defaultTargetPolicy.allowedNamespaces),
    allowedKinds: settings.list('allowed-kinds', defaultTargetPolicy.allowedKinds),
    allowedClusterNames: settings.list(
      'allowed-cluster-names',
      defaultTargetPolicy.allowedClusterNames,
    ),
    resyncPeriodMs: settings.duration('resync-period', 10 * 60_000),
    allowClusterScopedTakeover: settings.switch('allow-cluster-scoped-takeover'),
    debugEndpoints: settings.switch('debug-endpoints'),
    metricsPort: settings.number('metrics-port', 8080),
    shutdownTimeoutMs: settings.duration('shutdown-timeout', 20_000),
    leaderElection: leaderElectionOf(args, env),
    ...(env['LYNQ_FAULT_DROP_CHILD_EVENTS'] === 'true' ? { dropChildEvents: true } : {}),
  });
};
