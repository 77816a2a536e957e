// Kubernetes Events on the objects they concern, de-duplicated per object and reason: a repeat raises the count (SPEC O1).
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import { patchTypes, type ApiClient } from './api-client.js';
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
  count: number;
  created: boolean;
  queue: Promise<void>;
}

const component = 'lynq-operator';

/**
 * A recorder that remembers, per (object uid, type, reason), the Event it wrote, and raises that
 * Event's count (and takes the newest message) on a repeat instead of writing a new one. The memory is bounded by
 * `maxRemembered` (oldest forgotten first).
 */
export const createEventRecorder = (
  client: ApiClient,
  logger: Logger,
  maxRemembered = 50_000,
): EventRecorder => {
  const recorded = new Map<string, Recorded>();
  let writes = 0;

  const write = async (key: string, entry: Recorded, event: EventInput): Promise<void> => {
    const { object, type, reason, message } = event;
    const now = new Date().toISOString();
    const path = eventsPath(object.namespace);
    writes += 1;
    try {
      if (entry.created) {
        await client.patch(`${path}/${entry.name}`, patchTypes.merge, {
          count: entry.count,
          lastTimestamp: now,
          message: message.slice(0, 1024),
        });
        return;
      }
      await client.create(path, {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name: entry.name, namespace: object.namespace },
        involvedObject: object,
        type,
        reason,
        message: message.slice(0, 1024),
        count: entry.count,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component },
        reportingComponent: component,
        reportingInstance: component,
      });
      entry.created = true;
    } catch (err) {
      // Not fatal: the next event for the key tries again (create, or count up once created).
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
      const key = `${object.uid}\u0000${type}\u0000${reason}`;
      let entry = recorded.get(key);
      if (entry === undefined) {
        if (recorded.size >= maxRemembered) {
          const oldest = recorded.keys().next().value;
          if (oldest !== undefined) recorded.delete(oldest);
        }
        const name = `${object.name.slice(0, 200)}.${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
        entry = { name, count: 0, created: false, queue: Promise.resolve() };
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
