// SPEC H3: the fixed mapping from a MySQL/MariaDB column value to a template variable value.

import { parseExactJson } from './exact-json.js';

/** MySQL protocol column types (stable wire numbers; mysql2's `Types` table, typed). */
export const columnTypes = {
  decimal: 0,
  tiny: 1,
  short: 2,
  long: 3,
  float: 4,
  double: 5,
  null: 6,
  timestamp: 7,
  longlong: 8,
  int24: 9,
  date: 10,
  time: 11,
  datetime: 12,
  year: 13,
  newdate: 14,
  varchar: 15,
  bit: 16,
  json: 245,
  newdecimal: 246,
} as const;

/** What the mapping needs to know of a result column (a subset of mysql2's `FieldPacket`). */
export interface ColumnInfo {
  readonly name: string;
  readonly columnType: number;
  /** Display length; for `BIT(n)` it is n. */
  readonly columnLength: number;
  /** MariaDB ≥ 10.5 marks JSON columns (LONGTEXT with a CHECK) with the extended format `json`. */
  readonly extendedFormat?: string | undefined;
}

const integerTypes: ReadonlySet<number> = new Set([
  columnTypes.tiny,
  columnTypes.short,
  columnTypes.long,
  columnTypes.int24,
  columnTypes.longlong,
  columnTypes.year,
]);

const dateTimeText = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?)?$/;

/**
 * RFC 3339 in UTC for a DATE, DATETIME or TIMESTAMP read as text (`dateStrings`) from a session
 * whose `time_zone` is `+00:00`: `2024-01-02 03:04:05.678` → `2024-01-02T03:04:05.678Z`, a DATE
 * → midnight UTC. The text is rearranged, never parsed into a local `Date`, so the process time
 * zone cannot shift it and fractional digits come through exactly. MySQL's zero and partly zero
 * dates (`0000-00-00`, `2024-00-10`, only storable in lax SQL modes) are not dates: `""`, like
 * NULL. A `Date` (a driver configured without `dateStrings`) is taken as an instant.
 */
export const toRfc3339 = (raw: unknown): string => {
  if (raw instanceof Date) return Number.isNaN(raw.getTime()) ? '' : raw.toISOString();
  const text = typeof raw === 'string' ? raw : String(raw);
  const m = dateTimeText.exec(text);
  if (m === null) return text;
  const [, year, month, day, hour = '00', minute = '00', second = '00', fraction = ''] = m;
  if (year === '0000' || month === '00' || day === '00') return '';
  return `${year}-${month}-${day}T${hour}:${minute}:${second}${fraction}Z`;
};

const bitsToDecimal = (bytes: Uint8Array): string => {
  let n = 0n;
  for (const byte of bytes) n = (n << 8n) | BigInt(byte);
  return n.toString();
};

const integerValue = (raw: unknown): unknown => {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) ? raw : String(raw);
  if (typeof raw === 'bigint') {
    return raw <= BigInt(Number.MAX_SAFE_INTEGER) && raw >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(raw)
      : raw.toString();
  }
  // mysql2 (supportBigNumbers, not bigNumberStrings) gives the exact decimal text beyond 2^53.
  return typeof raw === 'string' ? raw : String(raw);
};

const jsonValue = (raw: unknown): unknown => {
  if (Buffer.isBuffer(raw)) return jsonValue(raw.toString('utf8'));
  if (typeof raw !== 'string') return raw;
  try {
    return parseExactJson(raw);
  } catch (err) {
    // A column that claims JSON but holds something else stays text rather than failing the sync.
    if (!(err instanceof SyntaxError)) throw err;
    return raw;
  }
};

const textValue = (raw: unknown): string => {
  if (typeof raw === 'string') return raw;
  if (Buffer.isBuffer(raw)) return raw.toString('utf8');
  if (raw !== null && typeof raw === 'object') return JSON.stringify(raw);
  return String(raw);
};

/**
 * The variable value of one column value (SPEC H3): NULL → `""`; integers → numbers, beyond
 * ±(2^53−1) → decimal strings; DECIMAL → string; DATE/DATETIME/TIMESTAMP → RFC 3339 in UTC
 * (`toRfc3339`); JSON (MySQL's type, or MariaDB's `json` format) → the parsed value, with
 * integers beyond 2^53 as decimal strings too; BIT(1) →
 * boolean, wider BIT → decimal string; everything else (text, binary as UTF-8, FLOAT/DOUBLE,
 * TIME, ENUM, SET…) → string. Expects the driver's text-protocol values with `dateStrings`,
 * `supportBigNumbers` and not `bigNumberStrings`. Never throws.
 */
export const toVariableValue = (column: ColumnInfo, raw: unknown): unknown => {
  if (raw === null || raw === undefined) return '';
  if (integerTypes.has(column.columnType)) return integerValue(raw);
  switch (column.columnType) {
    case columnTypes.decimal:
    case columnTypes.newdecimal:
      return textValue(raw);
    case columnTypes.date:
    case columnTypes.newdate:
    case columnTypes.datetime:
    case columnTypes.timestamp:
      return toRfc3339(raw);
    case columnTypes.json:
      return jsonValue(raw);
    case columnTypes.bit: {
      if (!(raw instanceof Uint8Array)) return textValue(raw);
      return column.columnLength === 1 ? raw.some((b) => b !== 0) : bitsToDecimal(raw);
    }
    default:
      return column.extendedFormat === 'json' ? jsonValue(raw) : textValue(raw);
  }
};
