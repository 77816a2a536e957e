// The piscina worker: renders batches of nodes, one environment and revision cache per thread.

import { workerData } from 'node:worker_threads';
import { createTemplateEnvironment, type RenderLimits } from './environment.js';
import { loadTemplateFunctions } from './function-table.js';
import {
  createRevisionCache,
  runRenderTask,
  type RenderTask,
  type RenderTaskResult,
} from './render-task.js';

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

/** piscina calls this export by name (`run(task, { name: "renderBatch" })`). */
export const renderBatch = (task: RenderTask): RenderTaskResult => runRenderTask(env, cache, task);
