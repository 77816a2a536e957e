// Waiting requests in per-hub queues with priority, served in turns across hubs (SPEC P4, DESIGN 9).
import { priorityRank, requestPriorities, type RequestPriority } from './traffic-lane.js';

export interface FairQueue<T> {
  /** Adds `item` at the back of its priority in `lane`'s queue. */
  push(lane: string, priority: RequestPriority, item: T): void;
  /**
   * The next item: the lanes with waiting items take turns (one item each, in the order they
   * first had something waiting), and a lane gives its most urgent, oldest item.
   */
  shift(): T | undefined;
  /** Takes `item` out wherever it waits (an aborted request); false when it is not waiting. */
  remove(lane: string, priority: RequestPriority, item: T): boolean;
  readonly size: number;
  /** Items waiting per priority, over all lanes. */
  depth(): Record<RequestPriority, number>;
}

/**
 * A first-in first-out list that takes from a moving head: `Array.prototype.shift` moves every
 * element, and one hub's 10,000-row insert queues tens of thousands of requests in one lane.
 */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.head += 1;
    // Drop the taken prefix once it is most of the array, so the array stays O(waiting).
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Takes out `item` where it waits; false when it does not. */
  remove(item: T): boolean {
    const at = this.items.indexOf(item, this.head);
    if (at < 0) return false;
    this.items.splice(at, 1);
    return true;
  }
}

/** An empty queue. Every operation is O(lanes + priorities) at most, never O(items) but `remove`. */
export const createFairQueue = <T>(): FairQueue<T> => {
  /** Per lane, one FIFO per priority rank. */
  const lanes = new Map<string, Fifo<T>[]>();
  /** Lanes with something waiting, in turn order; `turn` is the index of the next to serve. */
  const ring: string[] = [];
  let turn = 0;
  let size = 0;
  const depth = requestPriorities.map(() => 0);

  const dropLane = (lane: string): void => {
    lanes.delete(lane);
    const at = ring.indexOf(lane);
    if (at < 0) return;
    ring.splice(at, 1);
    if (at < turn) turn -= 1;
    if (turn >= ring.length) turn = 0;
  };

  return {
    push: (lane, priority, item) => {
      let queues = lanes.get(lane);
      if (queues === undefined) {
        queues = requestPriorities.map(() => new Fifo<T>());
        lanes.set(lane, queues);
        // A newcomer waits for the lanes already waiting: it joins just before the one served next.
        ring.splice(turn, 0, lane);
        turn += 1;
        if (turn >= ring.length) turn = 0;
      }
      const rank = priorityRank(priority);
      queues[rank]?.push(item);
      depth[rank] = (depth[rank] ?? 0) + 1;
      size += 1;
    },
    shift: () => {
      const lane = ring[turn];
      if (lane === undefined) return undefined;
      const queues = lanes.get(lane) ?? [];
      const rank = queues.findIndex((q) => q.length > 0);
      const item = queues[rank]?.shift();
      if (item === undefined) {
        dropLane(lane);
        return undefined;
      }
      depth[rank] = (depth[rank] ?? 1) - 1;
      size -= 1;
      if (queues.every((q) => q.length === 0)) {
        dropLane(lane);
      } else {
        turn = (turn + 1) % ring.length;
      }
      return item;
    },
    remove: (lane, priority, item) => {
      const queues = lanes.get(lane);
      const rank = priorityRank(priority);
      if (queues?.[rank]?.remove(item) !== true) return false;
      depth[rank] = (depth[rank] ?? 1) - 1;
      size -= 1;
      if (queues.every((q) => q.length === 0)) dropLane(lane);
      return true;
    },
    get size() {
      return size;
    },
    depth: () =>
      Object.fromEntries(requestPriorities.map((p, i) => [p, depth[i] ?? 0])) as Record<
        RequestPriority,
        number
      >,
  };
};
