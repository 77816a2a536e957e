// Kubernetes Events on the objects they concern, de-duplicated per object, reason and message: a repeat raises the count, a different message is its own Event (SPEC O1).
import type { Logger } from 'pino';
import { sha256Hex } from '../api/sha256-hex.js';
import { codeOf } from '../errors.js';
import { apiErrorCodes, patchTypes, type ApiClient } from './api-client.js';
import { eventsPath } from './lynq-paths.js';

export interface InvolvedObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
}

export interface EventInput {
  readonly object: InvolvedObject;
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
}

export interface EventRecorder {
  /** Records the event; never throws (a failed event write is logged, not fatal). */
  record(event: EventInput): Promise<void>;
  /** Events written (created or counted up). */
  readonly writes: () => number;
}

interface Recorded {
  readonly name: string;
  /** Occurrences the Event counts, written or about to be. */
  count: number;
  /** The count the stored Event last received. */
  written: number;
  created: boolean;
  queue: Promise<void>;
}

const component = 'lynq-operator';

/**
 * A recorder that remembers, per (object uid, type, reason, message), the Event it wrote, and
 * raises that Event's count on a repeat instead of writing a new one. A different message is a
 * different Event: a count never hides what an earlier occurrence said (two `NodeDeleted`
 * Events for two nodes, never one with count 2 naming the last). The memory is bounded by
 * `maxRemembered` (oldest forgotten first).
 */
export const createEventRecorder = (
  client: ApiClient,
  logger: Logger,
  maxRemembered = 50_000,
): EventRecorder => {
  const recorded = new Map<string, Recorded>();
  let writes = 0;

  const createEvent = async (entry: Recorded, event: EventInput, now: string): Promise<void> => {
    const { object, type, reason, message } = event;
    const count = entry.count;
    await client.create(eventsPath(object.namespace), {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: entry.name, namespace: object.namespace },
      involvedObject: object,
      type,
      reason,
      message: message.slice(0, 1024),
      count,
      firstTimestamp: now,
      lastTimestamp: now,
      source: { component },
      reportingComponent: component,
      reportingInstance: component,
    });
    entry.created = true;
    entry.written = count;
  };

  const countUp = async (entry: Recorded, event: EventInput, now: string): Promise<void> => {
    const count = entry.count;
    await client.patch(`${eventsPath(event.object.namespace)}/${entry.name}`, patchTypes.merge, {
      count,
      lastTimestamp: now,
    });
    entry.written = count;
  };

  /** The count of the Event already stored under the name, or `undefined` when there is none. */
  const storedCount = async (entry: Recorded, namespace: string): Promise<number | undefined> => {
    const stored = (await client.get(`${eventsPath(namespace)}/${entry.name}`)) as
      { count?: unknown } | undefined;
    if (stored === undefined) return undefined;
    return typeof stored.count === 'number' ? stored.count : 1;
  };

  const write = async (key: string, entry: Recorded, event: EventInput): Promise<void> => {
    const { object, reason } = event;
    const now = new Date().toISOString();
    writes += 1;
    try {
      if (entry.created) {
        try {
          await countUp(entry, event, now);
          return;
        } catch (err) {
          if (codeOf(err) !== apiErrorCodes.notFound) throw err;
          // The Event expired (its TTL) or was deleted: a new one counts what came after it.
          entry.created = false;
          entry.count -= entry.written;
          entry.written = 0;
        }
      }
      try {
        await createEvent(entry, event, now);
      } catch (err) {
        if (codeOf(err) !== apiErrorCodes.alreadyExists) throw err;
        // Names are deterministic, so an Event written before a restart is still there: it is
        // the same (object, type, reason, message), so count up from its count instead of failing.
        const stored = await storedCount(entry, object.namespace);
        if (stored === undefined) {
          await createEvent(entry, event, now);
          return;
        }
        entry.count += stored;
        entry.written = stored;
        entry.created = true;
        await countUp(entry, event, now);
      }
    } catch (err) {
      // Events are best effort, as client-go's recorder drops them: the next event for the key
      // tries again (create, or count up once created).
      // eslint-disable-next-line lynq/catch-handles-or-rethrows -- best effort, see above
      logger.warn(
        { err, reason, object: `${object.namespace}/${object.name}`, key },
        'Event write failed',
      );
    }
  };

  return {
    writes: () => writes,
    record: (event) => {
      const { object, type, reason } = event;
      const message = event.message.slice(0, 1024);
      const key = `${object.uid}\u0000${type}\u0000${reason}\u0000${message}`;
      let entry = recorded.get(key);
      if (entry === undefined) {
        if (recorded.size >= maxRemembered) {
          const oldest = recorded.keys().next().value;
          if (oldest !== undefined) recorded.delete(oldest);
        }
        const name = `${object.name.slice(0, 200)}.${sha256Hex(key).slice(0, 16)}`;
        entry = { name, count: 0, written: 0, created: false, queue: Promise.resolve() };
        recorded.set(key, entry);
      }
      entry.count += 1;
      const current = entry;
      // One write at a time per key, in order: a repeat that arrives while the first create is
      // in flight counts up the same Event instead of racing it for the name.
      current.queue = current.queue.then(() => write(key, current, event));
      return current.queue;
    },
  };
};
