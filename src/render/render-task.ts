// One batch of nodes of one revision, rendered with compiled templates cached per revision.

import { compileForm, type CompiledForm } from './compile.js';
import type { TemplateEnvironment } from './environment.js';
import { scopeTable } from './kind-scope.js';
import { renderNode, type RenderNodeInput } from './render.js';
import type { NodeRenderResult, ResourceEntry } from './render-types.js';
import { markBatchStart } from './batch-clock.js';

/** What the pool sends a worker. */
export interface RenderTask {
  /**
   * Identifies the revision's content (the pool adds a hash of the resources to the caller's
   * key): compiled templates are cached under it, so one key never means two forms.
   */
  readonly revisionKey: string;
  /**
   * The revision's resources. Left out when the pool expects the worker to have compiled them
   * already; a worker that has not answers `uncached`, and the pool sends the task again with them.
   */
  readonly resources?: readonly ResourceEntry[];
  readonly nodes: readonly RenderNodeInput[];
  /** Extra kinds' scope, `Group/Kind` → namespaced (from discovery or `--namespaced-kind`). */
  readonly kindScopes: Readonly<Record<string, boolean>>;
  /**
   * Shared with the pool (see `batch-clock.ts`): the worker writes when it starts the batch, so
   * the pool's time limit counts running time, not time spent queued or starting a thread, and
   * on which thread at what CPU time, so that it counts CPU, not waiting for a core.
   */
  readonly startedAt?: SharedArrayBuffer;
}

/** A rendered batch, or the worker's word that it needs the resources (see `RenderTask`). */
export type RenderTaskResult =
  | {
      readonly kind: 'rendered';
      /** One per node, in task order. */
      readonly results: readonly NodeRenderResult[];
      /** This task compiled the revision (a cache miss with resources at hand). */
      readonly compiled: boolean;
    }
  | { readonly kind: 'uncached' };

/** Compiled revisions, most recently used last; a worker keeps a handful. */
export interface RevisionCache {
  /** The compiled revision, or `undefined`; a hit becomes the most recently used. */
  lookup(key: string): CompiledForm | undefined;
  /** Adds a compiled revision, evicting the least recently used past the capacity. */
  store(key: string, compiled: CompiledForm): void;
}

export const createRevisionCache = (capacity: number): RevisionCache => {
  const entries = new Map<string, CompiledForm>();
  return {
    lookup(key) {
      const hit = entries.get(key);
      if (hit !== undefined) {
        entries.delete(key);
        entries.set(key, hit);
      }
      return hit;
    },
    store(key, compiled) {
      entries.delete(key);
      entries.set(key, compiled);
      if (entries.size > capacity) {
        const oldest = entries.keys().next();
        if (oldest.done !== true) entries.delete(oldest.value);
      }
    },
  };
};

/** Renders a batch. Never throws: every node gets a result, unless the revision is uncached. */
export const runRenderTask = (
  env: TemplateEnvironment,
  cache: RevisionCache,
  task: RenderTask,
): RenderTaskResult => {
  if (task.startedAt !== undefined) markBatchStart(new BigInt64Array(task.startedAt));
  let form = cache.lookup(task.revisionKey);
  const compiled = form === undefined;
  if (form === undefined) {
    if (task.resources === undefined) return { kind: 'uncached' };
    form = compileForm(env, task.resources);
    cache.store(task.revisionKey, form);
  }
  const isNamespaced = scopeTable(task.kindScopes);
  const options = { isNamespaced, limits: env.limits };
  const compiledForm = form;
  return {
    kind: 'rendered',
    results: task.nodes.map((node) => renderNode(compiledForm, node, options)),
    compiled,
  };
};
