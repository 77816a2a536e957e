// Keeps the deletion-protection label (the "mark") of every LynqNode in step with its hub's and form's annotation, one pass per hub at a time (SPEC H8).
import type { Logger } from 'pino';
import type { LynqForm } from '../api/lynq-form.schema.js';
import type { LynqHub } from '../api/lynq-hub.schema.js';
import type { LynqNode } from '../api/lynq-node.schema.js';
import { messageOf } from '../errors.js';
import { hasProtectionLabel, isProtected } from '../api/deletion-protection.js';
import { planProtectionMarks, wantsMark } from '../reconcile/protection-marks.js';
import { runBounded } from './run-bounded.js';

export interface ProtectionMarkerDeps {
  readonly getHub: (namespace: string, name: string) => LynqHub | undefined;
  readonly formsOfHub: (namespace: string, hub: string) => readonly LynqForm[];
  readonly nodesOfHub: (namespace: string, hub: string) => readonly LynqNode[];
  /**
   * Adds or removes the mark with a JSON patch that tests `metadata.uid`; a node gone or
   * re-created meanwhile rejects, and the next pass sees it.
   */
  readonly setProtectionLabel: (
    node: LynqNode,
    marked: boolean,
    signal: AbortSignal,
  ) => Promise<void>;
  readonly logger: Logger;
  /** Delay before a failed pass runs again. Default 2 s. */
  readonly retryMillis?: number;
}

export interface ProtectionMarker {
  /**
   * From now on marks are written, starting with a pass over `hubs`. Not before every cache is
   * synced: a hub or form missing from a cold cache would look unprotected and unmark its nodes.
   */
  start(hubs: readonly { readonly namespace: string; readonly name: string }[]): void;
  /** The hub, one of its forms, or the set of its forms changed: check every node of the hub. */
  hubChanged(namespace: string, hub: string): void;
  /** A node was added or changed: checks it, and runs a pass of its hub when its mark is off. */
  nodeChanged(node: LynqNode, hub: string): void;
  stop(): void;
}

const keyOf = (namespace: string, name: string): string => `${namespace}/${name}`;

/** Mark writes under way at once for one hub. */
const writeConcurrency = 16;

/**
 * A mark is a safety property, so it does not wait for the hub's rows or its form's validity:
 * it is kept while the database is down, the hub is suspended or the form invalid. Passes of one
 * hub never overlap; a change during a pass runs one more pass right after it.
 */
export const createProtectionMarker = (deps: ProtectionMarkerDeps): ProtectionMarker => {
  const stopping = new AbortController();
  const running = new Set<string>();
  const again = new Set<string>();
  const timers = new Map<string, NodeJS.Timeout>();

  const protectedFormsOf = (namespace: string, hub: string): Set<string> =>
    new Set(
      deps
        .formsOfHub(namespace, hub)
        .filter((f) => isProtected(f))
        .map((f) => f.metadata.name ?? ''),
    );

  const pass = async (namespace: string, hub: string): Promise<void> => {
    const nodes = [...deps.nodesOfHub(namespace, hub)];
    const plan = planProtectionMarks({
      hubProtected: isProtected(deps.getHub(namespace, hub)),
      protectedForms: protectedFormsOf(namespace, hub),
      nodes: nodes.map((n) => ({
        name: n.metadata.name ?? '',
        form: n.spec.templateRef,
        marked: hasProtectionLabel(n),
        deleting: n.metadata.deletionTimestamp !== undefined,
      })),
    });
    const byName = new Map(nodes.map((n) => [n.metadata.name ?? '', n]));
    const writes = [
      ...plan.mark.map((name) => [name, true] as const),
      ...plan.unmark.map((name) => [name, false] as const),
    ].flatMap(([name, marked]) => {
      const node = byName.get(name);
      return node === undefined
        ? []
        : [() => deps.setProtectionLabel(node, marked, stopping.signal).then(() => name)];
    });
    const failed = (await runBounded(writes, writeConcurrency, stopping.signal)).filter(
      (r): r is PromiseRejectedResult => r.status === 'rejected',
    );
    if (failed.length > 0 && !stopping.signal.aborted) {
      throw new Error(
        `${String(failed.length)} of ${String(writes.length)} mark writes failed; first: ${messageOf(failed[0]?.reason)}`,
      );
    }
  };

  const schedule = (namespace: string, hub: string): void => {
    if (stopping.signal.aborted) return;
    const key = keyOf(namespace, hub);
    if (running.has(key)) {
      again.add(key);
      return;
    }
    running.add(key);
    void pass(namespace, hub)
      .then(
        () => undefined,
        (err: unknown) => {
          deps.logger.warn({ hub: key, err: messageOf(err) }, 'Deletion-protection marks failed');
          if (stopping.signal.aborted || timers.has(key)) return;
          timers.set(
            key,
            setTimeout(() => {
              timers.delete(key);
              schedule(namespace, hub);
            }, deps.retryMillis ?? 2_000),
          );
        },
      )
      .finally(() => {
        running.delete(key);
        if (again.delete(key)) schedule(namespace, hub);
      });
  };

  let started = false;

  return {
    start: (hubs) => {
      started = true;
      for (const { namespace, name } of hubs) schedule(namespace, name);
    },
    hubChanged: (namespace, hub) => {
      if (started) schedule(namespace, hub);
    },
    nodeChanged: (node, hub) => {
      if (!started || node.metadata.deletionTimestamp !== undefined) return;
      const namespace = node.metadata.namespace ?? '';
      // Cheap per node: a status update of a node whose mark is right costs two lookups.
      const form = deps
        .formsOfHub(namespace, hub)
        .find((f) => f.metadata.name === node.spec.templateRef);
      const wanted = wantsMark(
        isProtected(deps.getHub(namespace, hub)),
        isProtected(form) ? new Set([node.spec.templateRef]) : new Set<string>(),
        node.spec.templateRef,
      );
      if (wanted !== hasProtectionLabel(node)) schedule(namespace, hub);
    },
    stop: () => {
      stopping.abort();
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
};
