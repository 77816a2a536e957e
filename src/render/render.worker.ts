// The piscina worker: renders batches of nodes, one environment and revision cache per thread.

import { workerData } from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { createTemplateEnvironment, type RenderLimits } from './environment.js';
import { loadTemplateFunctions } from './function-table.js';
import { createRevisionCache, runRenderTask, type RenderTask } from './render-task.js';
import { packResults, type PackedBatch } from './result-packing.js';

/** What the pool passes every worker at start. */
export interface RenderWorkerData {
  readonly functionsModule?: string;
  readonly limits?: Partial<RenderLimits>;
  readonly cacheSize?: number;
}

/** A worker's answer to one task (see `RenderTask` for `uncached`). */
export type RenderWorkerReply =
  | { readonly kind: 'rendered'; readonly batch: PackedBatch; readonly compiled: boolean }
  | { readonly kind: 'uncached' };

/** A worker's answer to the pool's start-up probe. */
export interface RenderWorkerProbe {
  readonly functions: number;
}

const data = (workerData ?? {}) as RenderWorkerData;
// A library that cannot be loaded throws here, so the thread fails to start (and the pool's
// start-up probe with it) instead of rendering without functions.
const functions = await loadTemplateFunctions(data.functionsModule);
const env = createTemplateEnvironment({
  functions,
  ...(data.limits === undefined ? {} : { limits: data.limits }),
});
const cache = createRevisionCache(data.cacheSize ?? 16);

/** The pool runs this once at start: the thread loaded, with how many functions. */
export const probe = (): RenderWorkerProbe => ({ functions: functions.length });

/**
 * piscina calls this export by name (`run(task, { name: "renderBatch" })`). The manifests' JSON
 * travels in one transferred buffer (see result-packing).
 */
export const renderBatch = (task: RenderTask): RenderWorkerReply => {
  const out = runRenderTask(env, cache, task);
  if (out.kind === 'uncached') return out;
  const batch = packResults(out.results);
  const reply: RenderWorkerReply = { kind: 'rendered', batch, compiled: out.compiled };
  // piscina transfers what a movable value lists under its transferable symbol.
  return move({
    [transferableSymbol]: [batch.bytes, batch.index],
    [valueSymbol]: reply,
  }) as unknown as RenderWorkerReply;
};
