// Compiles the resource entries of a form revision once: every template leaf becomes a compiled leaf.

import type { CompiledLeaf, TemplateEnvironment } from './environment.js';
import { pathIndex, pathKey } from './field-path.js';
import { isRecord } from './object-identity.js';
import { identityCodes, type RenderIssue, type ResourceEntry } from './render-types.js';
import { TemplateFault, templateCodes } from './template-fault.js';

/** The shape of a manifest with its template leaves compiled. */
export type TemplateTree =
  | { readonly t: 'leaf'; readonly path: string; readonly leaf: CompiledLeaf }
  | { readonly t: 'value'; readonly value: unknown }
  | { readonly t: 'object'; readonly entries: readonly (readonly [string, TemplateTree])[] }
  | { readonly t: 'array'; readonly items: readonly TemplateTree[] };

/** A compiled template outside the manifest: `nameTemplate`, `labelsTemplate.app`… */
export interface CompiledField {
  readonly path: string;
  readonly leaf: CompiledLeaf;
}

/** A compiled map field (`labelsTemplate`, `annotationsTemplate`): keys are not templates (T1). */
export interface CompiledMapEntry {
  readonly key: string;
  readonly field: CompiledField;
}

export interface CompiledResource {
  readonly id: string;
  readonly dependIds: readonly string[];
  readonly spec: TemplateTree;
  readonly name: CompiledField | undefined;
  readonly namespace: CompiledField | undefined;
  readonly labels: readonly CompiledMapEntry[];
  readonly annotations: readonly CompiledMapEntry[];
  /** Compile errors; a resource with any always fails with them (N14). */
  readonly errors: readonly RenderIssue[];
}

export interface CompiledForm {
  readonly resources: readonly CompiledResource[];
  /** Every compile error of every resource, for form validation (F1). */
  readonly errors: readonly RenderIssue[];
  /** How many leaves are templates (not constants): a measure of the form's render cost. */
  readonly templateLeaves: number;
}

/** A thrown fault (or anything else) as an issue of `resourceId` at `field`. */
export const issueFrom = (resourceId: string, field: string, err: unknown): RenderIssue => {
  if (err instanceof TemplateFault) {
    return {
      code: err.code,
      resourceId,
      field,
      message: err.message,
      ...(err.line === undefined ? {} : { line: err.line }),
      ...(err.column === undefined ? {} : { column: err.column }),
    };
  }
  return {
    code: templateCodes.evaluation,
    resourceId,
    field,
    message: err instanceof Error ? err.message : String(err),
  };
};

interface Compiler {
  readonly env: TemplateEnvironment;
  readonly resourceId: string;
  readonly errors: RenderIssue[];
  leaves: number;
}

const compileField = (c: Compiler, path: string, source: string): CompiledField | undefined => {
  try {
    const leaf = c.env.compileLeaf(source);
    if (leaf.kind !== 'constant') c.leaves += 1;
    return { path, leaf };
  } catch (err: unknown) {
    c.errors.push(issueFrom(c.resourceId, path, err));
    return undefined;
  }
};

const compileTree = (c: Compiler, path: string, value: unknown): TemplateTree => {
  if (typeof value === 'string') {
    const field = compileField(c, path, value);
    return field === undefined
      ? { t: 'value', value }
      : { t: 'leaf', path: field.path, leaf: field.leaf };
  }
  if (Array.isArray(value)) {
    return { t: 'array', items: value.map((item, i) => compileTree(c, pathIndex(path, i), item)) };
  }
  if (isRecord(value)) {
    return {
      t: 'object',
      entries: Object.entries(value).map(
        ([key, item]) => [key, compileTree(c, pathKey(path, key), item)] as const,
      ),
    };
  }
  return { t: 'value', value };
};

const compileMap = (
  c: Compiler,
  base: string,
  map: Readonly<Record<string, string>> | undefined,
): CompiledMapEntry[] => {
  const out: CompiledMapEntry[] = [];
  for (const [key, source] of Object.entries(map ?? {})) {
    const field = compileField(c, pathKey(base, key), String(source));
    if (field !== undefined) out.push({ key, field });
  }
  return out;
};

const compileResource = (
  env: TemplateEnvironment,
  entry: ResourceEntry,
): CompiledResource & { readonly leaves: number } => {
  const c: Compiler = { env, resourceId: entry.id, errors: [], leaves: 0 };
  if (!isRecord(entry.spec)) {
    c.errors.push({
      code: identityCodes.invalidManifest,
      resourceId: entry.id,
      field: 'spec',
      message: 'the resource spec must be a Kubernetes object (a map)',
    });
  }
  const spec = compileTree(c, '', entry.spec);
  const name =
    entry.nameTemplate === undefined ? undefined : compileField(c, 'nameTemplate', entry.nameTemplate);
  const namespace =
    entry.targetNamespace === undefined
      ? undefined
      : compileField(c, 'targetNamespace', entry.targetNamespace);
  const labels = compileMap(c, 'labelsTemplate', entry.labelsTemplate);
  const annotations = compileMap(c, 'annotationsTemplate', entry.annotationsTemplate);
  return {
    id: entry.id,
    dependIds: entry.dependIds ?? [],
    spec,
    name,
    namespace,
    labels,
    annotations,
    errors: c.errors,
    leaves: c.leaves,
  };
};

/**
 * Compiles every template of a revision's resources (T1): string leaves of `spec`,
 * `nameTemplate`, `targetNamespace`, values of `labelsTemplate` / `annotationsTemplate`.
 * Never throws: compile errors are listed per resource and for the whole form.
 */
export const compileForm = (
  env: TemplateEnvironment,
  entries: readonly ResourceEntry[],
): CompiledForm => {
  const resources = entries.map((entry) => compileResource(env, entry));
  return {
    resources,
    errors: resources.flatMap((r) => r.errors),
    templateLeaves: resources.reduce((sum, r) => sum + r.leaves, 0),
  };
};
