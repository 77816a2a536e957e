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

const data = (workerData ?? {}) as RenderWorkerData;
const env = createTemplateEnvironment({
  functions: await loadTemplateFunctions(data.functionsModule),
  ...(data.limits === undefined ? {} : { limits: data.limits }),
});
const cache = createRevisionCache(data.cacheSize ?? 16);

/**
 * piscina calls this export by name (`run(task, { name: "renderBatch" })`). The manifests' JSON
 * travels in one transferred buffer (see result-packing).
 */
export const renderBatch = (task: RenderTask): PackedBatch => {
  const packed = packResults(runRenderTask(env, cache, task).results);
  // piscina transfers what a movable value lists under its transferable symbol.
  return move({
    [transferableSymbol]: [packed.bytes, packed.index],
    [valueSymbol]: packed,
  }) as unknown as PackedBatch;
};
