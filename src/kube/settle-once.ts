// A promise settled from outside, once: the first resolve or reject wins and every later one is ignored.

export interface SettleOnce<T> {
  readonly promise: Promise<T>;
  resolve(value: T): void;
  reject(err: unknown): void;
  /** Whether resolve or reject was called. */
  settled(): boolean;
}

/** `Promise.withResolvers` (Node 22) that settles once; Node 20 has no such thing. */
export const settleOnce = <T = void>(): SettleOnce<T> => {
  let done = false;
  let resolveFn: (value: T) => void = () => undefined;
  let rejectFn: (err: unknown) => void = () => undefined;
  const promise = new Promise<T>((resolve, reject) => {
    resolveFn = resolve;
    rejectFn = reject;
  });
  return {
    promise,
    resolve: (value) => {
      if (done) return;
      done = true;
      resolveFn(value);
    },
    reject: (err) => {
      if (done) return;
      done = true;
      rejectFn(err);
    },
    settled: () => done,
  };
};
