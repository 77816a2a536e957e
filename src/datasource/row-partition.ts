// SPEC H4's row checks: rows with an empty uid and uids that appear more than once are set aside.

import type { Row } from './datasource.js';

/** The rows a hub may act on, and what it must report instead of acting. */
export interface RowPartition {
  /** Rows whose uid is non-empty and appears exactly once, in input order. */
  readonly unique: readonly Row[];
  /** Uids that appear more than once, each listed once, sorted. None of their rows may change anything. */
  readonly duplicateUids: readonly string[];
  /** Rows whose uid is empty or only whitespace (NULL reads as `""`). */
  readonly emptyUidCount: number;
  /** Rows not in `unique`: empty uids plus every row of a duplicated uid. */
  readonly rejectedCount: number;
}

/**
 * Splits `rows` per SPEC H4. Uids are compared exactly (case-sensitive; the database's
 * collation does not apply). A uid duplicated among active and inactive rows is still
 * duplicated: its rows are all withheld. Pure; never throws.
 */
export const partitionRows = (rows: readonly Row[]): RowPartition => {
  const counts = new Map<string, number>();
  let emptyUidCount = 0;
  for (const row of rows) {
    if (row.uid.trim() === '') {
      emptyUidCount += 1;
      continue;
    }
    counts.set(row.uid, (counts.get(row.uid) ?? 0) + 1);
  }
  const unique = rows.filter((row) => counts.get(row.uid) === 1);
  const duplicateUids = [...counts].filter(([, n]) => n > 1).map(([uid]) => uid);
  duplicateUids.sort();
  return {
    unique,
    duplicateUids,
    emptyUidCount,
    rejectedCount: rows.length - unique.length,
  };
};
