// Form validation (SPEC F1): every reason a form cannot be rendered, found before any node uses it, each as one line a person can act on.
import {
  resourceListNames,
  type LynqFormSpec,
  type ResourceEntry,
  type ResourceListName,
} from '../api/lynq-form.schema.js';
import { compileForm } from '../render/compile.js';
import { buildDependencyGraph, graphCodes } from '../render/dependency-graph.js';
import type { TemplateEnvironment } from '../render/environment.js';
import { serverPopulatedMetadata } from '../render/object-identity.js';
import { formatIssue } from '../render/render-types.js';
import { parseJsonPath } from '../api/json-path.js';

/** A resource entry with where it sits in the form, for messages. */
export interface LocatedEntry {
  readonly list: ResourceListName;
  readonly index: number;
  readonly entry: ResourceEntry;
}

/** Every resource entry of the form, in SPEC list order (the lists form one graph, SPEC §1). */
const formEntries = (spec: LynqFormSpec): LocatedEntry[] =>
  resourceListNames.flatMap((list) =>
    (spec[list] ?? []).map((entry, index) => ({ list, index, entry })),
  );

const where = (e: LocatedEntry): string => `${e.list}[${String(e.index)}] (id "${e.entry.id}")`;

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const idErrors = (entries: readonly LocatedEntry[]): string[] => {
  const errors: string[] = [];
  const byId = new Map<string, LocatedEntry[]>();
  for (const e of entries) {
    if (e.entry.id.trim() === '') {
      errors.push(`${e.list}[${String(e.index)}]: the resource id is empty`);
      continue;
    }
    byId.set(e.entry.id, [...(byId.get(e.entry.id) ?? []), e]);
  }
  for (const [id, uses] of byId) {
    if (uses.length > 1) {
      errors.push(
        `resource id "${id}" is used more than once: ${uses.map((u) => `${u.list}[${String(u.index)}]`).join(', ')}`,
      );
    }
  }
  return errors;
};

const serverFieldErrors = (e: LocatedEntry): string[] => {
  const spec = e.entry.spec;
  if (!isRecord(spec)) return [`${where(e)}: spec must be an object (a manifest)`];
  const errors: string[] = [];
  const metadata = spec['metadata'];
  if (isRecord(metadata)) {
    // Fields the API server sets: a template must not write them (SPEC F1, N3).
    for (const field of serverPopulatedMetadata) {
      if (field in metadata) {
        errors.push(
          `${where(e)}: spec.metadata.${field} is set by the API server and must not be in a template`,
        );
      }
    }
  }
  if ('status' in spec) {
    errors.push(`${where(e)}: spec.status is set by the API server and must not be in a template`);
  }
  return errors;
};

const ignoreFieldErrors = (e: LocatedEntry): string[] =>
  (e.entry.ignoreFields ?? []).flatMap((path, i) => {
    const parsed = parseJsonPath(path);
    return parsed.ok ? [] : [`${where(e)}: ignoreFields[${String(i)}] ${parsed.message}`];
  });

export interface FormValidationInput {
  readonly spec: LynqFormSpec;
  /** The hub named by `spec.hubId` exists in the form's namespace. */
  readonly hubExists: boolean;
  readonly namespace: string;
  /** The template environment with the real function library (unknown functions fail). */
  readonly env: TemplateEnvironment;
}

/**
 * Every error of the form, in a stable order: hub, ids, dependencies and cycles (with the cycle's
 * path), templates (resource, field, line and column), ignoreFields, server-populated fields.
 * An empty list means the form is valid. Pure apart from compiling templates; never throws.
 */
export const validateForm = (input: FormValidationInput): string[] => {
  const entries = formEntries(input.spec);
  const errors: string[] = [];
  if (!input.hubExists) {
    errors.push(`LynqHub ${input.namespace}/${input.spec.hubId} (spec.hubId) does not exist`);
  }
  errors.push(...idErrors(entries));
  const graph = buildDependencyGraph(
    entries
      .filter((e) => e.entry.id.trim() !== '')
      .map((e) => ({ id: e.entry.id, dependIds: e.entry.dependIds })),
  );
  if (!graph.ok) {
    // Duplicates are reported above, with the lists they sit in.
    errors.push(
      ...graph.errors.filter((g) => g.code !== graphCodes.duplicateId).map((g) => g.message),
    );
  }
  const compiled = compileForm(
    input.env,
    entries.map((e) => e.entry),
  );
  errors.push(...compiled.errors.map(formatIssue));
  for (const e of entries) errors.push(...ignoreFieldErrors(e), ...serverFieldErrors(e));
  return errors;
};

/**
 * The kind each resource list is named after; `manifests` takes any kind. The list is a grouping
 * only and the manifest's own `kind` is what gets applied (SPEC §1), so a kind that disagrees is
 * a warning, not an error.
 */
export const resourceListKinds = {
  serviceAccounts: 'ServiceAccount',
  deployments: 'Deployment',
  statefulSets: 'StatefulSet',
  daemonSets: 'DaemonSet',
  services: 'Service',
  ingresses: 'Ingress',
  configMaps: 'ConfigMap',
  secrets: 'Secret',
  persistentVolumeClaims: 'PersistentVolumeClaim',
  jobs: 'Job',
  cronJobs: 'CronJob',
  podDisruptionBudgets: 'PodDisruptionBudget',
  networkPolicies: 'NetworkPolicy',
  horizontalPodAutoscalers: 'HorizontalPodAutoscaler',
  namespaces: 'Namespace',
  manifests: undefined,
} as const satisfies Record<ResourceListName, string | undefined>;

/** A templated kind is only known per node, after rendering: nothing to compare before. */
const isTemplate = (text: string): boolean => text.includes('{{') || text.includes('{%');

const kindWarnings = (e: LocatedEntry): string[] => {
  const listKind = resourceListKinds[e.list];
  const spec = e.entry.spec;
  const kind = isRecord(spec) ? spec['kind'] : undefined;
  if (listKind === undefined || typeof kind !== 'string' || isTemplate(kind)) return [];
  if (kind === listKind) return [];
  return [
    `${where(e)}: kind ${kind} sits in ${e.list}, which lists ${listKind}; it is applied as a ${kind}`,
  ];
};

/**
 * Everything about the form that is legal but probably not meant, each as one line a person can
 * act on: a resource whose kind disagrees with the list it sits in (a Secret under configMaps).
 * Warnings never make a form invalid (SPEC F1 lists the errors). Pure; never throws.
 */
export const formWarnings = (spec: LynqFormSpec): string[] =>
  formEntries(spec).flatMap(kindWarnings);
