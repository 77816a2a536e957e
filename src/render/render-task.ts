// One batch of nodes of one revision, rendered with compiled templates cached per revision.

import { compileForm, type CompiledForm } from './compile.js';
import type { TemplateEnvironment } from './environment.js';
import { scopeTable } from './kind-scope.js';
import { renderNode, type RenderNodeInput } from './render.js';
import type { NodeRenderResult, ResourceEntry } from './render-types.js';

/** What the pool sends a worker. */
export interface RenderTask {
  /** Identifies the revision (a content hash): compiled templates are cached under it. */
  readonly revisionKey: string;
  readonly resources: readonly ResourceEntry[];
  readonly nodes: readonly RenderNodeInput[];
  /** Extra kinds' scope, `Group/Kind` → namespaced (from discovery or `--namespaced-kind`). */
  readonly kindScopes: Readonly<Record<string, boolean>>;
  /**
   * Shared with the pool: the worker writes the time (ms since epoch) it starts the batch, so
   * the pool's time limit counts running time, not time spent queued or starting a thread.
   */
  readonly startedAt?: SharedArrayBuffer;
}

export interface RenderTaskResult {
  /** One per node, in task order. */
  readonly results: readonly NodeRenderResult[];
}

/** Compiled revisions, most recently used last; a worker keeps a handful. */
export interface RevisionCache {
  get(key: string, compile: () => CompiledForm): CompiledForm;
}

export const createRevisionCache = (capacity: number): RevisionCache => {
  const entries = new Map<string, CompiledForm>();
  return {
    get(key, compile) {
      const hit = entries.get(key);
      if (hit !== undefined) {
        entries.delete(key);
        entries.set(key, hit);
        return hit;
      }
      const compiled = compile();
      entries.set(key, compiled);
      if (entries.size > capacity) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
      return compiled;
    },
  };
};

/** Renders a batch. Never throws: every node gets a result. */
export const runRenderTask = (
  env: TemplateEnvironment,
  cache: RevisionCache,
  task: RenderTask,
): RenderTaskResult => {
  if (task.startedAt !== undefined) {
    Atomics.store(new BigInt64Array(task.startedAt), 0, BigInt(Date.now()));
  }
  const form = cache.get(task.revisionKey, () => compileForm(env, task.resources));
  const isNamespaced = scopeTable(task.kindScopes);
  const options = { isNamespaced, limits: env.limits };
  return { results: task.nodes.map((node) => renderNode(form, node, options)) };
};
