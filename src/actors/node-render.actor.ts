// Rendering a node (SPEC N1, N14, T5, T7): its revision read from the cluster, rendered through the batched worker pool, laid out in dependency levels.
import { resourceListNames, type ResourceEntry as FormEntry } from '../api/lynq-form.schema.js';
import type {
  ConflictPolicy,
  CreationPolicy,
  DeletionPolicy,
  PatchStrategy,
} from '../api/lynq-form.schema.js';
import { conditionReasons } from '../api/conditions.js';
import { invalidSpecError, LynqError, transientError } from '../errors.js';
import { isRecord } from '../kube/kube-object.js';
import { resourcePathCodes, type ResourcePaths } from '../kube/resource-paths.js';
import type {
  NodeRenderFailure,
  NodeRenderInput,
  NodeRenderOutput,
} from '../machines/node.machine.js';
import { buildDependencyGraph } from '../render/dependency-graph.js';
import { builtinKindScopes, groupKind } from '../render/kind-scope.js';
import type { RenderBatcher } from '../render/render-batcher.js';
import {
  formatIssue,
  identityCodes,
  isBudgetFailure,
  poolCodes,
  type RenderedManifest,
  type ResourceEntry,
} from '../render/render-types.js';

/** One resource of a node's render, with the policies of its entry (defaults filled in). */
export interface PlannedResource {
  readonly id: string;
  readonly level: number;
  readonly dependIds: readonly string[];
  readonly skipOnDependencyFailure: boolean;
  readonly waitForReady: boolean;
  /** How long it may take to become ready after its desired object changed (SPEC N8). */
  readonly timeoutSeconds: number;
  readonly policies: {
    readonly creationPolicy: CreationPolicy;
    readonly deletionPolicy: DeletionPolicy;
    readonly conflictPolicy: ConflictPolicy;
    readonly patchStrategy: PatchStrategy;
    readonly deleteAdopted: boolean;
    readonly allowClusterScopedTakeover: boolean;
    readonly ignoreFields: readonly string[];
    readonly recreateOnImmutableChange: boolean;
  };
  /** The rendered object; absent when its templates failed (`renderError`). */
  readonly manifest: RenderedManifest | undefined;
  readonly renderError: string | undefined;
  /**
   * Why it failed to render: `TemplateRenderError`, `UnknownKind` (a kind the server does not
   * serve), or `RenderBudgetExceeded` for the node.
   */
  readonly renderReason: string | undefined;
}

/** What the apply actor gets from a render: resources by level, in form order within a level. */
export interface NodePlan {
  readonly levels: readonly (readonly PlannedResource[])[];
}

export interface NodeRenderDeps {
  /** The pool behind a batcher: nodes of one revision rendering at once share a task (T7). */
  readonly renderer: Pick<RenderBatcher, 'render'>;
  readonly paths: ResourcePaths;
  /** The revision object (a ControllerRevision), `undefined` when it does not exist. */
  readonly readRevision: (namespace: string, name: string, signal: AbortSignal) => Promise<unknown>;
  /** The node's variables as last observed. */
  readonly variablesOf: (namespace: string, name: string) => Readonly<Record<string, unknown>>;
}

/** The resource entries of a revision's `data`, in list order (SPEC §1: all lists form one graph). */
const revisionEntries = (data: unknown): FormEntry[] => {
  if (!isRecord(data)) return [];
  const entries: FormEntry[] = [];
  for (const list of resourceListNames) {
    const value = data[list];
    if (!Array.isArray(value)) continue;
    for (const entry of value as unknown[]) {
      if (isRecord(entry) && typeof entry['id'] === 'string') entries.push(entry as FormEntry);
    }
  }
  return entries;
};

const renderEntry = (entry: FormEntry): ResourceEntry => ({
  id: entry.id,
  spec: entry.spec,
  nameTemplate: entry.nameTemplate,
  targetNamespace: entry.targetNamespace,
  labelsTemplate: entry.labelsTemplate,
  annotationsTemplate: entry.annotationsTemplate,
  dependIds: entry.dependIds,
});

const isTemplate = (text: string): boolean => text.includes('{{') || text.includes('{%');

/**
 * The scope of kinds beyond the built-in table, from discovery, for the entries whose
 * apiVersion and kind are plain text. A kind the server does not serve is left out: rendering
 * reports it for its resource alone. Throws what discovery throws otherwise (an abort, a
 * transient API error), so such a failure is retried rather than blamed on the template.
 */
const kindScopesOf = async (
  paths: ResourcePaths,
  entries: readonly FormEntry[],
  signal: AbortSignal,
): Promise<Record<string, boolean>> => {
  const scopes: Record<string, boolean> = {};
  await Promise.all(
    entries.map(async (entry) => {
      const spec = isRecord(entry.spec) ? entry.spec : {};
      const { apiVersion, kind } = spec;
      if (typeof apiVersion !== 'string' || typeof kind !== 'string') return;
      if (isTemplate(apiVersion) || isTemplate(kind)) return;
      const key = groupKind(apiVersion, kind);
      if (Object.hasOwn(builtinKindScopes, key)) return;
      try {
        scopes[key] = await paths.isNamespaced(apiVersion, kind, signal);
      } catch (err) {
        // Unknown to the server: the render fails that resource with UnknownKind (N14). An
        // abort, an unreachable server or a failed discovery fails the whole pass instead.
        if (err instanceof LynqError && err.code === resourcePathCodes.unknownKind) return;
        throw err;
      }
    }),
  );
  return scopes;
};

/**
 * Renders a node: reads its revision, renders it with the node's variables in the pool, and
 * lays the resources out by dependency level. Per-resource template errors stay with their
 * resource (N14). A node over its render budget (time, output, worker heap: T5) resolves with
 * `failure` set and every resource failed with `RenderBudgetExceeded`: the same inputs would
 * fail again, so it resolves (a failed apply pass that retries nothing) instead of rejecting
 * (which would be retried with backoff). Throws `RevisionNotFound` (transient: the revision
 * may still arrive) when the named revision does not exist, an invalid-spec error when its graph
 * is broken, and a transient `RenderAborted` when the pool could not render the node for a
 * reason that may pass (cancelled, pool stopped, worker crashed).
 */
export const renderNodePlan = async (
  deps: NodeRenderDeps,
  input: NodeRenderInput,
  signal: AbortSignal,
): Promise<NodeRenderOutput> => {
  const { node, observation } = input;
  const revision = observation.revision;
  if (revision === undefined) {
    throw transientError(conditionReasons.waitingForRevision, 'the node has no revision yet');
  }
  const object = await deps.readRevision(node.namespace, revision, signal);
  if (object === undefined) {
    throw transientError(
      conditionReasons.revisionNotFound,
      `revision ${revision} (ControllerRevision ${node.namespace}/${revision}) does not exist`,
    );
  }
  const entries = revisionEntries(isRecord(object) ? object['data'] : undefined);
  const graph = buildDependencyGraph(entries);
  if (!graph.ok) {
    throw invalidSpecError(
      'InvalidRevision',
      `revision ${revision}: ${graph.errors.map((e) => e.message).join('; ')}`,
    );
  }
  const result = await deps.renderer.render(
    {
      revisionKey: `${node.namespace}/${revision}`,
      resources: entries.map(renderEntry),
      node: { variables: deps.variablesOf(node.namespace, node.name), namespace: node.namespace },
      kindScopes: await kindScopesOf(deps.paths, entries, signal),
    },
    signal,
  );
  let failure: NodeRenderFailure | undefined;
  const manifests = new Map<string, RenderedManifest>();
  const errors = new Map<string, string[]>();
  // A kind the server does not serve is no template error: say so, as an apply would.
  const unknownKinds = new Set<string>();
  if (result.ok) {
    for (const m of result.manifests) manifests.set(m.id, m);
    for (const issue of result.errors) {
      const list = errors.get(issue.resourceId) ?? [];
      list.push(formatIssue(issue));
      errors.set(issue.resourceId, list);
      if (issue.code === identityCodes.unknownKind) unknownKinds.add(issue.resourceId);
    }
  } else if (isBudgetFailure(result)) {
    const message = result.errors.map((issue) => issue.message).join('; ');
    failure = { reason: conditionReasons.renderBudgetExceeded, message, retryable: false };
    for (const entry of entries) errors.set(entry.id, [message]);
  } else {
    throw transientError(poolCodes.renderAborted, result.errors.map(formatIssue).join('; '));
  }
  const byId = new Map(entries.map((e) => [e.id, e]));
  const levels = graph.levels.map((ids, level) =>
    ids.flatMap((id): PlannedResource[] => {
      // Revisions are data from the cluster: the CRD defaults may be missing, so fill them in.
      const entry: Partial<FormEntry> | undefined = byId.get(id);
      if (entry === undefined) return [];
      const manifest = manifests.get(id);
      const renderError =
        errors.get(id)?.join('; ') ?? (manifest === undefined ? 'not rendered' : undefined);
      return [
        {
          id,
          level,
          dependIds: entry.dependIds ?? [],
          skipOnDependencyFailure: entry.skipOnDependencyFailure ?? true,
          waitForReady: entry.waitForReady ?? true,
          timeoutSeconds: entry.timeoutSeconds ?? 300,
          policies: {
            creationPolicy: entry.creationPolicy ?? 'WhenNeeded',
            deletionPolicy: entry.deletionPolicy ?? 'Delete',
            conflictPolicy: entry.conflictPolicy ?? 'Stuck',
            patchStrategy: entry.patchStrategy ?? 'apply',
            deleteAdopted: entry.deleteAdopted ?? false,
            allowClusterScopedTakeover: entry.allowClusterScopedTakeover ?? false,
            ignoreFields: entry.ignoreFields ?? [],
            recreateOnImmutableChange: entry.recreateOnImmutableChange ?? false,
          },
          manifest: renderError === undefined ? manifest : undefined,
          renderError,
          renderReason:
            renderError === undefined
              ? undefined
              : (failure?.reason ??
                (unknownKinds.has(id)
                  ? identityCodes.unknownKind
                  : conditionReasons.templateRenderError)),
        },
      ];
    }),
  );
  const plan: NodePlan = { levels };
  return {
    generation: observation.generation,
    revision,
    plan,
    ...(failure === undefined ? {} : { failure }),
  };
};
