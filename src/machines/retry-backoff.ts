// The one retry backoff of the machines: one second after the first failure, doubling up to a cap.

const firstRetryMillis = 1_000;

/**
 * The delay before the retry after `failures` consecutive failures: 1 s, 2 s, 4 s… and never
 * more than `capMillis`. Zero or fewer failures count as one. Pure.
 */
export const retryBackoffMillis = (failures: number, capMillis: number): number =>
  Math.min(firstRetryMillis * 2 ** Math.max(0, Math.min(failures - 1, 20)), capMillis);
