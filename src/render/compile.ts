// Compiles the resource entries of a form revision once: every template leaf becomes a compiled leaf.

import type { CompiledLeaf, TemplateEnvironment } from './environment.js';
import { pathIndex, pathKey } from './field-path.js';
import { canonicalCopy, canonicalShallow, compareCanonicalKeys } from '../api/canonical-json.js';
import { isRecord, stringMap, toText } from './object-identity.js';
import { identityCodes, type RenderIssue, type ResourceEntry } from './render-types.js';
import { TemplateFault, templateCodes } from './template-fault.js';

/**
 * How a leaf's value is shaped (T3): `value` keeps its JSON type, `text` becomes a string,
 * `textMap` (a whole labels map from one typed leaf) becomes a map of strings.
 */
export type LeafMode = 'value' | 'text' | 'textMap';

/**
 * The shape of a manifest with its template leaves compiled. Object entries are in canonical key
 * order, so a built manifest serialises canonically with plain `JSON.stringify`.
 */
export type TemplateTree =
  | {
      readonly t: 'leaf';
      readonly path: string;
      readonly leaf: CompiledLeaf;
      readonly mode: LeafMode;
    }
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

/** Where Kubernetes requires strings (T3): the mode of the children of `key` under `parentKey`. */
const childMode = (parentKey: string, key: string, depth: number): LeafMode => {
  if (
    (parentKey === 'metadata' && (key === 'labels' || key === 'annotations')) ||
    key === 'matchLabels'
  ) {
    return 'textMap';
  }
  if (depth === 0 && (key === 'apiVersion' || key === 'kind')) return 'text';
  if (depth === 1 && parentKey === 'metadata' && (key === 'name' || key === 'namespace')) {
    return 'text';
  }
  return 'value';
};

/** A constant in a string-only position becomes its string now, once. */
const shapeConstant = (value: unknown, mode: LeafMode): unknown => {
  switch (mode) {
    case 'value':
      return canonicalCopy(value);
    case 'text':
      return toText(value);
    case 'textMap': {
      const map = stringMap(value);
      return map === undefined ? toText(value) : canonicalShallow(map);
    }
  }
};

const compileTree = (
  c: Compiler,
  path: string,
  value: unknown,
  mode: LeafMode,
  key: string,
  depth: number,
): TemplateTree => {
  if (typeof value === 'string') {
    const field = compileField(c, path, value);
    if (field === undefined) return { t: 'value', value };
    if (field.leaf.kind === 'constant') return { t: 'value', value: field.leaf.text };
    return { t: 'leaf', path: field.path, leaf: field.leaf, mode };
  }
  if (Array.isArray(value)) {
    return {
      t: 'array',
      items: value.map((item, i) =>
        compileTree(c, pathIndex(path, i), item, 'value', key, depth + 1),
      ),
    };
  }
  if (isRecord(value)) {
    // Children of a string map are text; anything else takes its mode from its own key.
    const entries = Object.keys(value)
      .sort(compareCanonicalKeys)
      .map((k) => {
        const m = mode === 'textMap' ? 'text' : childMode(key, k, depth);
        return [k, compileTree(c, pathKey(path, k), value[k], m, k, depth + 1)] as const;
      });
    return { t: 'object', entries };
  }
  return { t: 'value', value: shapeConstant(value, mode) };
};

const compileMap = (
  c: Compiler,
  base: string,
  map: Readonly<Record<string, string>> | undefined,
): CompiledMapEntry[] => {
  const out: CompiledMapEntry[] = [];
  for (const [key, source] of Object.entries(map ?? {})) {
    const field = compileField(c, pathKey(base, key), source);
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
  const spec = compileTree(c, '', entry.spec, 'value', '', 0);
  const name =
    entry.nameTemplate === undefined
      ? undefined
      : compileField(c, 'nameTemplate', entry.nameTemplate);
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
