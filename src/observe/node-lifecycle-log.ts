// One info line per node created, updated, deleted, released or failed, rate-limited into a progress summary when a rollout moves thousands of nodes (SPEC O5).
import type { Logger } from 'pino';

export const nodeLifecycleActions = {
  created: 'created',
  updated: 'updated',
  deleted: 'deleted',
  released: 'released',
  failed: 'failed',
} as const;

export type NodeLifecycleAction = (typeof nodeLifecycleActions)[keyof typeof nodeLifecycleActions];

export interface NodeLifecycleEntry {
  readonly action: NodeLifecycleAction;
  /** `namespace/name` of the hub. */
  readonly hub: string;
  readonly form: string;
  readonly node: string;
  readonly reason: string;
  /** What the entry is about beyond the node, e.g. which of its objects it released. */
  readonly detail?: string;
}

/** Schedules `run` after `ms`; returns a cancel. Injected so tests need no clock. */
export type Schedule = (run: () => void, ms: number) => () => void;

const realSchedule: Schedule = (run, ms) => {
  const timer = setTimeout(run, ms);
  // A pending summary never keeps the process alive.
  timer.unref();
  return () => {
    clearTimeout(timer);
  };
};

export interface NodeLifecycleLogOptions {
  /** Length of one window (default 5 s). */
  readonly windowMs?: number;
  /** Lines per window written one by one; the rest are counted into the summary (default 20). */
  readonly linesPerWindow?: number;
  readonly schedule?: Schedule;
}

export interface NodeLifecycleLog {
  record(entry: NodeLifecycleEntry): void;
  /** Writes the summary of what is still counted, and stops the timer. */
  flush(): void;
}

const messages: Readonly<Record<NodeLifecycleAction, string>> = {
  created: 'Node created',
  updated: 'Node updated',
  deleted: 'Node deleted',
  released: 'Node released',
  failed: 'Node failed',
};

/**
 * The first `linesPerWindow` entries of a window are logged one by one (with hub, form, node and
 * reason); the others are only counted, per action and hub, and one `Node changes` line at the
 * end of the window says how many there were. A 10,000-node rollout thus prints a few lines
 * every few seconds, never 10,000.
 */
export const createNodeLifecycleLog = (
  logger: Logger,
  options: NodeLifecycleLogOptions = {},
): NodeLifecycleLog => {
  const windowMs = options.windowMs ?? 5_000;
  const linesPerWindow = options.linesPerWindow ?? 20;
  const schedule = options.schedule ?? realSchedule;
  let written = 0;
  let counted = new Map<string, Record<string, number>>();
  let cancel: (() => void) | undefined;

  const endWindow = (): void => {
    cancel = undefined;
    written = 0;
    if (counted.size === 0) return;
    const byHub = Object.fromEntries(counted);
    const total = [...counted.values()].reduce(
      (sum, actions) => sum + Object.values(actions).reduce((a, b) => a + b, 0),
      0,
    );
    counted = new Map();
    logger.info({ windowMs, notLogged: total, byHub }, 'Node changes');
    // Keep summarising while the flood goes on: the next window starts now.
    cancel = schedule(endWindow, windowMs);
  };

  return {
    record: (entry) => {
      cancel ??= schedule(endWindow, windowMs);
      if (written < linesPerWindow) {
        written += 1;
        const { action, ...fields } = entry;
        logger.info(fields, messages[action]);
        return;
      }
      const actions = counted.get(entry.hub) ?? {};
      actions[entry.action] = (actions[entry.action] ?? 0) + 1;
      counted.set(entry.hub, actions);
    },
    flush: () => {
      cancel?.();
      endWindow();
      cancel?.();
      cancel = undefined;
    },
  };
};
