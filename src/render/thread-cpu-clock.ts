// The CPU time of one thread, read from Linux's /proc. Render limits count CPU, not wall time:
// a worker starved by a busy machine (workers run niced) must not fail a node that did not use
// its budget, because a budget failure is final for that revision and row (T5).

import { readFileSync } from 'node:fs';

/** Linux reports thread times in clock ticks of 1/100 s (`USER_HZ`, fixed by the kernel ABI). */
const millisPerTick = 10;

/** Fields of `/proc/…/stat` after the parenthesised command: state is 0, utime 11, stime 12. */
const utimeField = 11;
const stimeField = 12;

const parseCpuMillis = (stat: string): number | undefined => {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const user = Number(fields[utimeField]);
  const system = Number(fields[stimeField]);
  return Number.isFinite(user) && Number.isFinite(system)
    ? (user + system) * millisPerTick
    : undefined;
};

const readStat = (path: string): string | undefined => {
  try {
    return readFileSync(path, 'latin1');
  } catch (err) {
    // No /proc (not Linux) or the thread has ended: the caller falls back to wall time.
    if (err instanceof Error && 'code' in err) return undefined;
    throw err;
  }
};

/** The calling thread's CPU time in ms, or `undefined` where /proc does not tell. */
export const threadCpuMillis = (): number | undefined => {
  const stat = readStat('/proc/thread-self/stat');
  return stat === undefined ? undefined : parseCpuMillis(stat);
};

/** The calling thread's kernel id, so another thread of the process can read its CPU time. */
export const currentThreadId = (): number | undefined => {
  const stat = readStat('/proc/thread-self/stat');
  const tid = stat === undefined ? NaN : Number(stat.slice(0, stat.indexOf(' ')));
  return Number.isInteger(tid) && tid > 0 ? tid : undefined;
};

/** CPU time in ms of thread `tid` of this process, or `undefined` if it cannot be read. */
export const cpuMillisOfThread = (tid: number): number | undefined => {
  const stat = readStat(`/proc/self/task/${String(tid)}/stat`);
  return stat === undefined ? undefined : parseCpuMillis(stat);
};
