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

/** How one database spells a SELECT: its identifier quoting and where the table name comes from. */
export interface SqlDialect {
  /** Quotes one validated identifier. */
  readonly quoteId: (name: string) => string;
  /** The CR path of the table name, for messages (`spec.source.mysql.table`). */
  readonly tableField: string;
  /** The CR path of the schema name, when the dialect qualifies tables with one. */
  readonly schemaField?: string;
}

export const mysqlDialect: SqlDialect = {
  quoteId: (name) => escapeId(name),
  tableField: 'spec.source.mysql.table',
};

/**
 * PostgreSQL: every identifier double-quoted, so `Tenants` means exactly `Tenants` (never folded
 * to lower case) and no name can be read as a keyword. The validated character set holds no `"`,
 * and doubling it anyway keeps the quoting right should that set ever widen.
 */
export const postgresDialect: SqlDialect = {
  quoteId: (name) => `"${name.replace(/"/g, '""')}"`,
  tableField: 'spec.source.postgresql.table',
  schemaField: 'spec.source.postgresql.schema',
};

/** Which selected column (by position) feeds which variable. */
export interface VariableBinding {
  readonly variable: string;
  readonly index: number;
}

/** The validated SELECT and how to read its positional result back into variables. */
export interface RowQueryPlan {
  /** `SELECT \`a\`, \`b\` FROM \`t\`` (or `"a"` … `FROM "s"."t"`): each distinct mapped column once, nothing else. */
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
 * Validates every identifier of `query` and builds the SELECT in `dialect` (MySQL by default).
 * Guarantees that the SQL text contains only validated, quoted identifiers and that a column mapped twice is
 * selected once. Throws `LynqError` `InvalidIdentifier` (naming the CR field) or
 * `InvalidMapping` (an extra variable that is empty or reserved).
 */
export const planRowQuery = (query: RowQuery, dialect: SqlDialect = mysqlDialect): RowQueryPlan => {
  const table = checkIdentifier(query.table, dialect.tableField);
  const schema =
    query.schema === undefined || dialect.schemaField === undefined
      ? undefined
      : checkIdentifier(query.schema, dialect.schemaField);
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
  const from =
    schema === undefined
      ? dialect.quoteId(table)
      : `${dialect.quoteId(schema)}.${dialect.quoteId(table)}`;
  const sql = `SELECT ${columns.map((c) => dialect.quoteId(c)).join(', ')} FROM ${from}`;
  return { sql, columns, uidIndex, activateIndex, hostOrUrlIndex, extra };
};
