// Turning a RowQuery into one safe SELECT: identifiers validated, escaped, and only mapped columns selected.

import { escapeId } from 'mysql2';
import { invalidSpecError } from '../errors.js';
import { rowQueryErrorCodes, type RowQuery } from './datasource.js';

/*
 * Deliberately narrower than what MySQL accepts (which is almost any character once quoted):
 * names outside this set are rare in real schemas, and a narrow set leaves nothing for escaping
 * to get wrong. `db.table` is not accepted: the database is part of the connection.
 */
const identifierPattern = /^[A-Za-z0-9_$]{1,64}$/;

/** Variables the hub or the datasource define themselves; an extra mapping may not reuse them. */
export const reservedVariableNames = [
  'uid',
  'activate',
  'hostOrUrl',
  'host',
  'hubId',
  'templateRef',
] as const;

const reserved: ReadonlySet<string> = new Set(reservedVariableNames);

/**
 * Returns `name` when it is a valid MySQL identifier for Lynq (`[A-Za-z0-9_$]{1,64}`).
 * Throws `LynqError` `InvalidIdentifier` naming `field` (a CR path such as
 * `spec.valueMappings.uid`) otherwise.
 */
export const checkIdentifier = (name: string, field: string): string => {
  if (!identifierPattern.test(name)) {
    throw invalidSpecError(
      rowQueryErrorCodes.invalidIdentifier,
      `${field}: ${JSON.stringify(name)} is not a valid column or table name (allowed: 1 to 64 of A-Z a-z 0-9 _ $)`,
      undefined,
      { field },
    );
  }
  return name;
};

/** Which selected column (by position) feeds which variable. */
export interface VariableBinding {
  readonly variable: string;
  readonly index: number;
}

/** The validated SELECT and how to read its positional result back into variables. */
export interface RowQueryPlan {
  /** `SELECT \`a\`, \`b\` FROM \`t\``: each distinct mapped column once, nothing else. */
  readonly sql: string;
  /** The distinct columns, in SELECT order. */
  readonly columns: readonly string[];
  readonly uidIndex: number;
  readonly activateIndex: number;
  readonly hostOrUrlIndex: number | undefined;
  /** Extra mappings, sorted by variable name. */
  readonly extra: readonly VariableBinding[];
}

/**
 * Validates every identifier of `query` and builds the SELECT. Guarantees that the SQL text
 * contains only validated, backtick-escaped identifiers and that a column mapped twice is
 * selected once. Throws `LynqError` `InvalidIdentifier` (naming the CR field) or
 * `InvalidMapping` (an extra variable that is empty or reserved).
 */
export const planRowQuery = (query: RowQuery): RowQueryPlan => {
  const table = checkIdentifier(query.table, 'spec.source.mysql.table');
  const columns: string[] = [];
  const indexOf = (column: string, field: string): number => {
    checkIdentifier(column, field);
    const existing = columns.indexOf(column);
    if (existing >= 0) return existing;
    columns.push(column);
    return columns.length - 1;
  };
  const uidIndex = indexOf(query.columns.uid, 'spec.valueMappings.uid');
  const activateIndex = indexOf(query.columns.activate, 'spec.valueMappings.activate');
  const hostOrUrlIndex =
    query.columns.hostOrUrl === undefined
      ? undefined
      : indexOf(query.columns.hostOrUrl, 'spec.valueMappings.hostOrUrl');
  const extra = Object.keys(query.columns.extra)
    .sort()
    .map((variable): VariableBinding => {
      const field = `spec.extraValueMappings.${variable}`;
      if (variable === '' || reserved.has(variable)) {
        throw invalidSpecError(
          rowQueryErrorCodes.invalidMapping,
          `${field}: ${JSON.stringify(variable)} cannot be an extra variable name (reserved: ${reservedVariableNames.join(', ')})`,
          undefined,
          { field },
        );
      }
      return { variable, index: indexOf(query.columns.extra[variable] ?? '', field) };
    });
  const sql = `SELECT ${columns.map((c) => escapeId(c)).join(', ')} FROM ${escapeId(table)}`;
  return { sql, columns, uidIndex, activateIndex, hostOrUrlIndex, extra };
};
