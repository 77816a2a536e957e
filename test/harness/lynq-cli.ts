// Runs the `lynq` CLI as users do (`node dist/src/main.js …`) in tests: a command to its end, or `lynq dashboard` until it says its URL.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './cache-paths.js';

export interface LynqRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const spawnLynq = (args: readonly string[]) =>
  spawn(process.execPath, [join(repoRoot(), 'dist', 'src', 'main.js'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });

/** Runs `lynq <args>` to its end; kills it after a generous deadline, so a hung command fails its test instead of the run. */
export const runLynq = (args: readonly string[]): Promise<LynqRun> =>
  new Promise((resolve) => {
    const child = spawnLynq(args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });

/** A dashboard that said its URL, or one that exited first (with its code and output). */
export type DashboardStart =
  | { readonly url: string; stop(): void }
  | { readonly code: number | null; readonly output: string };

/** Starts `lynq dashboard --port 0 <args>` and resolves once it prints its URL or exits. */
export const startDashboard = (args: readonly string[]): Promise<DashboardStart> =>
  new Promise((resolve) => {
    const child = spawnLynq(['dashboard', '--port', '0', ...args]);
    let output = '';
    const onData = (chunk: Buffer): void => {
      output += chunk.toString('utf8');
      const match = /lynq dashboard: (http:\/\/\S+)/.exec(output);
      if (match?.[1] !== undefined) {
        resolve({ url: match[1], stop: () => child.kill('SIGTERM') });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      resolve({ code, output });
    });
  });
