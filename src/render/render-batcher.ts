// Gathers single-node render requests of one revision into one pool call (DESIGN 6, T7).

import type { RenderNodeInput } from './render.js';
import type { RenderPool } from './render-pool.js';
import { poolCodes, type NodeRenderResult, type ResourceEntry } from './render-types.js';

/** One node to render, as a node actor asks for it. */
export interface NodeRenderRequest {
  /** Names one revision: requests with the same key (and kind scopes) share one batch. */
  readonly revisionKey: string;
  readonly resources: readonly ResourceEntry[];
  readonly node: RenderNodeInput;
  readonly kindScopes?: Readonly<Record<string, boolean>>;
}

export interface RenderBatcherOptions {
  /** How long the first request of a batch waits for others of its revision, in ms (default 5). */
  readonly windowMs?: number;
  /** A batch is sent at once when it holds this many nodes (default 500, the pool's batch). */
  readonly maxNodes?: number;
  /** … or this much estimated output, in bytes (default 512 KiB, the pool's batch target). */
  readonly maxBytes?: number;
}

export interface RenderBatcherStats {
  /** Pool calls made. */
  readonly batches: number;
  /** Nodes sent in them. */
  readonly nodes: number;
}

export interface RenderBatcher {
  /**
   * Renders one node together with the other nodes of its revision that arrive within the
   * window. Never rejects: the node gets its own result (the pool isolates a culprit, so one
   * bad node fails alone); a cancelled request resolves at once with `RenderAborted`.
   */
  render(request: NodeRenderRequest, signal?: AbortSignal): Promise<NodeRenderResult>;
  /** Sends every gathered batch now (at shutdown, or when waiting cannot help). */
  flush(): void;
  stats(): RenderBatcherStats;
}

interface Member {
  readonly node: RenderNodeInput;
  /** Its share of the batch's estimated output. */
  readonly bytes: number;
  readonly resolve: (result: NodeRenderResult) => void;
  readonly signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  settled: boolean;
}

interface Batch {
  readonly key: string;
  readonly revisionKey: string;
  readonly resources: readonly ResourceEntry[];
  readonly kindScopes: Readonly<Record<string, boolean>> | undefined;
  readonly resourceBytes: number;
  readonly members: Member[];
  bytes: number;
  timer: NodeJS.Timeout | undefined;
  /** Set once sent: aborted when every member has given up. */
  cancel: AbortController | undefined;
}

const aborted = (message: string): NodeRenderResult => ({
  ok: false,
  errors: [{ code: poolCodes.renderAborted, resourceId: '', field: '', message }],
});

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Kind scopes in a stable order, so equal tables give one batch key. */
const scopesKey = (scopes: Readonly<Record<string, boolean>> | undefined): string =>
  scopes === undefined
    ? ''
    : JSON.stringify(Object.entries(scopes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * Creates a batcher in front of `pool`. Requests of one revision and kind scopes are gathered
 * for at most `windowMs` after the first, and sent sooner when the batch reaches `maxNodes` or
 * `maxBytes` of estimated output (the pool's own estimate: the form's size plus twice the
 * variables). The first request's resources stand for the batch: a revision key names one
 * content. A member that is cancelled before its batch is sent leaves it; after, it is answered
 * at once and its batch is cancelled only when no member still waits.
 */
export const createRenderBatcher = (
  pool: Pick<RenderPool, 'render'>,
  options: RenderBatcherOptions = {},
): RenderBatcher => {
  const windowMs = options.windowMs ?? 5;
  const maxNodes = Math.max(1, options.maxNodes ?? 500);
  const maxBytes = options.maxBytes ?? 512 * 1024;
  const gathering = new Map<string, Batch>();
  let batches = 0;
  let nodes = 0;

  const settle = (member: Member, result: NodeRenderResult): void => {
    if (member.settled) return;
    member.settled = true;
    if (member.onAbort !== undefined) member.signal?.removeEventListener('abort', member.onAbort);
    member.resolve(result);
  };

  const send = (batch: Batch): void => {
    if (gathering.get(batch.key) === batch) gathering.delete(batch.key);
    clearTimeout(batch.timer);
    const members = batch.members.filter((m) => !m.settled);
    if (members.length === 0) return;
    const cancel = new AbortController();
    batch.cancel = cancel;
    batches += 1;
    nodes += members.length;
    void pool
      .render(
        {
          revisionKey: batch.revisionKey,
          resources: batch.resources,
          nodes: members.map((m) => m.node),
          ...(batch.kindScopes === undefined ? {} : { kindScopes: batch.kindScopes }),
        },
        cancel.signal,
      )
      .then(
        (results) => {
          members.forEach((m, i) => {
            settle(m, results[i] ?? aborted('the pool returned no result for this node'));
          });
        },
        // The pool promises never to reject; if it does, every member still gets an answer.
        (err: unknown) => {
          const message = `render failed: ${messageOf(err)}`;
          for (const m of members) settle(m, aborted(message));
        },
      );
  };

  const leave = (batch: Batch, member: Member): void => {
    settle(member, aborted('render cancelled'));
    if (batch.cancel === undefined) {
      const at = batch.members.indexOf(member);
      if (at >= 0) batch.members.splice(at, 1);
      batch.bytes -= member.bytes;
      if (batch.members.length === 0) {
        clearTimeout(batch.timer);
        if (gathering.get(batch.key) === batch) gathering.delete(batch.key);
      }
    } else if (batch.members.every((m) => m.settled)) {
      batch.cancel.abort();
    }
  };

  return {
    render(request, signal) {
      if (signal?.aborted === true) return Promise.resolve(aborted('render cancelled'));
      const key = `${request.revisionKey}\u0000${scopesKey(request.kindScopes)}`;
      let batch = gathering.get(key);
      if (batch === undefined) {
        const resourceBytes = JSON.stringify(request.resources).length;
        const created: Batch = {
          key,
          revisionKey: request.revisionKey,
          resources: request.resources,
          kindScopes: request.kindScopes,
          resourceBytes,
          members: [],
          bytes: 0,
          timer: undefined,
          cancel: undefined,
        };
        created.timer = setTimeout(() => {
          send(created);
        }, windowMs);
        gathering.set(key, created);
        batch = created;
      }
      const current = batch;
      return new Promise<NodeRenderResult>((resolve) => {
        const member: Member = {
          node: request.node,
          bytes: current.resourceBytes + 2 * JSON.stringify(request.node.variables).length,
          resolve,
          signal,
          onAbort: undefined,
          settled: false,
        };
        if (signal !== undefined) {
          member.onAbort = () => {
            leave(current, member);
          };
          signal.addEventListener('abort', member.onAbort, { once: true });
        }
        current.members.push(member);
        current.bytes += member.bytes;
        if (current.members.length >= maxNodes || current.bytes >= maxBytes) send(current);
      });
    },
    flush() {
      for (const batch of [...gathering.values()]) send(batch);
    },
    stats() {
      return { batches, nodes };
    },
  };
};
