// The dashboard's tree (hubs → forms → nodes → resources) built from the watch caches: states, phases, conditions and counts, without definitions or secrets.
import { inspect } from './inspection.js';
import type { InspectKind } from './machine-catalog.js';
import type { InspectedObject } from './status-state.js';

/** One object as the tree shows it: enough for a row; the diagram is fetched on selection. */
export interface TreeItem {
  readonly kind: InspectKind;
  readonly namespace: string;
  readonly name: string;
  readonly state: string | undefined;
  readonly phase: string | undefined;
  readonly event: string | undefined;
  readonly since: string | undefined;
  readonly context: Readonly<Record<string, unknown>>;
}

export interface TreeForm extends TreeItem {
  readonly nodes: readonly TreeItem[];
}

export interface TreeHub extends TreeItem {
  readonly forms: readonly TreeForm[];
}

export interface DashboardTree {
  readonly hubs: readonly TreeHub[];
  /** Forms whose hub does not exist (yet), and nodes whose form does not. */
  readonly unattached: { readonly forms: readonly TreeForm[]; readonly nodes: readonly TreeItem[] };
}

const itemOf = (kind: InspectKind, object: InspectedObject): TreeItem => {
  const i = inspect(kind, object);
  return {
    kind,
    namespace: i.namespace,
    name: i.name,
    state: i.state,
    phase: i.phase,
    event: i.event,
    since: i.since,
    context: i.context,
  };
};

const byName = (a: TreeItem, b: TreeItem): number =>
  a.namespace === b.namespace
    ? a.name.localeCompare(b.name)
    : a.namespace.localeCompare(b.namespace);

const specText = (object: InspectedObject, field: string): string | undefined => {
  const spec = object.spec;
  const value =
    typeof spec === 'object' && spec !== null
      ? (spec as Record<string, unknown>)[field]
      : undefined;
  return typeof value === 'string' ? value : undefined;
};

/** The tree: a form under the hub its `spec.hubId` names, a node under the form its `spec.templateRef` names. */
export const dashboardTree = (
  hubs: readonly InspectedObject[],
  forms: readonly InspectedObject[],
  nodes: readonly InspectedObject[],
): DashboardTree => {
  const nodesByForm = new Map<string, TreeItem[]>();
  const unattachedNodes: TreeItem[] = [];
  const formKeys = new Set(forms.map((f) => `${f.metadata.namespace ?? ''}/${f.metadata.name}`));
  for (const node of nodes) {
    const key = `${node.metadata.namespace ?? ''}/${specText(node, 'templateRef') ?? ''}`;
    const item = itemOf('node', node);
    if (!formKeys.has(key)) {
      unattachedNodes.push(item);
      continue;
    }
    nodesByForm.set(key, [...(nodesByForm.get(key) ?? []), item]);
  }
  const formsByHub = new Map<string, TreeForm[]>();
  const unattachedForms: TreeForm[] = [];
  const hubKeys = new Set(hubs.map((h) => `${h.metadata.namespace ?? ''}/${h.metadata.name}`));
  for (const form of forms) {
    const own = `${form.metadata.namespace ?? ''}/${form.metadata.name}`;
    const item: TreeForm = {
      ...itemOf('form', form),
      nodes: (nodesByForm.get(own) ?? []).sort(byName),
    };
    const hubKey = `${form.metadata.namespace ?? ''}/${specText(form, 'hubId') ?? ''}`;
    if (!hubKeys.has(hubKey)) {
      unattachedForms.push(item);
      continue;
    }
    formsByHub.set(hubKey, [...(formsByHub.get(hubKey) ?? []), item]);
  }
  return {
    hubs: hubs
      .map((hub) => ({
        ...itemOf('hub', hub),
        forms: (formsByHub.get(`${hub.metadata.namespace ?? ''}/${hub.metadata.name}`) ?? []).sort(
          byName,
        ),
      }))
      .sort(byName),
    unattached: { forms: unattachedForms.sort(byName), nodes: unattachedNodes.sort(byName) },
  };
};
