// The datasource contract: what a hub asks of a database (all rows of one table) and what it gets back.

/**
 * Which table to read and which columns feed which variables (SPEC §1 `valueMappings`,
 * `extraValueMappings`). Every name is a column of `table`; only these columns are selected.
 */
export interface RowQuery {
  /** A table or a view in the configured database (`spec.source.mysql.table`). */
  readonly table: string;
  /** PostgreSQL: the schema holding `table` (`spec.source.postgresql.schema`); MySQL has none. */
  readonly schema?: string;
  readonly columns: {
    /** Column of the row id (`spec.valueMappings.uid`). */
    readonly uid: string;
    /** Column of the activation flag (`spec.valueMappings.activate`). */
    readonly activate: string;
    /** Deprecated column feeding `hostOrUrl` and `host` (`spec.valueMappings.hostOrUrl`). */
    readonly hostOrUrl?: string;
    /** Variable name → column (`spec.extraValueMappings`). */
    readonly extra: Readonly<Record<string, string>>;
  };
}

/**
 * One row, already typed per SPEC H3.
 *
 * `variables` holds `uid`, `activate`, `hostOrUrl` and `host` (when `hostOrUrl` is mapped) and
 * every `extraValueMappings` key. `hubId` and `templateRef` are not the datasource's to know:
 * the hub adds them per form before it writes a node, and must recompute `canonical` then.
 */
export interface Row {
  /** The uid as text (an integer uid becomes its decimal text); may be empty, see `partitionRows`. */
  readonly uid: string;
  /** SPEC H2. */
  readonly active: boolean;
  readonly variables: Readonly<Record<string, unknown>>;
  /** `canonicalJson(variables)`: equal rows have equal text (SPEC H3). */
  readonly canonical: string;
}

/** A row the datasource could not turn into a `Row` at all (its uid is not a scalar). */
export interface RejectedRow {
  /** What could be read of the uid, for messages (canonical JSON of the value). */
  readonly uid: string;
  readonly reason: string;
}

/** All rows of one read, in the order the database returned them. */
export interface RowSet {
  /** Active and inactive rows; duplicates and empty uids included (the hub partitions them). */
  readonly rows: readonly Row[];
  /** Every row the table returned, rejected ones included. */
  readonly total: number;
  /** Rows in `rows` with `active === true`. */
  readonly active: number;
  readonly rejected: readonly RejectedRow[];
}

/**
 * A database a hub reads rows from. Implementations own their connections (pooled, reused
 * between reads) and convert every driver failure into a `LynqError` with a stable
 * `Datasource*` code (see `datasourceErrorCodes`).
 */
export interface Datasource {
  /**
   * Reads every row of `query.table`, selecting only the mapped columns.
   * Throws `LynqError` (`InvalidIdentifier`, `InvalidMapping` for a bad query; a
   * `Datasource*` code for a database failure). When `signal` aborts, the read stops and the
   * promise rejects with `signal.reason`.
   */
  readRows(query: RowQuery, signal?: AbortSignal): Promise<RowSet>;
  /** Closes every connection. Idempotent; later reads reject with `DatasourceClosed`. */
  close(): Promise<void>;
}

/** The stable codes of datasource failures (also the `DatasourceReachable=False` reasons, H7). */
export const datasourceErrorCodes = {
  unreachable: 'DatasourceUnreachable',
  authFailed: 'DatasourceAuthFailed',
  databaseMissing: 'DatasourceDatabaseMissing',
  tableMissing: 'DatasourceTableMissing',
  columnMissing: 'DatasourceColumnMissing',
  permissionDenied: 'DatasourcePermissionDenied',
  timeout: 'DatasourceTimeout',
  tlsFailed: 'DatasourceTlsFailed',
  closed: 'DatasourceClosed',
  /** Any other server or driver error; the message is the server's. */
  failed: 'DatasourceFailed',
} as const;

export type DatasourceErrorCode = (typeof datasourceErrorCodes)[keyof typeof datasourceErrorCodes];

/** Codes of a query that cannot be run as given (invalid spec, not a database failure). */
export const rowQueryErrorCodes = {
  invalidIdentifier: 'InvalidIdentifier',
  invalidMapping: 'InvalidMapping',
} as const;
