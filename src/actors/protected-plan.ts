// A marked node's plan (SPEC H8): every manifest's desired hash carries the mark, so a change of the mark re-applies each object once.
import { markedHash } from '../kube/desired-object.js';
import type { RenderedManifest } from '../render/render-types.js';
import type { NodePlan } from './node-render.actor.js';

/** A copy field by field: rendered manifests are views over packed results (getters, no own fields). */
const markedManifest = (m: RenderedManifest): RenderedManifest => ({
  id: m.id,
  apiVersion: m.apiVersion,
  kind: m.kind,
  name: m.name,
  namespace: m.namespace,
  namespaced: m.namespaced,
  json: m.json,
  hash: markedHash(m.hash),
});

/**
 * A marked node's objects carry the mark (SPEC H8), so their desired hash says so: a change of
 * the mark is a change of every object, re-applied once, and drift checks see a missing mark.
 */
export const protectedPlan = (plan: NodePlan, marked: boolean): NodePlan =>
  marked
    ? {
        ...plan,
        levels: plan.levels.map((level) =>
          level.map((r) =>
            r.manifest === undefined ? r : { ...r, manifest: markedManifest(r.manifest) },
          ),
        ),
      }
    : plan;
