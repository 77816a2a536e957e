// Change detection's contract: a feed tells a hub that its table changed (a hint to read again, never data) and which mode it is in (SPEC H1b).

/** Where a hub hears about row changes from. */
export const changeFeedModes = {
  /** The database pushes (PostgreSQL NOTIFY) or a cheap probe sees a new change count (MySQL). */
  push: 'Push',
  /** No change signal: only the poll at `syncInterval` finds changes. */
  polling: 'Polling',
} as const;

export type ChangeFeedMode = (typeof changeFeedModes)[keyof typeof changeFeedModes];

/** Why a feed is in its mode (the `ChangeDetection` condition's reason). */
export const changeFeedReasons = {
  listening: 'Listening',
  probing: 'Probing',
  connecting: 'Connecting',
  connectionLost: 'ConnectionLost',
  triggerMissing: 'TriggerMissing',
  disabled: 'Disabled',
} as const;

export interface ChangeFeedState {
  readonly mode: ChangeFeedMode;
  readonly reason: string;
  readonly message: string;
}

/** What a feed reports to. Both calls are cheap and may come often; the hub coalesces. */
export interface ChangeFeedSink {
  /** The table may have changed: read it again soon. Carries nothing to trust. */
  changed(): void;
  /** The feed's mode changed. */
  state(state: ChangeFeedState): void;
}

/** A running feed; `stop` closes its connection and timers. Idempotent; never throws. */
export interface ChangeFeed {
  stop(): Promise<void>;
}

/** Reconnect delays: 1 s doubling to 30 s, reset by a successful connect. */
export const changeFeedBackoffMillis = (failures: number): number =>
  Math.min(30_000, 1_000 * 2 ** Math.max(0, Math.min(failures - 1, 10)));

/** The NOTIFY channel every Lynq trigger uses; the payload names the table (`schema.table`). */
export const pgChangeChannel = 'lynq_changes';

/** MySQL: the table the triggers count changes in, one row per watched table. */
export const mysqlChangeTable = 'lynq_changes';
