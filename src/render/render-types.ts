// The data that goes into and comes out of rendering: resource entries, manifests, issues.

import { templateCodes } from './template-fault.js';

/** One resource of a form revision, as far as rendering reads it (SPEC §1, resource entry). */
export interface ResourceEntry {
  readonly id: string;
  /** The manifest; every string leaf is a template. */
  readonly spec: unknown;
  readonly nameTemplate?: string | undefined;
  readonly targetNamespace?: string | undefined;
  readonly labelsTemplate?: Readonly<Record<string, string>> | undefined;
  readonly annotationsTemplate?: Readonly<Record<string, string>> | undefined;
  readonly dependIds?: readonly string[] | undefined;
}

/** A Kubernetes object as JSON data. */
export type KubeObject = Record<string, unknown>;

/** One rendered object, ready to apply. */
export interface RenderedManifest {
  /** The resource entry's id. */
  readonly id: string;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  /** Undefined for cluster-scoped kinds. */
  readonly namespace: string | undefined;
  readonly namespaced: boolean;
  /**
   * The object as canonical JSON (keys in canonical order): what is sent to the API server, and
   * cheap to pass between threads; `manifestObject` parses it.
   */
  readonly json: string;
  /** sha256 (hex) of the canonical JSON of `{ namespaced, object }`: the desired hash (N13). */
  readonly hash: string;
}

/** The object of a rendered manifest. */
export const manifestObject = (manifest: RenderedManifest): KubeObject =>
  JSON.parse(manifest.json) as KubeObject;

/** One failure, located: which resource, which field, where in the template. */
export interface RenderIssue {
  /** A stable code: `templateCodes` (TemplateUndefinedValue, TemplateSandboxViolation…) or `identityCodes`. */
  readonly code: string;
  /** The resource entry's id; empty for failures of the whole node. */
  readonly resourceId: string;
  /** The field path: `spec.template.spec.containers[0].image`, `nameTemplate`, `labelsTemplate.app`. */
  readonly field: string;
  readonly message: string;
  /** 1-based position in the template, when the failure comes from one. */
  readonly line?: number;
  readonly column?: number;
}

/**
 * A node's render. `ok: true`: the render ran to the end; `manifests` are the resources that
 * rendered, `errors` the resources that failed (N14: one bad resource fails only itself).
 * `ok: false`: the node as a whole failed (time or output budget, worker crash).
 */
export type NodeRenderResult =
  | {
      readonly ok: true;
      readonly manifests: readonly RenderedManifest[];
      readonly errors: readonly RenderIssue[];
    }
  | { readonly ok: false; readonly errors: readonly RenderIssue[] };

/** Codes of identity failures (N3), beside the template codes. */
export const identityCodes = {
  invalidName: 'InvalidObjectName',
  invalidNamespace: 'InvalidNamespace',
  invalidManifest: 'InvalidManifest',
  unknownKind: 'UnknownKind',
} as const;

/** Codes of failures of the whole node in the pool. */
export const poolCodes = {
  /** Not rendered for a reason that may pass: cancelled, pool stopped, a worker that crashed. */
  renderAborted: 'RenderAborted',
  /**
   * Rendered alone and still over a limit: the pool's time limit, the worker's heap, or the
   * in-template budget (the same code, T5). The same revision and variables fail the same way.
   */
  budgetExceeded: templateCodes.budgetExceeded,
} as const;

/**
 * Whether a node's failure is its own budget (`RenderBudgetExceeded`): deterministic for its
 * revision and variables, so only a change of those can make it render.
 */
export const isBudgetFailure = (result: NodeRenderResult): boolean =>
  !result.ok &&
  result.errors.length > 0 &&
  result.errors.every((issue) => issue.code === poolCodes.budgetExceeded);

/** One line a person can read: `resource "web" field spec.replicas (line 1, column 4): …`. */
export const formatIssue = (issue: RenderIssue): string => {
  const where = issue.resourceId === '' ? 'node' : `resource "${issue.resourceId}"`;
  const field = issue.field === '' ? '' : ` field ${issue.field}`;
  const position =
    issue.line === undefined
      ? ''
      : ` (line ${issue.line}${issue.column === undefined ? '' : `, column ${issue.column}`})`;
  return `${where}${field}${position}: ${issue.code}: ${issue.message}`;
};
