// Which LynqNodes must carry the deletion-protection label (the "mark"): every live node of a protected hub or of a protected form (SPEC H8).
export interface MarkedNodeInput {
  readonly name: string;
  /** `spec.templateRef`. */
  readonly form: string;
  readonly marked: boolean;
  /** Already being deleted: its mark no longer matters (nothing can undo a deletion). */
  readonly deleting: boolean;
}

export interface MarkPlanInput {
  readonly hubProtected: boolean;
  /** Names of the hub's forms that are protected. */
  readonly protectedForms: ReadonlySet<string>;
  readonly nodes: readonly MarkedNodeInput[];
}

export interface MarkPlan {
  readonly mark: readonly string[];
  readonly unmark: readonly string[];
}

/** Whether one node should carry the mark. */
export const wantsMark = (
  hubProtected: boolean,
  protectedForms: ReadonlySet<string>,
  form: string,
): boolean => hubProtected || protectedForms.has(form);

/** Pure: the nodes whose mark differs from what their hub and form ask for. */
export const planProtectionMarks = (input: MarkPlanInput): MarkPlan => {
  const mark: string[] = [];
  const unmark: string[] = [];
  for (const node of input.nodes) {
    if (node.deleting) continue;
    const wanted = wantsMark(input.hubProtected, input.protectedForms, node.form);
    if (wanted && !node.marked) mark.push(node.name);
    if (!wanted && node.marked) unmark.push(node.name);
  }
  return { mark, unmark };
};
