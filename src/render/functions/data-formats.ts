// JSON and YAML functions: Sprig's fromJson/toJson family plus Helm's fromYaml/toYaml.

import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { TemplateFunction } from '../template-function.js';
import { checkSerializedSize, copyPlain, GuardError, isDict, strArg } from './values.js';

/** Orders dict keys as Go's encoding/json does (sorted) and keeps `__proto__` an own key. */
function sortedReplacer(_key: string, value: unknown): unknown {
  if (!isDict(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, value[k]]),
  );
}

/**
 * Go's `json.Marshal` / `MarshalIndent`: sorted keys, U+2028/U+2029 escaped, and `<`, `>`, `&`
 * escaped unless `raw`.
 * @throws Error on values JSON cannot hold (functions, NaN, Infinity) or over the size limit.
 */
function goJson(fn: string, value: unknown, pretty: boolean, raw: boolean): string {
  checkSerializedSize(fn, value);
  const plain = copyPlain(fn, value);
  assertFiniteNumbers(fn, plain);
  const text = JSON.stringify(plain, sortedReplacer, pretty ? 2 : undefined);
  const escaped = text.replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
  if (raw) return escaped;
  return escaped.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026');
}

function assertFiniteNumbers(fn: string, value: unknown): void {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new Error(`${fn}: ${value} cannot be written as JSON`);
  }
  if (Array.isArray(value)) for (const item of value) assertFiniteNumbers(fn, item);
  else if (isDict(value)) for (const item of Object.values(value)) assertFiniteNumbers(fn, item);
}

/** The plain form returns "" where Sprig does; the `must` form fails the render. */
function lenient<T>(fn: () => T): T | '' {
  try {
    return fn();
  } catch (err: unknown) {
    // Sprig's documented contract for these functions: failure yields the empty string.
    // Limits and forbidden keys are never silent.
    if (err instanceof GuardError) throw err;
    return '';
  }
}

function parseJson(fn: string, text: unknown): unknown {
  const source = strArg(fn, 'json', text);
  let parsed: unknown;
  try {
    parsed = JSON.parse(source);
  } catch (err: unknown) {
    throw new Error(`${fn}: invalid JSON: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  return copyPlain(fn, parsed);
}

/**
 * Parses YAML (one document) into plain data; aliases are bounded by the `yaml` package.
 * @throws Error on invalid YAML.
 */
function fromYaml(text: unknown): unknown {
  const source = strArg('fromYaml', 'yaml', text);
  let parsed: unknown;
  try {
    parsed = parseYaml(source, { maxAliasCount: 100 });
  } catch (err: unknown) {
    throw new Error(`fromYaml: invalid YAML: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  return copyPlain('fromYaml', parsed);
}

/** Helm's `toYaml`: sorted keys, no line folding, the trailing newline trimmed. */
function toYaml(value: unknown): string {
  checkSerializedSize('toYaml', value);
  const plain = copyPlain('toYaml', value);
  return stringifyYaml(plain, { sortMapEntries: true, lineWidth: 0 }).replace(/\n$/, '');
}

export const dataFormatFunctions: readonly TemplateFunction[] = [
  {
    name: 'fromJson',
    filterSignature: 's | fromJson',
    globalSignature: 'fromJson(s)',
    meaning:
      'Decodes a JSON document; "" when it is not valid JSON. As the last filter of a leaf it makes the leaf that JSON value (T3).',
    example: '{{ ("{\\"foo\\": 55}" | fromJson).foo }}',
    expected: '55',
    filter: (s: unknown) => lenient(() => parseJson('fromJson', s)),
    global: (s: unknown) => lenient(() => parseJson('fromJson', s)),
  },
  {
    name: 'mustFromJson',
    filterSignature: 's | mustFromJson',
    globalSignature: 'mustFromJson(s)',
    meaning: 'Decodes a JSON document; fails the render when it is not valid JSON.',
    example: '{{ ("{\\"foo\\": 55}" | mustFromJson).foo }}',
    expected: '55',
    filter: (s: unknown) => parseJson('mustFromJson', s),
    global: (s: unknown) => parseJson('mustFromJson', s),
  },
  {
    name: 'toJson',
    filterSignature: 'v | toJson',
    globalSignature: 'toJson(v)',
    meaning:
      'Encodes the value as compact JSON with sorted keys, escaping `<`, `>`, `&` as Go does; "" when it cannot be encoded.',
    example: '{{ {"b": [1, 2], "a": "<x>"} | toJson }}',
    expected: '{"a":"\\u003cx\\u003e","b":[1,2]}',
    filter: (v: unknown) => lenient(() => goJson('toJson', v, false, false)),
    global: (v: unknown) => lenient(() => goJson('toJson', v, false, false)),
  },
  {
    name: 'mustToJson',
    filterSignature: 'v | mustToJson',
    globalSignature: 'mustToJson(v)',
    meaning: 'Like `toJson`; fails the render when the value cannot be encoded.',
    example: '{{ [1, "a"] | mustToJson }}',
    expected: '[1,"a"]',
    filter: (v: unknown) => goJson('mustToJson', v, false, false),
    global: (v: unknown) => goJson('mustToJson', v, false, false),
  },
  {
    name: 'toPrettyJson',
    filterSignature: 'v | toPrettyJson',
    globalSignature: 'toPrettyJson(v)',
    meaning: 'Encodes the value as JSON indented by two spaces; "" when it cannot be encoded.',
    example: '{{ {"a": 1} | toPrettyJson }}',
    expected: '{\n  "a": 1\n}',
    filter: (v: unknown) => lenient(() => goJson('toPrettyJson', v, true, false)),
    global: (v: unknown) => lenient(() => goJson('toPrettyJson', v, true, false)),
  },
  {
    name: 'mustToPrettyJson',
    filterSignature: 'v | mustToPrettyJson',
    globalSignature: 'mustToPrettyJson(v)',
    meaning: 'Like `toPrettyJson`; fails the render when the value cannot be encoded.',
    example: '{{ {"a": 1} | mustToPrettyJson }}',
    expected: '{\n  "a": 1\n}',
    filter: (v: unknown) => goJson('mustToPrettyJson', v, true, false),
    global: (v: unknown) => goJson('mustToPrettyJson', v, true, false),
  },
  {
    name: 'toRawJson',
    filterSignature: 'v | toRawJson',
    globalSignature: 'toRawJson(v)',
    meaning: 'Like `toJson`, with `<`, `>` and `&` left unescaped.',
    example: '{{ {"a": "<x>"} | toRawJson }}',
    expected: '{"a":"<x>"}',
    filter: (v: unknown) => lenient(() => goJson('toRawJson', v, false, true)),
    global: (v: unknown) => lenient(() => goJson('toRawJson', v, false, true)),
  },
  {
    name: 'mustToRawJson',
    filterSignature: 'v | mustToRawJson',
    globalSignature: 'mustToRawJson(v)',
    meaning: 'Like `toRawJson`; fails the render when the value cannot be encoded.',
    example: '{{ {"a": "<x>"} | mustToRawJson }}',
    expected: '{"a":"<x>"}',
    filter: (v: unknown) => goJson('mustToRawJson', v, false, true),
    global: (v: unknown) => goJson('mustToRawJson', v, false, true),
  },
  {
    name: 'fromYaml',
    filterSignature: 's | fromYaml',
    globalSignature: 'fromYaml(s)',
    meaning:
      'Decodes a YAML document into plain data; fails the render on invalid YAML. As the last filter of a leaf it makes the leaf that value (T3). Helm function, not Sprig.',
    example: '{{ ("a: 1\\nb: [x, y]" | fromYaml).b | join(",") }}',
    expected: 'x,y',
    filter: fromYaml,
    global: fromYaml,
  },
  {
    name: 'toYaml',
    filterSignature: 'v | toYaml',
    globalSignature: 'toYaml(v)',
    meaning:
      'Encodes the value as YAML with sorted keys and no trailing newline (pair with `nindent`). Helm function, not Sprig.',
    example: '{{ {"b": [1, 2], "a": "x"} | toYaml }}',
    expected: 'a: x\nb:\n  - 1\n  - 2',
    filter: toYaml,
    global: toYaml,
  },
];
