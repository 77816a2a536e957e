// SPEC H3 for PostgreSQL: the text a server sends per column type, turned into a template variable value by parsers set on each client (never pg's global table).

import { toRfc3339 } from './column-value.js';
import { parseExactJson } from './exact-json.js';

/** PostgreSQL type OIDs (stable catalog numbers from `pg_type`). */
export const pgTypeOids = {
  bool: 16,
  bytea: 17,
  int8: 20,
  int2: 21,
  int4: 23,
  oid: 26,
  json: 114,
  jsonArray: 199,
  boolArray: 1000,
  byteaArray: 1001,
  int2Array: 1005,
  int4Array: 1007,
  textArray: 1009,
  bpcharArray: 1014,
  varcharArray: 1015,
  int8Array: 1016,
  float4Array: 1021,
  float8Array: 1022,
  oidArray: 1028,
  timestampArray: 1115,
  dateArray: 1182,
  timestamptzArray: 1185,
  numericArray: 1231,
  bitArray: 1561,
  uuidArray: 2951,
  jsonbArray: 3807,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  bit: 1560,
  jsonb: 3802,
} as const;

/** A parser from the server's text form of one value (never called for NULL). */
export type PgTextParser = (text: string) => unknown;

const integer: PgTextParser = (text) => {
  const n = Number(text);
  // Beyond ±(2^53−1) a number would be rounded: the exact decimal text instead (H3).
  return Number.isSafeInteger(n) ? n : text;
};

const boolean: PgTextParser = (text) => text === 't' || text === 'true';

/*
 * Sessions run with TimeZone=UTC (set per connection), so a timestamptz arrives as
 * `2024-01-02 03:04:05.678+00`; a timestamp without time zone has no zone and is taken as UTC,
 * like MySQL's DATETIME. Text other than a plain four-digit-year date or time (BC dates,
 * `infinity`) stays as the server wrote it.
 */
const dateTime: PgTextParser = (text) => {
  const utc = text.replace(/\+00(?::00)?$/, '');
  if (!/^\d{4}-\d{2}-\d{2}(?: \d{2}:\d{2}:\d{2}(?:\.\d{1,9})?)?$/.test(utc)) return text;
  return toRfc3339(utc);
};

const json: PgTextParser = (text) => {
  try {
    return parseExactJson(text);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    return text;
  }
};

/** BIT(1) → boolean; wider bit strings → their value as decimal text (as for MySQL's BIT). */
const bits: PgTextParser = (text) => {
  if (!/^[01]+$/.test(text)) return text;
  return text.length === 1 ? text === '1' : BigInt(`0b${text}`).toString();
};

/** bytea's hex output (`\x6869`) as UTF-8 text, as MySQL's binary columns are. */
const bytes: PgTextParser = (text) =>
  text.startsWith('\\x') ? Buffer.from(text.slice(2), 'hex').toString('utf8') : text;

const text: PgTextParser = (value) => value;

/**
 * Parses a PostgreSQL array literal (`{1,2,NULL}`, `{"a b","c\"d"}`, `{{1,2},{3,4}}`,
 * `[0:1]={1,2}`) into nested arrays, each element through `element`; a NULL element becomes
 * `""` as a NULL column does (H3). Throws `SyntaxError` on text that is not an array literal.
 */
export const parsePgArray = (literal: string, element: PgTextParser): unknown[] => {
  const start = literal.startsWith('[') ? literal.indexOf('=') + 1 : 0;
  let i = start;
  const fail = (): never => {
    throw new SyntaxError(`not a PostgreSQL array literal: ${literal.slice(0, 80)}`);
  };
  const parseList = (): unknown[] => {
    if (literal[i] !== '{') fail();
    i += 1;
    const out: unknown[] = [];
    if (literal[i] === '}') {
      i += 1;
      return out;
    }
    for (;;) {
      const c = literal[i];
      if (c === '{') out.push(parseList());
      else if (c === '"') {
        let value = '';
        i += 1;
        while (i < literal.length && literal[i] !== '"') {
          if (literal[i] === '\\') i += 1;
          value += literal[i] ?? '';
          i += 1;
        }
        if (literal[i] !== '"') fail();
        i += 1;
        out.push(element(value));
      } else {
        let end = i;
        while (end < literal.length && literal[end] !== ',' && literal[end] !== '}') end += 1;
        const raw = literal.slice(i, end).trim();
        i = end;
        out.push(raw.toUpperCase() === 'NULL' ? '' : element(raw));
      }
      if (literal[i] === ',') i += 1;
      else if (literal[i] === '}') {
        i += 1;
        return out;
      } else fail();
    }
  };
  const result = parseList();
  if (i !== literal.length) fail();
  return result;
};

const arrayOf =
  (element: PgTextParser): PgTextParser =>
  (literal) => {
    try {
      return parsePgArray(literal, element);
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err;
      return literal;
    }
  };

const o = pgTypeOids;

/** Element parser per scalar type OID; every other type is text (H3: everything else → string). */
const scalarParsers: ReadonlyMap<number, PgTextParser> = new Map<number, PgTextParser>([
  [o.bool, boolean],
  [o.bytea, bytes],
  [o.int2, integer],
  [o.int4, integer],
  [o.int8, integer],
  [o.oid, integer],
  [o.json, json],
  [o.jsonb, json],
  [o.date, dateTime],
  [o.timestamp, dateTime],
  [o.timestamptz, dateTime],
  [o.bit, bits],
]);

/** Array type OID → its element parser; arrays of other types are parsed with text elements. */
const arrayElementParsers: ReadonlyMap<number, PgTextParser> = new Map<number, PgTextParser>([
  [o.boolArray, boolean],
  [o.byteaArray, bytes],
  [o.int2Array, integer],
  [o.int4Array, integer],
  [o.int8Array, integer],
  [o.oidArray, integer],
  [o.jsonArray, json],
  [o.jsonbArray, json],
  [o.dateArray, dateTime],
  [o.timestampArray, dateTime],
  [o.timestamptzArray, dateTime],
  [o.bitArray, bits],
  [o.textArray, text],
  [o.bpcharArray, text],
  [o.varcharArray, text],
  [o.float4Array, text],
  [o.float8Array, text],
  [o.numericArray, text],
  [o.uuidArray, text],
]);

/**
 * The parser for a column of type `oid` in text format (SPEC H3): integers → numbers (beyond
 * 2^53 → decimal text), boolean → boolean, numeric/money/float → exact text, date/timestamp/
 * timestamptz → RFC 3339 UTC, json/jsonb → values (big integers as text), BIT(1) → boolean,
 * arrays → arrays of the same mapping, everything else → the server's text. Never throws.
 */
export const pgTextParserFor = (oid: number): PgTextParser => {
  const scalar = scalarParsers.get(oid);
  if (scalar !== undefined) return scalar;
  const element = arrayElementParsers.get(oid);
  return element === undefined ? text : arrayOf(element);
};

/**
 * pg's per-client `types` option: our parsers for text results. A binary result is never asked
 * for (Lynq sends plain text queries); should one come, its bytes are returned as they are.
 */
export const lynqPgTypes = {
  getTypeParser: (
    oid: number,
    format?: 'text' | 'binary',
  ): PgTextParser | ((b: Buffer) => Buffer) =>
    format === 'binary' ? (value: Buffer) => value : pgTextParserFor(oid),
};
