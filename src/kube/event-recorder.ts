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
  return {
    writes: () => writes,
    record: async ({ object, type, reason, message }) => {
      const key = `${object.uid}\u0000${type}\u0000${reason}`;
      const now = new Date().toISOString();
      const known = recorded.get(key);
      try {
        writes += 1;
        if (known !== undefined) {
          known.count += 1;
          await client.patch(`${eventsPath(object.namespace)}/${known.name}`, patchTypes.merge, {
            count: known.count,
            lastTimestamp: now,
            message: message.slice(0, 1024),
          });
          return;
        }
        const name = `${object.name.slice(0, 200)}.${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
        await client.create(eventsPath(object.namespace), {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace: object.namespace },
          involvedObject: object,
          type,
          reason,
          message: message.slice(0, 1024),
          count: 1,
          firstTimestamp: now,
          lastTimestamp: now,
          source: { component },
          reportingComponent: component,
          reportingInstance: component,
        });
        if (recorded.size >= maxRemembered) {
          const oldest = recorded.keys().next().value;
          if (oldest !== undefined) recorded.delete(oldest);
        }
        recorded.set(key, { name, count: 1 });
      } catch (err) {
        // The event may exist from before a restart: count it up next time rather than fail.
        logger.warn(
          { err, reason, object: `${object.namespace}/${object.name}` },
          'Event write failed',
        );
      }
    },
  };
};
