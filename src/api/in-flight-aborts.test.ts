// Requests in flight aborted by a long-lived signal, or by their own.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inFlightAborts } from './in-flight-aborts.js';

/** A request that resolves when told, or rejects with its signal's reason. */
const pending = (signal: AbortSignal) => {
  let finish: () => void = () => undefined;
  const done = new Promise<string>((resolve, reject) => {
    finish = () => {
      resolve('done');
    };
    signal.addEventListener('abort', () => {
      reject(signal.reason as Error);
    });
  });
  return {
    done,
    finish: () => {
      finish();
    },
  };
};

describe('inFlightAborts', () => {
  it('aborts every request in flight with the long-lived signal reason', async () => {
    const lasting = new AbortController();
    const aborts = inFlightAborts(lasting.signal);
    const a = aborts.run(undefined, (signal) => pending(signal).done);
    const b = aborts.run(new AbortController().signal, (signal) => pending(signal).done);
    const reason = new Error('shutting down');
    lasting.abort(reason);
    await assert.rejects(a, reason);
    await assert.rejects(b, reason);
    // Once aborted, a later request starts aborted.
    const late = await aborts.run(undefined, (signal) => Promise.resolve(signal.aborted));
    assert.equal(late, true);
  });

  it("aborts a request with its own signal's reason and leaves the others running", async () => {
    const lasting = new AbortController();
    const aborts = inFlightAborts(lasting.signal);
    const own = new AbortController();
    const other = { finish: (): void => undefined };
    const a = aborts.run(own.signal, (signal) => pending(signal).done);
    const b = aborts.run(undefined, (signal) => {
      const p = pending(signal);
      other.finish = p.finish;
      return p.done;
    });
    const reason = new Error('pass aborted');
    own.abort(reason);
    await assert.rejects(a, reason);
    other.finish();
    assert.equal(await b, 'done');
  });
});
