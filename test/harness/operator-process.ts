// Starts the operator as users run it (`node dist/src/main.js operator`) for one test or bench: the one place that spawns it, collects its output and stops it.
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './cache-paths.js';
import { testEnv } from './test-env.js';

export interface OperatorProcess {
  readonly pid: number;
  /** What the operator logged so far (JSON lines). */
  output(): string;
  /** False once the process has exited, by itself or because it was stopped. */
  running(): boolean;
  /** SIGTERM, then SIGKILL after 15 s; resolves with the exit code once the process is gone. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash or an OOM kill would end it; resolves once the process is gone. */
  kill(): Promise<void>;
  /** Sends a signal (SIGSTOP, SIGCONT …) and returns at once. */
  signal(name: NodeJS.Signals): void;
  /** Resolves with the exit code once the process has ended by itself. */
  exited(): Promise<number | null>;
}

export interface OperatorOptions {
  /**
   * Watch only this namespace, so tests running side by side do not see each other. Undefined:
   * no `--namespace` (e.g. `extraArgs` carry `--watch-namespaces`).
   */
  readonly namespace: string | undefined;
  /** Default: the operator user's kubeconfig of the test harness (`testEnv`). */
  readonly kubeconfig?: string;
  /** Default -1 (no health server). */
  readonly healthPort?: number;
  /** Default -1 (no metrics server), so operators of parallel tests never meet on one port. */
  readonly metricsPort?: number;
  /**
   * Default true: watches time out after 20 s and status writes wait 200 ms at the most, so a
   * test sees a dropped watch repaired and a status written within its deadline. Benches say
   * false and measure the operator with its own defaults.
   */
  readonly testTimings?: boolean;
  readonly extraArgs?: readonly string[];
  /** Node's own flags before the script, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
  /** A file that gets a copy of the output as it arrives (e.g. `--trace-gc` lines of a bench). */
  readonly outputCopy?: string;
  /** More environment, e.g. what a Deployment's `env` sets. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Spawns the operator (by default with the groupless operator user's kubeconfig) at log level debug. */
export const startOperator = async (options: OperatorOptions): Promise<OperatorProcess> => {
  const kubeconfig = options.kubeconfig ?? (await testEnv()).kubeconfigs.operator;
  let output = '';
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeArgs ?? []),
      join(repoRoot(), 'dist', 'src', 'main.js'),
      'operator',
      '--kubeconfig',
      kubeconfig,
      ...(options.namespace === undefined ? [] : ['--namespace', options.namespace]),
      ...(options.testTimings === false
        ? []
        : ['--watch-timeout-seconds', '20', '--status-min-interval-ms', '200']),
      '--health-port',
      String(options.healthPort ?? -1),
      '--metrics-port',
      String(options.metricsPort ?? -1),
      ...(options.extraArgs ?? []),
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LYNQ_LOG_LEVEL: 'debug', ...options.env },
    },
  );
  const collect = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    output += text;
    if (options.outputCopy !== undefined) appendFileSync(options.outputCopy, text);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
    }),
  );
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  return {
    pid: child.pid ?? 0,
    output: () => output,
    running,
    signal: (name) => {
      child.kill(name);
    },
    exited: () => exited,
    kill: async () => {
      if (running()) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (running()) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
};
