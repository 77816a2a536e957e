// Turning the positional result of a RowQueryPlan into typed rows with variables and their canonical JSON.

import { canonicalCopy, canonicalJson } from '../api/canonical-json.js';
import { isActive } from './activation.js';
import { toVariableValue, type ColumnInfo } from './column-value.js';
import type { RejectedRow, Row, RowSet } from './datasource.js';
import type { RowQueryPlan } from './row-query-plan.js';

const schemeUrl = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

/**
 * The `host` variable of a `hostOrUrl` value: the host name of a URL with a scheme
 * (`https://a.example.com:8443/x` → `a.example.com`, IPv6 without brackets), otherwise the value
 * itself as text; `""` stays `""`. Never throws (an unparsable URL gives the value itself).
 */
export const hostOf = (value: unknown): string => {
  const text = typeof value === 'string' ? value : canonicalJson(value);
  if (!schemeUrl.test(text)) return typeof value === 'string' ? value : String(value);
  try {
    return new URL(text).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch (err) {
    // Not a URL after all (the WHATWG parser throws a TypeError): the text is the host.
    if (!(err instanceof TypeError)) throw err;
    return text;
  }
};

/** The uid text of a typed uid value, or undefined when it is not a scalar (a JSON object…). */
const uidText = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
};

/**
 * Builds the RowSet of one read. `columns` describes the positions of `plan.columns` (as the
 * driver reported them), each record holds one value per position. Rows whose uid is not a
 * string, number or boolean are rejected (`UidNotScalar`); everything else becomes a `Row`, also
 * with an empty uid (the hub rejects those, see `partitionRows`). `convert` types one value
 * (SPEC H3); MySQL's by default, PostgreSQL's values arrive typed by its per-client parsers. Throws only if a record is
 * shorter than the plan (a driver fault).
 */
export const buildRowSet = (
  plan: RowQueryPlan,
  columns: readonly ColumnInfo[],
  records: readonly (readonly unknown[])[],
  convert: (column: ColumnInfo, raw: unknown) => unknown = toVariableValue,
): RowSet => {
  const rows: Row[] = [];
  const rejected: RejectedRow[] = [];
  let active = 0;
  for (const record of records) {
    const valueAt = (index: number): unknown => {
      const column = columns[index];
      if (column === undefined || index >= record.length) {
        throw new RangeError(`row has no value for selected column ${index}`);
      }
      return convert(column, record[index]);
    };
    const uidValue = valueAt(plan.uidIndex);
    const uid = uidText(uidValue);
    if (uid === undefined) {
      rejected.push({ uid: canonicalJson(uidValue), reason: 'UidNotScalar' });
      continue;
    }
    const activate = valueAt(plan.activateIndex);
    const unordered: Record<string, unknown> = { uid: uidValue, activate };
    if (plan.hostOrUrlIndex !== undefined) {
      const hostOrUrl = valueAt(plan.hostOrUrlIndex);
      unordered['hostOrUrl'] = hostOrUrl;
      unordered['host'] = hostOf(hostOrUrl);
    }
    for (const { variable, index } of plan.extra) unordered[variable] = valueAt(index);
    // Keys inserted in canonical order, so `JSON.stringify(variables)` is `canonical` too.
    const variables = canonicalCopy(unordered) as Readonly<Record<string, unknown>>;
    const row: Row = {
      uid,
      active: isActive(activate),
      variables,
      canonical: JSON.stringify(variables),
    };
    if (row.active) active += 1;
    rows.push(row);
  }
  return { rows, total: records.length, active, rejected };
};
