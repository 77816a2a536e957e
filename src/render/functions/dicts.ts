// Dict functions (Sprig's dicts.md): building, reading, merging dicts of plain data, prototype-safe.

import type { TemplateFunction } from '../template-function.js';
import { pipedLast } from './table-helpers.js';
import {
  checkSequenceLength,
  copyPlain,
  dictArg,
  isDict,
  newDict,
  ownValue,
  safeKey,
  type Dict,
} from './values.js';

function dict(...pairs: unknown[]): Dict {
  checkSequenceLength('dict', Math.ceil(pairs.length / 2));
  const out = newDict();
  for (let i = 0; i < pairs.length; i += 2) {
    // An odd last key gets "", as in Sprig.
    out[safeKey('dict', pairs[i])] = i + 1 < pairs.length ? pairs[i + 1] : '';
  }
  return out;
}

function get(d: unknown, key: unknown): unknown {
  const value = ownValue(dictArg('get', d), safeKey('get', key));
  return value === undefined ? '' : value;
}

function set(d: unknown, key: unknown, value: unknown): Dict {
  const target = dictArg('set', d);
  const k = safeKey('set', key);
  if (Object.isFrozen(target))
    throw new Error('set: this dict is read-only; build one with dict()');
  target[k] = value;
  return target;
}

function unset(d: unknown, key: unknown): Dict {
  const target = dictArg('unset', d);
  const k = safeKey('unset', key);
  if (Object.isFrozen(target)) {
    throw new Error('unset: this dict is read-only; use omit() for a copy without the key');
  }
  // eslint-disable-next-line @typescript-eslint/no-dynamic-delete -- a dict is a key/value map
  delete target[k];
  return target;
}

function hasKey(d: unknown, key: unknown): boolean {
  return Object.hasOwn(dictArg('hasKey', d), safeKey('hasKey', key));
}

function pluck(key: unknown, ...dicts: unknown[]): unknown[] {
  const k = safeKey('pluck', key);
  return dicts
    .map((d) => dictArg('pluck', d))
    .filter((d) => Object.hasOwn(d, k))
    .map((d) => d[k]);
}

function keys(...dicts: unknown[]): string[] {
  return dicts.flatMap((d) => Object.keys(dictArg('keys', d)));
}

function values(d: unknown): unknown[] {
  return Object.values(dictArg('values', d));
}

function pick(d: unknown, ...names: unknown[]): Dict {
  const source = dictArg('pick', d);
  const out = newDict();
  for (const name of names) {
    const k = safeKey('pick', name);
    if (Object.hasOwn(source, k)) out[k] = source[k];
  }
  return out;
}

function omit(d: unknown, ...names: unknown[]): Dict {
  const source = dictArg('omit', d);
  const drop = new Set(names.map((n) => safeKey('omit', n)));
  const out = newDict();
  for (const k of Object.keys(source)) if (!drop.has(k)) out[safeKey('omit', k)] = source[k];
  return out;
}

/**
 * Sprig's `dig`: walks nested dicts along the keys; the default when a key is missing.
 * @throws Error when a value on the way is not a dict.
 */
function dig(...args: unknown[]): unknown {
  if (args.length < 3) throw new Error('dig: needs at least one key, a default and a dict');
  let current: unknown = args[args.length - 1];
  const fallback = args[args.length - 2];
  const path = args.slice(0, -2).map((k) => safeKey('dig', k));
  for (const k of path) {
    const here = dictArg('dig', current);
    if (!Object.hasOwn(here, k)) return fallback;
    current = here[k];
  }
  return current;
}

/**
 * mergo's deep merge over `map[string]interface{}`: without overwrite a key is filled only when
 * missing or null in the destination; with overwrite every non-null source value wins.
 */
function mergeInto(fn: string, dst: Dict, src: Dict, overwrite: boolean): void {
  for (const key of Object.keys(src)) {
    const k = safeKey(fn, key);
    const from = src[k];
    const to = ownValue(dst, k);
    if (isDict(to) && isDict(from)) mergeInto(fn, to, from, overwrite);
    else if (overwrite ? from !== null && from !== undefined : to === null || to === undefined) {
      dst[k] = copyPlain(fn, from);
    }
  }
}

function merge(fn: string, overwrite: boolean) {
  return (dst: unknown, ...sources: unknown[]): Dict => {
    const out = copyPlain(fn, dictArg(fn, dst)) as Dict;
    for (const src of sources) mergeInto(fn, out, dictArg(fn, src), overwrite);
    return out;
  };
}

function deepCopy(fn: string) {
  return (value: unknown): unknown => copyPlain(fn, value);
}

const mergeNote =
  ' Returns a new dict; the destination is not modified (Sprig modifies it in place).';

export const dictFunctions: readonly TemplateFunction[] = [
  {
    name: 'dict',
    filterSignature: 'key | dict(value, ...pairs)',
    globalSignature: 'dict(key1, value1, key2, value2, …)',
    meaning:
      'A dict of the key/value pairs; keys are strings, and `__proto__`, `constructor`, `prototype` are refused.',
    example: '{{ dict("name1", "value1", "name2", "value2") | toJson }}',
    expected: '{"name1":"value1","name2":"value2"}',
    filter: dict,
    global: dict,
  },
  {
    name: 'get',
    filterSignature: 'dict | get(key)',
    globalSignature: 'get(dict, key)',
    meaning: 'The value under the key, or "" when the dict has no such key (own keys only).',
    example: '{{ dict("name1", "value1") | get("name1") }}',
    expected: 'value1',
    filter: get,
    global: get,
  },
  {
    name: 'set',
    filterSignature: 'dict | set(key, value)',
    globalSignature: 'set(dict, key, value)',
    meaning: 'Sets the key in the dict and returns the dict (it modifies the dict).',
    example: '{{ dict("name1", "value1") | set("name4", "value4") | toJson }}',
    expected: '{"name1":"value1","name4":"value4"}',
    filter: set,
    global: set,
  },
  {
    name: 'unset',
    filterSignature: 'dict | unset(key)',
    globalSignature: 'unset(dict, key)',
    meaning: 'Deletes the key from the dict and returns the dict; a missing key is no error.',
    example: '{{ dict("name1", "value1", "name4", "value4") | unset("name4") | toJson }}',
    expected: '{"name1":"value1"}',
    filter: unset,
    global: unset,
  },
  {
    name: 'hasKey',
    filterSignature: 'dict | hasKey(key)',
    globalSignature: 'hasKey(dict, key)',
    meaning: 'True when the dict has the key (own keys only).',
    example: '{{ dict("name1", "value1") | hasKey("name1") }}',
    expected: 'true',
    filter: hasKey,
    global: hasKey,
  },
  {
    name: 'pluck',
    filterSignature: 'dict | pluck(key, ...moreDicts)',
    globalSignature: 'pluck(key, ...dicts)',
    meaning: 'The values under the key in each dict that has it, as a list.',
    example:
      '{{ pluck("name1", dict("name1", "value1"), dict("name1", "otherValue1")) | join(" ") }}',
    expected: 'value1 otherValue1',
    filter: (d: unknown, key: unknown, ...more: unknown[]) => pluck(key, d, ...more),
    global: pluck,
  },
  {
    name: 'dig',
    filterSignature: 'dict | dig(...keys, default)',
    globalSignature: 'dig(...keys, default, dict)',
    meaning: 'Walks nested dicts along the keys; the default when a key on the way is missing.',
    example:
      '{{ { "user": { "role": { "humanName": "curator" } } } | dig("user", "role", "humanName", "guest") }}',
    expected: 'curator',
    filter: pipedLast(dig),
    global: dig,
  },
  {
    name: 'merge',
    filterSignature: 'dst | merge(...sources)',
    globalSignature: 'merge(dst, ...sources)',
    meaning: `Deep merge where the destination wins: a source only fills keys missing (or null) in it.${mergeNote}`,
    example:
      '{{ merge({ "a": 1, "c": { "x": 1 } }, { "a": 2, "b": 3, "c": { "y": 2 } }) | toJson }}',
    expected: '{"a":1,"b":3,"c":{"x":1,"y":2}}',
    filter: merge('merge', false),
    global: merge('merge', false),
  },
  {
    name: 'mustMerge',
    filterSignature: 'dst | mustMerge(...sources)',
    globalSignature: 'mustMerge(dst, ...sources)',
    meaning: `Same as \`merge\`; both fail the render on non-dict input.${mergeNote}`,
    example: '{{ mustMerge({"a": 1}, {"a": 2, "b": 3}) | toJson }}',
    expected: '{"a":1,"b":3}',
    filter: merge('mustMerge', false),
    global: merge('mustMerge', false),
  },
  {
    name: 'mergeOverwrite',
    filterSignature: 'dst | mergeOverwrite(...sources)',
    globalSignature: 'mergeOverwrite(dst, ...sources)',
    meaning: `Deep merge where sources win, right to left; null source values do not overwrite.${mergeNote}`,
    example:
      '{{ mergeOverwrite({"default": "default", "overwrite": "me", "key": true}, {"overwrite": "overwritten", "key": false}) | toJson }}',
    expected: '{"default":"default","key":false,"overwrite":"overwritten"}',
    filter: merge('mergeOverwrite', true),
    global: merge('mergeOverwrite', true),
  },
  {
    name: 'mustMergeOverwrite',
    filterSignature: 'dst | mustMergeOverwrite(...sources)',
    globalSignature: 'mustMergeOverwrite(dst, ...sources)',
    meaning: `Same as \`mergeOverwrite\`; both fail the render on non-dict input.${mergeNote}`,
    example: '{{ mustMergeOverwrite({"key": true}, {"key": false}) | toJson }}',
    expected: '{"key":false}',
    filter: merge('mustMergeOverwrite', true),
    global: merge('mustMergeOverwrite', true),
  },
  {
    name: 'keys',
    filterSignature: 'dict | keys(...moreDicts)',
    globalSignature: 'keys(...dicts)',
    meaning: 'The keys of the dicts, concatenated, in no promised order (sort with `sortAlpha`).',
    example: '{{ dict("name2", "value2", "name1", "value1") | keys | sortAlpha | join(" ") }}',
    expected: 'name1 name2',
    filter: keys,
    global: keys,
  },
  {
    name: 'pick',
    filterSignature: 'dict | pick(...keys)',
    globalSignature: 'pick(dict, ...keys)',
    meaning: 'A new dict with only the given keys.',
    example:
      '{{ dict("name1", "value1", "name2", "value2", "name3", "value 3") | pick("name1", "name2") | toJson }}',
    expected: '{"name1":"value1","name2":"value2"}',
    filter: pick,
    global: pick,
  },
  {
    name: 'omit',
    filterSignature: 'dict | omit(...keys)',
    globalSignature: 'omit(dict, ...keys)',
    meaning: 'A new dict without the given keys.',
    example:
      '{{ dict("name1", "value1", "name2", "value2", "name3", "value 3") | omit("name1", "name3") | toJson }}',
    expected: '{"name2":"value2"}',
    filter: omit,
    global: omit,
  },
  {
    name: 'values',
    filterSignature: 'dict | values',
    globalSignature: 'values(dict)',
    meaning: 'The values of the dict as a list, in no promised order (sort with `sortAlpha`).',
    example:
      '{{ dict("name1", "value1", "name2", "value2", "name3", "value 3") | values | sortAlpha | toJson }}',
    expected: '["value 3","value1","value2"]',
    filter: values,
    global: values,
  },
  {
    name: 'deepCopy',
    filterSignature: 'v | deepCopy',
    globalSignature: 'deepCopy(v)',
    meaning: 'A deep copy of plain data (lists, dicts, scalars).',
    example: '{{ dict("a", 1, "b", 2) | deepCopy | toJson }}',
    expected: '{"a":1,"b":2}',
    filter: deepCopy('deepCopy'),
    global: deepCopy('deepCopy'),
  },
  {
    name: 'mustDeepCopy',
    filterSignature: 'v | mustDeepCopy',
    globalSignature: 'mustDeepCopy(v)',
    meaning: 'Same as `deepCopy`; both fail the render on values that are not plain data.',
    example: '{{ dict("a", 1, "b", 2) | mustDeepCopy | toJson }}',
    expected: '{"a":1,"b":2}',
    filter: deepCopy('mustDeepCopy'),
    global: deepCopy('mustDeepCopy'),
  },
];
