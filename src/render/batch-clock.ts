// When a render batch started, on which thread and at what CPU time of it: written by the worker
// into a buffer shared with the pool, read by the pool's watchdog. The watchdog stops a batch for
// the CPU it used, not for time spent waiting for a core on a busy machine (workers run niced).

import { cpuMillisOfThread, currentThreadId, threadCpuMillis } from './thread-cpu-clock.js';

/** 64-bit slots: wall ms since epoch (0 until the worker starts), thread id (0: unknown), CPU ms (-1: unknown). */
const slot = { wallMillis: 0, threadId: 1, cpuMillis: 2 } as const;

/** A fresh shared buffer for one batch. */
export const createBatchClock = (): BigInt64Array<SharedArrayBuffer> =>
  new BigInt64Array(new SharedArrayBuffer(8 * Object.keys(slot).length));

/** This thread's kernel id: module state is per worker thread. */
let threadId: number | undefined;

/** Worker side: the batch starts now. */
export const markBatchStart = (clock: BigInt64Array): void => {
  threadId ??= currentThreadId();
  Atomics.store(clock, slot.threadId, BigInt(threadId ?? 0));
  Atomics.store(clock, slot.cpuMillis, BigInt(threadCpuMillis() ?? -1));
  // Last: the pool reads the other slots only once this one is set.
  Atomics.store(clock, slot.wallMillis, BigInt(Date.now()));
};

/** Pool side: when the worker started the batch (ms since epoch), or 0 if it has not. */
export const batchStartedAt = (clock: BigInt64Array): number =>
  Number(Atomics.load(clock, slot.wallMillis));

/**
 * Pool side, once the wall clock passed `limitMs`: whether the batch's thread also used that much
 * CPU since the start. Where CPU time cannot be read, the wall clock decides (true).
 */
export const batchSpentCpu = (clock: BigInt64Array, limitMs: number): boolean => {
  const tid = Number(Atomics.load(clock, slot.threadId));
  const atStart = Number(Atomics.load(clock, slot.cpuMillis));
  if (tid <= 0 || atStart < 0) return true;
  const now = cpuMillisOfThread(tid);
  return now === undefined || now - atStart >= limitMs;
};
