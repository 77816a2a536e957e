// One hub sync's decision (SPEC H4, H5, F2): which LynqNodes to create, update and delete, from rows, forms and existing nodes.
import { canonicalJson } from '../api/canonical-json.js';
import { nodeName } from '../api/node-name.js';

/** One row as the datasource returns it (variables per SPEC H3, without hubId/templateRef). */
export interface RowInput {
  readonly uid: string;
  readonly active: boolean;
  readonly variables: Readonly<Record<string, unknown>>;
  /** `canonicalJson(variables)`, when the datasource has it already. */
  readonly canonical?: string;
}

export interface FormPlanInput {
  readonly name: string;
  /** An invalid form creates and updates nothing, and deletes only for its rows (SPEC F2). */
  readonly valid: boolean;
  /** Annotated `lynq.sh/deletion-protection: "true"`: its nodes are created marked (SPEC H8). */
  readonly protected?: boolean;
}

export interface ExistingNode {
  readonly name: string;
  readonly uid: string;
  readonly form: string;
  /** Canonical JSON of `spec.variables`. */
  readonly variablesCanonical: string;
  /**
   * Canonical JSON of `spec.variables` without `hubId` and `templateRef`, when those two are this
   * hub's and the node's form: equal to an unchanged row's `canonical`, so a steady sync compares
   * texts instead of serialising 10,000 variable sets.
   */
  readonly rowCanonical?: string;
  /** Already has a deletion timestamp: left alone, and not re-created while it is going. */
  readonly deleting: boolean;
}

export interface DesiredNode {
  readonly name: string;
  readonly uid: string;
  readonly form: string;
  readonly variables: Readonly<Record<string, unknown>>;
  readonly variablesCanonical: string;
}

export const deletionCauses = {
  rowGone: 'RowGone',
  rowInactive: 'RowInactive',
  formGone: 'FormGone',
} as const;

export type DeletionCause = (typeof deletionCauses)[keyof typeof deletionCauses];

export interface NodeDeletion {
  readonly name: string;
  readonly uid: string;
  readonly form: string;
  readonly cause: DeletionCause;
}

export interface RejectedRows {
  readonly emptyUid: number;
  /** Uids that appear more than once: none of their rows changes anything (SPEC H4). */
  readonly duplicateUids: readonly string[];
}

export interface NodeChangePlan {
  readonly create: readonly DesiredNode[];
  readonly update: readonly DesiredNode[];
  readonly delete: readonly NodeDeletion[];
  readonly rejected: RejectedRows;
  readonly rows: { readonly total: number; readonly active: number; readonly rejected: number };
}

export interface PlanInput {
  readonly hub: string;
  readonly rows: readonly RowInput[];
  /** Every form object of the hub that exists, valid or not. */
  readonly forms: readonly FormPlanInput[];
  readonly existing: readonly ExistingNode[];
}

const partitionRows = (
  rows: readonly RowInput[],
): { unique: Map<string, RowInput>; rejected: RejectedRows } => {
  const seen = new Map<string, RowInput>();
  const duplicates = new Set<string>();
  let emptyUid = 0;
  for (const row of rows) {
    if (row.uid === '') {
      emptyUid += 1;
    } else if (seen.has(row.uid)) {
      duplicates.add(row.uid);
    } else {
      seen.set(row.uid, row);
    }
  }
  for (const uid of duplicates) seen.delete(uid);
  return { unique: seen, rejected: { emptyUid, duplicateUids: [...duplicates].sort() } };
};

const pairKey = (uid: string, form: string): string => `${form}\u0000${uid}`;

/** The variables a node carries: the row's, plus `hubId` and `templateRef` (SPEC H3). */
const nodeVariables = (hub: string, form: string, row: RowInput): Record<string, unknown> => ({
  ...row.variables,
  hubId: hub,
  templateRef: form,
});

/**
 * Pure and total: desired nodes are (valid forms) × (active rows with a unique, non-empty uid).
 * A node is deleted only because its row is gone or inactive, or its form object is gone
 * (SPEC H5) — never because its form is invalid, and never for a duplicated uid (SPEC H4).
 */
export const planNodeChanges = (input: PlanInput): NodeChangePlan => {
  const { unique, rejected } = partitionRows(input.rows);
  const duplicated = new Set(rejected.duplicateUids);
  const forms = new Map(input.forms.map((f) => [f.name, f]));
  // Nodes are named from their (uid, form) pair: looking them up by the pair spares a hash per
  // row and form on every sync.
  const existingPairs = new Set(input.existing.map((n) => pairKey(n.uid, n.form)));

  const create: DesiredNode[] = [];
  const update: DesiredNode[] = [];
  const deletions: NodeDeletion[] = [];

  for (const node of input.existing) {
    if (node.deleting) continue;
    const form = forms.get(node.form);
    if (form === undefined) {
      deletions.push({
        name: node.name,
        uid: node.uid,
        form: node.form,
        cause: deletionCauses.formGone,
      });
      continue;
    }
    if (duplicated.has(node.uid)) continue;
    const row = unique.get(node.uid);
    if (row === undefined || !row.active) {
      const cause = row === undefined ? deletionCauses.rowGone : deletionCauses.rowInactive;
      deletions.push({ name: node.name, uid: node.uid, form: node.form, cause });
      continue;
    }
    if (!form.valid) continue;
    if (row.canonical !== undefined && row.canonical === node.rowCanonical) continue;
    const variables = nodeVariables(input.hub, node.form, row);
    const variablesCanonical = canonicalJson(variables);
    if (variablesCanonical !== node.variablesCanonical) {
      update.push({
        name: node.name,
        uid: node.uid,
        form: node.form,
        variables,
        variablesCanonical,
      });
    }
  }

  let active = 0;
  for (const row of unique.values()) {
    if (!row.active) continue;
    active += 1;
    for (const form of input.forms) {
      if (!form.valid) continue;
      if (existingPairs.has(pairKey(row.uid, form.name))) continue;
      const name = nodeName(row.uid, form.name);
      const variables = nodeVariables(input.hub, form.name, row);
      create.push({
        name,
        uid: row.uid,
        form: form.name,
        variables,
        variablesCanonical: canonicalJson(variables),
      });
    }
  }

  const rejectedRows =
    rejected.emptyUid + input.rows.filter((r) => r.uid !== '' && duplicated.has(r.uid)).length;
  return {
    create,
    update,
    delete: deletions,
    rejected,
    rows: { total: input.rows.length, active, rejected: rejectedRows },
  };
};
