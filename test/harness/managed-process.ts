// Starts a server process for the tests, logs it to a file, and guarantees it is stopped (also after a crash of the runner).
import { spawn, type ChildProcess } from 'node:child_process';
import {
  openSync,
  closeSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Rejects when the process exits before `stop` was called. */
  readonly exited: Promise<never>;
  /** SIGTERM, then SIGKILL after `graceMillis`; resolves once the process is gone. */
  stop(graceMillis?: number): Promise<void>;
}

const live = new Set<ChildProcess>();

// A runner that dies on an exception still takes its servers with it.
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Records the process in `runDir` so that a later run can kill it if this runner is SIGKILLed. */
const register = (runDir: string, name: string, pid: number, binary: string): string => {
  mkdirSync(runDir, { recursive: true });
  const file = join(runDir, `${process.pid}-${name}-${pid}.json`);
  writeFileSync(file, JSON.stringify({ owner: process.pid, pid, binary }));
  return file;
};

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const commandLineOf = (pid: number): string => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return '';
  }
};

/** Kills servers left behind by runners that no longer exist (their owner pid is gone). */
export const reapStaleProcesses = (runDir: string): number => {
  let reaped = 0;
  let files: string[];
  try {
    files = readdirSync(runDir);
  } catch {
    return 0;
  }
  for (const file of files) {
    const path = join(runDir, file);
    try {
      const record = JSON.parse(readFileSync(path, 'utf8')) as {
        owner: number;
        pid: number;
        binary: string;
      };
      if (isAlive(record.owner)) continue;
      // The pid may have been reused: only kill it when it still runs the same binary.
      if (isAlive(record.pid) && commandLineOf(record.pid).startsWith(record.binary)) {
        process.kill(record.pid, 'SIGKILL');
        reaped += 1;
      }
      rmSync(path, { force: true });
    } catch {
      rmSync(path, { force: true });
    }
  }
  return reaped;
};

export interface StartOptions {
  readonly name: string;
  readonly binary: string;
  readonly args: readonly string[];
  readonly logDir: string;
  readonly runDir: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Spawns `binary` with its output in `<logDir>/<name>.log`. */
export const startProcess = (options: StartOptions): ManagedProcess => {
  const logFile = join(options.logDir, `${options.name}.log`);
  const fd = openSync(logFile, 'a');
  const child = spawn(options.binary, options.args, {
    stdio: ['ignore', fd, fd],
    env: options.env ?? process.env,
  });
  closeSync(fd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`harness: could not start ${options.binary}`);
  live.add(child);
  const record = register(options.runDir, options.name, pid, options.binary);
  let stopping = false;
  const gone = new Promise<void>((resolveGone) => {
    child.once('exit', () => {
      live.delete(child);
      rmSync(record, { force: true });
      resolveGone();
    });
  });
  // An exit during `stop` is expected and never settles `exited`; any other exit rejects it.
  const exited = gone.then((): Promise<never> =>
    stopping
      ? new Promise<never>(() => undefined)
      : Promise.reject(new Error(`harness: ${options.name} exited unexpectedly; see ${logFile}`)),
  );
  exited.catch(() => undefined);
  return {
    name: options.name,
    pid,
    logFile,
    exited,
    stop: async (graceMillis = 10_000) => {
      stopping = true;
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMillis);
      await gone;
      clearTimeout(timer);
    },
  };
};
