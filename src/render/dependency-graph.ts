// The dependency graph of a form's resources: apply levels from `dependIds`, cycles, missing ids.

/** What the graph reads of a resource entry. */
export interface GraphEntry {
  readonly id: string;
  readonly dependIds?: readonly string[] | undefined;
}

export const graphCodes = {
  duplicateId: 'DuplicateResourceId',
  missingDependency: 'MissingDependency',
  cycle: 'DependencyCycle',
} as const;

export interface GraphIssue {
  readonly code: (typeof graphCodes)[keyof typeof graphCodes];
  readonly resourceId: string;
  readonly message: string;
  /** For cycles: the ids around the cycle, first repeated last (`a → b → a`). */
  readonly cycle?: readonly string[];
}

export type DependencyGraph =
  | {
      readonly ok: true;
      /** Ids per level, in form order; level = depth (0 = no dependencies). */
      readonly levels: readonly (readonly string[])[];
      readonly levelOf: ReadonlyMap<string, number>;
    }
  | { readonly ok: false; readonly errors: readonly GraphIssue[] };

/**
 * Builds apply levels (N1): a resource's level is one more than the deepest of its
 * dependencies. Pure; never throws. Reports duplicate ids, dependencies on ids that do not exist,
 * and every cycle with its path (`a → b → c → a`, F1).
 */
export const buildDependencyGraph = (entries: readonly GraphEntry[]): DependencyGraph => {
  const errors: GraphIssue[] = [];
  const deps = new Map<string, readonly string[]>();
  for (const entry of entries) {
    if (deps.has(entry.id)) {
      errors.push({
        code: graphCodes.duplicateId,
        resourceId: entry.id,
        message: `resource id "${entry.id}" is used more than once`,
      });
      continue;
    }
    deps.set(entry.id, [...new Set(entry.dependIds ?? [])]);
  }
  for (const [id, list] of deps) {
    for (const dep of list) {
      if (!deps.has(dep)) {
        errors.push({
          code: graphCodes.missingDependency,
          resourceId: id,
          message: `resource "${id}" depends on "${dep}", which is not in the form`,
        });
      }
    }
  }

  const level = new Map<string, number>();
  const state = new Map<string, 'visiting' | 'done'>();
  const seenCycles = new Set<string>();
  const stack: string[] = [];
  const visit = (id: string): number => {
    const known = level.get(id);
    if (known !== undefined) return known;
    if (state.get(id) === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(id)), id];
      // One report per cycle, whichever member the walk entered it from.
      const key = [...cycle.slice(0, -1)].sort().join('\u0000');
      if (!seenCycles.has(key)) {
        seenCycles.add(key);
        errors.push({
          code: graphCodes.cycle,
          resourceId: id,
          message: `dependency cycle: ${cycle.join(' → ')}`,
          cycle,
        });
      }
      return 0;
    }
    state.set(id, 'visiting');
    stack.push(id);
    let depth = 0;
    for (const dep of deps.get(id) ?? []) {
      if (deps.has(dep)) depth = Math.max(depth, visit(dep) + 1);
    }
    stack.pop();
    state.set(id, 'done');
    level.set(id, depth);
    return depth;
  };
  for (const id of deps.keys()) visit(id);

  if (errors.length > 0) return { ok: false, errors };
  const levels: string[][] = [];
  for (const [id, depth] of level) {
    while (levels.length <= depth) levels.push([]);
    levels[depth]?.push(id);
  }
  // `level` is filled in visiting order; keep form order within a level.
  const order = new Map([...deps.keys()].map((id, i) => [id, i]));
  for (const ids of levels) ids.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  return { ok: true, levels, levelOf: level };
};
