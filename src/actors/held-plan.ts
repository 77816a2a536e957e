// What a node keeps of its render between passes (SPEC N8, N12, N13): per resource its object, desired hash and the policies the watches judge by, without the rendered text, which the next pass renders again.
import type { CreationPolicy } from '../api/lynq-form.schema.js';
import { ownedPathsOf, type FieldPath } from '../kube/field-ownership.js';
import { createStringInterner } from '../kube/string-interner.js';
import type { NodePlan } from './node-render.actor.js';

/** One rendered resource of a node as the watches need it between passes. */
export interface HeldResource {
  readonly id: string;
  readonly apiVersion: string;
  readonly kind: string;
  /** The object's namespace (the node's when the manifest names none); absent when cluster-scoped. */
  readonly namespace?: string;
  readonly name: string;
  /** The desired hash of the render (N13). */
  readonly hash: string;
  readonly creationPolicy: CreationPolicy;
  readonly waitForReady: boolean;
  /** The fields Lynq owns on the object, without its `ignoreFields` (N11, N12); shared between nodes. */
  readonly ownedPaths: readonly FieldPath[];
}

/**
 * A render whose pass ended: the resources that rendered, in plan order. The text of the
 * manifests (and the pool's batch buffer behind them) is gone; a pass renders them again.
 */
export interface HeldPlan {
  readonly held: readonly HeldResource[];
}

/** A plan is either a fresh render (`NodePlan`) or what a pass left of it. */
export const isHeldPlan = (plan: unknown): plan is HeldPlan =>
  typeof plan === 'object' && plan !== null && 'held' in plan;

/** apiVersions, kinds, namespaces and ids repeat across every node of a form: one copy each. */
const intern = createStringInterner();

/**
 * The held form of a fresh render, for a node in `nodeNamespace`. Reads every field of each
 * manifest once (a manifest view decodes a new string per read).
 */
export const heldPlanOf = (plan: NodePlan, nodeNamespace: string): HeldPlan => ({
  held: plan.levels.flatMap((level) =>
    level.flatMap((r): HeldResource[] => {
      const m = r.manifest;
      if (m === undefined) return [];
      const apiVersion = intern(m.apiVersion);
      const kind = intern(m.kind);
      const name = m.name;
      const namespace = m.namespaced ? intern(m.namespace ?? nodeNamespace) : undefined;
      return [
        {
          id: intern(r.id),
          apiVersion,
          kind,
          ...(namespace === undefined ? {} : { namespace }),
          name,
          hash: m.hash,
          creationPolicy: r.policies.creationPolicy,
          waitForReady: r.waitForReady,
          ownedPaths: ownedPathsOf(m, r.policies.ignoreFields),
        },
      ];
    }),
  ),
});

/** Held forms of fresh renders the watches asked about during their first pass, made once. */
const heldOfFresh = new WeakMap<NodePlan, HeldPlan>();

/** The resources of `plan` as the watches judge them, whichever form it is in. */
export const heldResourcesOf = (
  plan: NodePlan | HeldPlan | undefined,
  nodeNamespace: string,
): readonly HeldResource[] => {
  if (plan === undefined) return [];
  if (isHeldPlan(plan)) return plan.held;
  let held = heldOfFresh.get(plan);
  if (held === undefined) {
    held = heldPlanOf(plan, nodeNamespace);
    heldOfFresh.set(plan, held);
  }
  return held.held;
};
