// Starts the operator as users run it (`node dist/src/main.js operator`) with the operator's own identity, for one test.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './cache-paths.js';
import { testEnv } from './test-env.js';

export interface OperatorProcess {
  /** What the operator logged so far (JSON lines). */
  output(): string;
  /** False once the process has exited, by itself or because it was stopped. */
  running(): boolean;
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
  /** Default: the operator user's kubeconfig. */
  readonly kubeconfig?: string;
  /** Default -1 (no health server). */
  readonly healthPort?: number;
  /** Default -1 (no metrics server), so operators of parallel tests never meet on one port. */
  readonly metricsPort?: number;
  readonly extraArgs?: readonly string[];
  /** More environment, e.g. what a Deployment's `env` sets. */
  readonly env?: Readonly<Record<string, string>>;
}

/** Spawns the operator (by default with the groupless operator user's kubeconfig) with short watch timeouts. */
export const startOperator = async (options: OperatorOptions): Promise<OperatorProcess> => {
  const env = await testEnv();
  let output = '';
  const child = spawn(
    process.execPath,
    [
      join(repoRoot(), 'dist', 'src', 'main.js'),
      'operator',
      '--kubeconfig',
      options.kubeconfig ?? env.kubeconfigs.operator,
      ...(options.namespace === undefined ? [] : ['--namespace', options.namespace]),
      '--watch-timeout-seconds',
      '20',
      '--status-min-interval-ms',
      '200',
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
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
    }),
  );
  return {
    output: () => output,
    running: () => child.exitCode === null && child.signalCode === null,
    signal: (name) => {
      child.kill(name);
    },
    exited: () => exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
};
