// Every change of a namespace's LynqNodes in the API server's own order (a watch from a listed resourceVersion), to replay a rollout exactly rather than sample it.
import { request } from 'node:https';
import type { ClientRequest } from 'node:http';
import type { KubeConfig } from '@kubernetes/client-node';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { kubeRequest } from '../harness/kube-request.js';

/** What a replay needs of one node version. */
export interface NodeVersion {
  readonly metadata: {
    readonly name: string;
    readonly generation?: number;
    readonly resourceVersion?: string;
  };
  readonly spec: { readonly revision?: string };
  readonly status?: {
    readonly observedGeneration?: number;
    readonly conditions?: readonly { readonly type: string; readonly status: string }[];
  };
}

export interface NodeHistory {
  /** The nodes as listed when recording started. */
  readonly initial: readonly NodeVersion[];
  /** Every watch event since, in the server's order. */
  readonly events: readonly { readonly type: string; readonly object: NodeVersion }[];
  stop(): void;
}

/** Ready at its current generation: what the form counts as done (F4). */
export const readyAtGeneration = (node: NodeVersion): boolean =>
  node.status !== undefined &&
  node.status.observedGeneration === node.metadata.generation &&
  (node.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);

/** Lists the namespace's nodes and watches from that list's resourceVersion. */
export const recordNodeHistory = async (kc: KubeConfig, ns: string): Promise<NodeHistory> => {
  const listed = await kubeRequest(kc, { method: 'GET', path: lynqPath('lynqnodes', ns) });
  if (listed.status !== 200) throw new Error(`listing nodes failed: ${listed.text}`);
  const list = listed.body as {
    metadata: { resourceVersion: string };
    items: NodeVersion[];
  };
  const events: { type: string; object: NodeVersion }[] = [];
  const cluster = kc.getCurrentCluster();
  if (cluster === null) throw new Error('kubeconfig has no current cluster');
  const url = new URL(
    `${lynqPath('lynqnodes', ns)}?watch=1&resourceVersion=${list.metadata.resourceVersion}&timeoutSeconds=1800`,
    cluster.server,
  );
  const options: Parameters<typeof request>[1] = { method: 'GET', headers: {} };
  await kc.applyToHTTPSOptions(options);
  let call: ClientRequest | undefined;
  await new Promise<void>((resolve, reject) => {
    call = request(url, options, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`watch answered ${String(res.statusCode)}`));
        return;
      }
      let buffered = '';
      res.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        let newline = buffered.indexOf('\n');
        while (newline >= 0) {
          const line = buffered.slice(0, newline);
          buffered = buffered.slice(newline + 1);
          if (line.trim() !== '')
            events.push(JSON.parse(line) as { type: string; object: NodeVersion });
          newline = buffered.indexOf('\n');
        }
      });
      res.on('error', () => undefined);
      resolve();
    });
    call.on('error', (err) => {
      reject(err);
    });
    call.end();
  });
  return {
    initial: list.items,
    events,
    stop: () => call?.destroy(),
  };
};

export interface RolloutReplay {
  /** The most nodes ever moved to `target` and not yet Ready at their generation, at once. */
  readonly maxUpdating: number;
  /** Nodes in the order they moved to `target`. */
  readonly moves: readonly string[];
  /** The node versions after the last event. */
  readonly latest: ReadonlyMap<string, NodeVersion>;
}

/**
 * Replays the history: after every event, counts the nodes that moved from another revision
 * to `target` during the recording and are not Ready at their generation yet.
 */
export const replayRollout = (history: NodeHistory, target: string): RolloutReplay => {
  const latest = new Map<string, NodeVersion>(history.initial.map((n) => [n.metadata.name, n]));
  const moved = new Set<string>();
  const moves: string[] = [];
  let maxUpdating = 0;
  for (const { type, object } of history.events) {
    if (type === 'BOOKMARK' || type === 'ERROR') continue;
    const name = object.metadata.name;
    const before = latest.get(name);
    if (type === 'DELETED') latest.delete(name);
    else latest.set(name, object);
    if (
      type !== 'DELETED' &&
      before?.spec.revision !== undefined &&
      before.spec.revision !== target &&
      object.spec.revision === target
    ) {
      moved.add(name);
      moves.push(name);
    }
    let updating = 0;
    for (const name of moved) {
      const node = latest.get(name);
      if (node !== undefined && node.spec.revision === target && !readyAtGeneration(node))
        updating += 1;
    }
    maxUpdating = Math.max(maxUpdating, updating);
  }
  return { maxUpdating, moves, latest };
};
