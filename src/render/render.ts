// Renders one node: a compiled revision plus the node's variables → manifests, each with its hash.

import { canonicalCopy, canonicalShallow } from '../api/canonical-json.js';
import { sha256Hex } from '../api/sha256-hex.js';
import type {
  CompiledField,
  CompiledForm,
  CompiledResource,
  LeafMode,
  TemplateTree,
} from './compile.js';
import { issueFrom } from './compile.js';
import type { CompiledLeaf, RenderLimits, Variables } from './environment.js';
import { groupKind, resolveNamespaced, type IsNamespaced } from './kind-scope.js';
import { renderLimits } from './limits.js';
import {
  dnsLabelProblem,
  isRecord,
  nameProblem,
  serverPopulatedMetadata,
  stringMap,
  toText,
} from './object-identity.js';
import { checkDeadline, withRenderBudget } from './render-budget.js';
import {
  identityCodes,
  type KubeObject,
  type NodeRenderResult,
  type RenderIssue,
  type RenderedManifest,
} from './render-types.js';
import { TemplateFault, templateCodes } from './template-fault.js';

/** What one node contributes to its render. */
export interface RenderNodeInput {
  readonly variables: Variables;
  /** The node's namespace: where namespaced objects go unless `targetNamespace` says otherwise. */
  readonly namespace: string;
  /** Tracking labels and annotations (N4); they win over everything the form says. */
  readonly tracking?: {
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
}

export interface RenderOptions {
  /** Asked for kinds the built-in table of SPEC §1 kinds does not list (discovery, CLI flags). */
  readonly isNamespaced?: IsNamespaced;
  readonly limits?: Pick<RenderLimits, 'maxOutputBytesPerNode' | 'maxRenderMillisPerNode'>;
}

/** Kinds whose `data` / `stringData` / `binaryData` values are strings (T3). */
const dataKinds: ReadonlySet<string> = new Set(['/ConfigMap', '/Secret']);

/** A budget fault aborts the whole node; every other failure stays with its resource. */
class NodeAborted extends Error {
  readonly issue: RenderIssue;
  constructor(issue: RenderIssue) {
    super(issue.message);
    this.issue = issue;
  }
}

interface ResourceRender {
  readonly id: string;
  readonly errors: RenderIssue[];
}

const evaluate = (
  r: ResourceRender,
  path: string,
  leaf: CompiledLeaf,
  vars: Variables,
): unknown => {
  try {
    switch (leaf.kind) {
      case 'constant':
        return leaf.text;
      case 'text':
        return leaf.render(vars);
      case 'typed':
        return leaf.evaluate(vars);
    }
  } catch (err: unknown) {
    const issue = issueFrom(r.id, path, err);
    if (err instanceof TemplateFault && err.code === templateCodes.budgetExceeded) {
      throw new NodeAborted(issue);
    }
    r.errors.push(issue);
    return undefined;
  }
};

/** A leaf's value in its position's shape (T3), keys in canonical order. */
const shape = (value: unknown, mode: LeafMode): unknown => {
  if (value === undefined) return undefined;
  switch (mode) {
    case 'value':
      return typeof value === 'object' && value !== null ? canonicalCopy(value) : value;
    case 'text':
      return toText(value);
    case 'textMap': {
      const map = stringMap(value);
      return map === undefined ? toText(value) : canonicalShallow(map);
    }
  }
};

const build = (r: ResourceRender, tree: TemplateTree, vars: Variables): unknown => {
  switch (tree.t) {
    case 'value':
      return tree.value;
    case 'leaf':
      return shape(evaluate(r, tree.path, tree.leaf, vars), tree.mode);
    case 'array':
      return tree.items.map((item) => build(r, item, vars));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [key, item] of tree.entries) out[key] = build(r, item, vars);
      return out;
    }
  }
};

const renderText = (
  r: ResourceRender,
  field: CompiledField,
  vars: Variables,
): string | undefined => {
  const value = evaluate(r, field.path, field.leaf, vars);
  return value === undefined ? undefined : toText(value);
};

const fail = (r: ResourceRender, code: string, field: string, message: string): undefined => {
  r.errors.push({ code, resourceId: r.id, field, message });
  return undefined;
};

/** Kinds with string maps beside metadata: `data` of ConfigMap/Secret, Service selectors (T3). */
const textMapsOf = (gk: string, object: KubeObject): void => {
  if (dataKinds.has(gk)) {
    for (const key of ['data', 'stringData', 'binaryData']) {
      const map = stringMap(object[key]);
      if (map !== undefined) object[key] = map;
    }
  } else if (gk === '/Service' && isRecord(object['spec'])) {
    const selector = stringMap(object['spec']['selector']);
    if (selector !== undefined) object['spec'] = { ...object['spec'], selector };
  }
};

/** The identity rules of N3 and the string rules of T3, applied to a built manifest. */
const finish = (
  r: ResourceRender,
  resource: CompiledResource,
  object: KubeObject,
  input: RenderNodeInput,
  options: RenderOptions,
): RenderedManifest | undefined => {
  const vars = input.variables;
  const apiVersion = toText(object['apiVersion']);
  const kind = toText(object['kind']);
  if (apiVersion === '') {
    fail(r, identityCodes.invalidManifest, 'apiVersion', 'apiVersion is missing');
    return;
  }
  if (kind === '') {
    fail(r, identityCodes.invalidManifest, 'kind', 'kind is missing');
    return;
  }
  const gk = groupKind(apiVersion, kind);
  const source: Record<string, unknown> = isRecord(object['metadata']) ? object['metadata'] : {};
  const metadata: Record<string, unknown> = { ...source };
  for (const field of serverPopulatedMetadata) Reflect.deleteProperty(metadata, field);

  const nameField = resource.name === undefined ? 'metadata.name' : 'nameTemplate';
  const name =
    resource.name === undefined ? toText(source['name']) : renderText(r, resource.name, vars);
  if (name === undefined) return undefined;
  const badName = nameProblem(gk, name);
  if (badName !== undefined) {
    fail(r, identityCodes.invalidName, nameField, `name ${JSON.stringify(name)} ${badName}`);
    return;
  }
  metadata['name'] = name;

  const namespaced = resolveNamespaced(apiVersion, kind, options.isNamespaced);
  if (namespaced === undefined) {
    fail(
      r,
      identityCodes.unknownKind,
      'kind',
      `cannot tell whether ${kind} (${apiVersion}) is namespaced: it is not a built-in kind and the cluster did not say`,
    );
    return;
  }
  let namespace: string | undefined;
  if (namespaced) {
    if (resource.namespace === undefined) {
      namespace = input.namespace;
    } else {
      namespace = renderText(r, resource.namespace, vars);
      if (namespace === undefined) return undefined;
      const badNamespace = dnsLabelProblem(namespace);
      if (badNamespace !== undefined) {
        fail(
          r,
          identityCodes.invalidNamespace,
          'targetNamespace',
          `namespace ${JSON.stringify(namespace)} ${badNamespace}`,
        );
        return;
      }
    }
    metadata['namespace'] = namespace;
  } else {
    Reflect.deleteProperty(metadata, 'namespace');
  }

  // spec.metadata < labelsTemplate / annotationsTemplate < tracking keys (N3).
  const labels: Record<string, string> = { ...stringMap(source['labels']) };
  for (const { key, field } of resource.labels) {
    const value = renderText(r, field, vars);
    if (value !== undefined) labels[key] = value;
  }
  Object.assign(labels, input.tracking?.labels);
  const annotations: Record<string, string> = { ...stringMap(source['annotations']) };
  for (const { key, field } of resource.annotations) {
    const value = renderText(r, field, vars);
    if (value !== undefined) annotations[key] = value;
  }
  Object.assign(annotations, input.tracking?.annotations);
  if (r.errors.length > 0) return undefined;
  if (Object.keys(labels).length > 0) metadata['labels'] = canonicalShallow(labels);
  else Reflect.deleteProperty(metadata, 'labels');
  if (Object.keys(annotations).length > 0) metadata['annotations'] = canonicalShallow(annotations);
  else Reflect.deleteProperty(metadata, 'annotations');

  const top: KubeObject = { ...object, apiVersion, kind, metadata: canonicalShallow(metadata) };
  Reflect.deleteProperty(top, 'status');
  textMapsOf(gk, top);
  const json = JSON.stringify(canonicalShallow(top));
  return {
    id: resource.id,
    apiVersion,
    kind,
    name,
    namespace,
    namespaced,
    json,
    // The canonical JSON of { namespaced, object }, without serialising the object twice.
    hash: sha256Hex(`{"namespaced":${String(namespaced)},"object":${json}}`),
  };
};

const renderResource = (
  resource: CompiledResource,
  input: RenderNodeInput,
  options: RenderOptions,
): { manifest?: RenderedManifest; errors: RenderIssue[] } => {
  if (resource.errors.length > 0) return { errors: [...resource.errors] };
  const r: ResourceRender = { id: resource.id, errors: [] };
  const built = build(r, resource.spec, input.variables);
  if (r.errors.length > 0 || !isRecord(built)) return { errors: r.errors };
  const manifest = finish(r, resource, built, input, options);
  return manifest === undefined || r.errors.length > 0
    ? { errors: r.errors }
    : { manifest, errors: [] };
};

/**
 * Renders every resource of a compiled revision for one node (N1, N3, T1–T3, T5). Never throws.
 * A resource that fails (template error, invalid name or namespace, unknown kind) is listed in
 * `errors` and the others still render (N14); when the node's time or output budget runs out,
 * the whole node fails (`ok: false`).
 */
export const renderNode = (
  form: CompiledForm,
  input: RenderNodeInput,
  options: RenderOptions = {},
): NodeRenderResult => {
  const limits = options.limits ?? renderLimits;
  try {
    return withRenderBudget(limits, () => {
      const manifests: RenderedManifest[] = [];
      const errors: RenderIssue[] = [];
      for (const resource of form.resources) {
        const out = renderResource(resource, input, options);
        if (out.manifest !== undefined) manifests.push(out.manifest);
        errors.push(...out.errors);
        checkDeadline();
      }
      return { ok: true, manifests, errors };
    });
  } catch (err: unknown) {
    if (err instanceof NodeAborted) return { ok: false, errors: [err.issue] };
    return { ok: false, errors: [issueFrom('', '', err)] };
  }
};
