// Type conversion and reflection functions (Sprig's conversion.md, reflection.md) plus Lynq's typed filters.

import type { TemplateFunction } from '../template-function.js';
import { pipedLast } from './table-helpers.js';
import { toStringList } from './lists.js';
import { deepEqual, isDict, isList, toFloat64, toGoString, toInt64 } from './values.js';

/** Filters that, as the last filter of a leaf, make the leaf a typed JSON value (SPEC T3). */
export const typedFilterNames = ['int', 'float', 'bool', 'fromJson', 'fromYaml', 'typed'] as const;

function atoi(s: unknown): number {
  const text = toGoString(s);
  return /^[+-]?\d+$/.test(text) ? Number(text) : 0;
}

/** Go's `strconv.ParseBool` spellings. */
const trueWords = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const falseWords = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/**
 * Lynq's `bool`: booleans as they are, numbers by non-zero, null as false, strings as Go's
 * ParseBool reads them.
 * @throws Error on any other string or a list/dict: a typed field should not guess.
 */
function bool(value: unknown): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0 && !Number.isNaN(value);
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') {
    const text = value.trim();
    if (trueWords.has(text)) return true;
    if (falseWords.has(text)) return false;
  }
  throw new Error(`bool: cannot read ${JSON.stringify(toGoString(value))} as a boolean`);
}

function toDecimal(value: unknown): number {
  const text = toGoString(value);
  return /^[+-]?[0-7]+$/.test(text) ? Number.parseInt(text, 8) : 0;
}

/** Go's `%T` for the values a template can hold. */
function typeOf(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float64';
  if (isList(value)) return '[]interface {}';
  if (isDict(value)) return 'map[string]interface {}';
  return typeof value;
}

/** Go's `reflect.Kind` names for the values a template can hold. */
function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'invalid';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float64';
  if (isList(value)) return 'slice';
  if (isDict(value)) return 'map';
  return typeof value;
}

const typesNote =
  ' Numbers are `int` when integral and `float64` otherwise; lists and dicts have the Go types of decoded JSON.';

export const conversionFunctions: readonly TemplateFunction[] = [
  {
    name: 'atoi',
    filterSignature: 's | atoi',
    globalSignature: 'atoi(s)',
    meaning: 'Reads a decimal integer from the string; 0 when it is not one.',
    example: '{{ "42" | atoi }}',
    expected: '42',
    filter: atoi,
    global: atoi,
  },
  {
    name: 'int',
    filterSignature: 'v | int',
    globalSignature: 'int(v)',
    meaning:
      'Converts to an integer: floats truncate, strings are read as Go integer literals (0x…, 0…), anything else is 0. As the last filter of a leaf it makes the leaf a JSON number (T3).',
    example: '{{ "42" | int }} {{ 3.9 | int }}',
    expected: '42 3',
    clash:
      'Sprig wins: nunjucks `int(default)` reads a leading number and returns the default otherwise ("12abc" → 12); ours returns 0 for anything that is not a whole integer, as Helm does.',
    filter: toInt64,
    global: toInt64,
  },
  {
    name: 'int64',
    filterSignature: 'v | int64',
    globalSignature: 'int64(v)',
    meaning: 'Same as `int` (JavaScript numbers are exact up to 2^53).',
    example: '{{ "42" | int64 }}',
    expected: '42',
    filter: toInt64,
    global: toInt64,
  },
  {
    name: 'float64',
    filterSignature: 'v | float64',
    globalSignature: 'float64(v)',
    meaning: 'Converts to a float; strings are parsed, anything unreadable is 0.',
    example: '{{ "1.5" | float64 }}',
    expected: '1.5',
    filter: toFloat64,
    global: toFloat64,
  },
  {
    name: 'float',
    filterSignature: 'v | float',
    globalSignature: 'float(v)',
    meaning:
      'Same as `float64`. As the last filter of a leaf it makes the leaf a JSON number (T3). Lynq addition.',
    example: '{{ "0.25" | float }}',
    expected: '0.25',
    clash:
      'Ours wins: nunjucks `float(default)` reads a leading number and returns the default otherwise; ours returns 0 for unreadable input, like `float64`.',
    filter: toFloat64,
    global: toFloat64,
  },
  {
    name: 'bool',
    filterSignature: 'v | bool',
    globalSignature: 'bool(v)',
    meaning:
      'Converts to a boolean: "true"/"false"/"1"/"0"/"t"/"f" (any case form Go accepts), numbers by non-zero, null as false; other strings fail the render. As the last filter of a leaf it makes the leaf a JSON boolean (T3). Lynq addition.',
    example: '{{ "true" | bool }} {{ 0 | bool }}',
    expected: 'true false',
    filter: bool,
    global: bool,
  },
  {
    name: 'typed',
    filterSignature: 'v | typed',
    globalSignature: 'typed(v)',
    meaning:
      "Returns the value unchanged; as the last filter of a leaf it keeps the value's JSON type instead of making it a string (T3). Lynq addition.",
    example: '{{ 42 | typed }}',
    expected: '42',
    filter: (v: unknown) => v,
    global: (v: unknown) => v,
  },
  {
    name: 'toString',
    filterSignature: 'v | toString',
    globalSignature: 'toString(v)',
    meaning:
      'Converts to a string as Go prints values: lists as `[a b]`, dicts as `map[k:v]`, null as "".',
    example: '{{ [1, 2] | toString }}',
    expected: '[1 2]',
    filter: (v: unknown) => toGoString(v),
    global: (v: unknown) => toGoString(v),
  },
  {
    name: 'toStrings',
    filterSignature: 'list | toStrings',
    globalSignature: 'toStrings(list)',
    meaning: 'Converts every item of a list to a string (nulls dropped).',
    example: '{{ [1, 2, 3] | toStrings | toJson }}',
    expected: '["1","2","3"]',
    filter: toStringList,
    global: toStringList,
  },
  {
    name: 'toDecimal',
    filterSignature: 's | toDecimal',
    globalSignature: 'toDecimal(s)',
    meaning: 'Reads a Unix octal permission as a decimal integer; 0 when it is not octal.',
    example: '{{ "0777" | toDecimal }}',
    expected: '511',
    filter: toDecimal,
    global: toDecimal,
  },
  {
    name: 'typeOf',
    filterSignature: 'v | typeOf',
    globalSignature: 'typeOf(v)',
    meaning: `The Go type name of the value.${typesNote}`,
    example: '{{ "hello" | typeOf }} {{ [1] | typeOf }}',
    expected: 'string []interface {}',
    filter: typeOf,
    global: typeOf,
  },
  {
    name: 'typeIs',
    filterSignature: 'v | typeIs(type)',
    globalSignature: 'typeIs(type, v)',
    meaning: 'True when `typeOf(v)` is the given type name.',
    example: '{{ 1.5 | typeIs("float64") }}',
    expected: 'true',
    filter: pipedLast((t, v) => typeOf(v) === toGoString(t)),
    global: (t: unknown, v: unknown) => typeOf(v) === toGoString(t),
  },
  {
    name: 'typeIsLike',
    filterSignature: 'v | typeIsLike(type)',
    globalSignature: 'typeIsLike(type, v)',
    meaning: 'Like `typeIs`, also accepting the pointer type name (`*T`).',
    example: '{{ "x" | typeIsLike("*string") }}',
    expected: 'true',
    filter: pipedLast((t, v) => typeIsLike(t, v)),
    global: (t: unknown, v: unknown) => typeIsLike(t, v),
  },
  {
    name: 'kindOf',
    filterSignature: 'v | kindOf',
    globalSignature: 'kindOf(v)',
    meaning: `The Go kind of the value: string, bool, int, float64, slice, map or invalid (null).${typesNote}`,
    example: '{{ "hello" | kindOf }}',
    expected: 'string',
    filter: kindOf,
    global: kindOf,
  },
  {
    name: 'kindIs',
    filterSignature: 'v | kindIs(kind)',
    globalSignature: 'kindIs(kind, v)',
    meaning: 'True when `kindOf(v)` is the given kind.',
    example: '{{ 123 | kindIs("int") }}',
    expected: 'true',
    filter: pipedLast((k, v) => kindOf(v) === toGoString(k)),
    global: (k: unknown, v: unknown) => kindOf(v) === toGoString(k),
  },
  {
    name: 'deepEqual',
    filterSignature: 'a | deepEqual(b)',
    globalSignature: 'deepEqual(a, b)',
    meaning: 'True when the two values are deeply equal (lists item by item, dicts key by key).',
    example: '{{ deepEqual([1, 2, 3], [1, 2, 3]) }}',
    expected: 'true',
    filter: (a: unknown, b: unknown) => deepEqual(a, b),
    global: (a: unknown, b: unknown) => deepEqual(a, b),
  },
];

function typeIsLike(t: unknown, v: unknown): boolean {
  const name = toGoString(t);
  const actual = typeOf(v);
  return name === actual || name === `*${actual}`;
}
