// List functions (Sprig's lists.md and string_slice.md): building, slicing and searching lists.

import type { TemplateFunction } from '../template-function.js';
import { codePoints, pipedLast } from './table-helpers.js';
import {
  checkSequenceLength,
  checkStringLength,
  deepEqual,
  intArg,
  isEmpty,
  isList,
  listArg,
  newDict,
  strArg,
  toGoString,
  toInt64,
  type Dict,
} from './values.js';

/** Sprig's `strslice`: a list's non-null items as strings; a scalar becomes a one-item list. */
export function toStringList(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (isList(value)) {
    return value.filter((v) => v !== null && v !== undefined).map((v) => toGoString(v));
  }
  return [toGoString(value)];
}

/** Lists the items of a list, or the characters of a string (nunjucks' behaviour for strings). */
function itemsOf(fn: string, value: unknown): readonly unknown[] {
  if (typeof value === 'string') return codePoints(value);
  return listArg(fn, value);
}

function first(fn: string) {
  return (list: unknown): unknown => itemsOf(fn, list)[0] ?? null;
}

function last(fn: string) {
  return (list: unknown): unknown => {
    const items = itemsOf(fn, list);
    return items[items.length - 1] ?? null;
  };
}

function rest(fn: string) {
  return (list: unknown): unknown[] => listArg(fn, list).slice(1);
}

function initial(fn: string) {
  return (list: unknown): unknown[] => listArg(fn, list).slice(0, -1);
}

function append(fn: string) {
  return (list: unknown, item: unknown): unknown[] => {
    const items = listArg(fn, list);
    checkSequenceLength(fn, items.length + 1);
    return [...items, item];
  };
}

function prepend(fn: string) {
  return (list: unknown, item: unknown): unknown[] => {
    const items = listArg(fn, list);
    checkSequenceLength(fn, items.length + 1);
    return [item, ...items];
  };
}

function reverse(fn: string) {
  return (list: unknown): unknown => {
    if (typeof list === 'string') return codePoints(list).reverse().join('');
    return [...listArg(fn, list)].reverse();
  };
}

/** Keeps the first of equal items; scalars by identity (fast), lists and dicts deeply. */
function uniqueItems(items: readonly unknown[]): unknown[] {
  const seen = new Set<unknown>();
  const containers: unknown[] = [];
  const out: unknown[] = [];
  for (const item of items) {
    if (typeof item === 'object' && item !== null) {
      if (containers.some((c) => deepEqual(c, item))) continue;
      containers.push(item);
    } else {
      const key = item === undefined ? null : item;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    out.push(item);
  }
  return out;
}

function uniq(fn: string) {
  return (list: unknown): unknown[] => uniqueItems(listArg(fn, list));
}

function without(fn: string) {
  return (list: unknown, ...omit: unknown[]): unknown[] =>
    listArg(fn, list).filter((item) => !omit.some((o) => deepEqual(o, item)));
}

function has(fn: string) {
  return (needle: unknown, list: unknown): boolean =>
    listArg(fn, list).some((item) => deepEqual(item, needle));
}

function compact(fn: string) {
  return (list: unknown): unknown[] => listArg(fn, list).filter((item) => !isEmpty(item));
}

function slice(fn: string) {
  return (list: unknown, ...indices: unknown[]): unknown => {
    const isString = typeof list === 'string';
    const items = isString ? codePoints(list) : listArg(fn, list);
    if (items.length === 0) return isString ? '' : null;
    const start = indices.length > 0 ? toInt64(indices[0]) : 0;
    const end = indices.length > 1 ? toInt64(indices[1]) : items.length;
    if (start < 0 || end < start || end > items.length) {
      throw new Error(
        `${fn}: indices [${start}:${end}] are out of range for length ${items.length}`,
      );
    }
    const part = items.slice(start, end);
    return isString ? part.join('') : part;
  };
}

function chunk(fn: string) {
  return (size: unknown, list: unknown): unknown[][] => {
    const n = intArg(fn, 'size', size);
    if (n < 1) throw new Error(`${fn}: size must be at least 1`);
    const items = listArg(fn, list);
    const chunks: unknown[][] = [];
    for (let i = 0; i < items.length; i += n) chunks.push(items.slice(i, i + n));
    return chunks;
  };
}

function concat(...lists: unknown[]): unknown[] {
  const parts = lists.map((l) => listArg('concat', l));
  checkSequenceLength(
    'concat',
    parts.reduce((sum, p) => sum + p.length, 0),
  );
  return parts.flat(1);
}

function list(...items: unknown[]): unknown[] {
  checkSequenceLength('list', items.length);
  return items;
}

function join(sep: unknown, value: unknown): string {
  const separator = strArg('join', 'separator', sep);
  const parts = toStringList(value);
  checkStringLength(
    'join',
    parts.reduce((sum, p) => sum + p.length, 0) + Math.max(parts.length - 1, 0) * separator.length,
  );
  return parts.join(separator);
}

function sortAlpha(value: unknown): string[] {
  return toStringList(value).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function splitList(sep: unknown, s: unknown): string[] {
  const separator = strArg('splitList', 'separator', sep);
  const text = strArg('splitList', 'string', s);
  return separator === '' ? codePoints(text) : text.split(separator);
}

/** Go's `strings.SplitN`: n < 0 all pieces, n == 0 none, otherwise at most n. */
function splitN(sep: string, text: string, n: number): string[] {
  if (n === 0) return [];
  const all = sep === '' ? codePoints(text) : text.split(sep);
  if (n < 0 || all.length <= n) return all;
  return [...all.slice(0, n - 1), all.slice(n - 1).join(sep)];
}

function indexDict(pieces: readonly string[]): Dict {
  const dict = newDict();
  pieces.forEach((piece, i) => (dict[`_${i}`] = piece));
  return dict;
}

function split(sep: unknown, s: unknown): Dict {
  return indexDict(splitN(strArg('split', 'separator', sep), strArg('split', 'string', s), -1));
}

function splitn(sep: unknown, n: unknown, s: unknown): Dict {
  return indexDict(
    splitN(
      strArg('splitn', 'separator', sep),
      strArg('splitn', 'string', s),
      intArg('splitn', 'n', n),
    ),
  );
}

const mustNote = ' Same as the plain form: both fail the render when the input is not a list.';

/** The plain and `must` spellings of one list function; only the plain one clashes with nunjucks. */
function pair(
  name: string,
  entry: (fnName: string) => Omit<TemplateFunction, 'name'>,
): TemplateFunction[] {
  const mustName = `must${name.slice(0, 1).toUpperCase()}${name.slice(1)}`;
  const must = { ...entry(mustName) };
  delete must.clash;
  return [
    { name, ...entry(name) },
    { name: mustName, ...must, meaning: must.meaning + mustNote },
  ];
}

export const listFunctions: readonly TemplateFunction[] = [
  {
    name: 'list',
    filterSignature: 'v | list(...more)',
    globalSignature: 'list(...items)',
    meaning: 'A list of the given items.',
    example: '{{ list(1, 2, 3, 4, 5) | join(" ") }}',
    expected: '1 2 3 4 5',
    clash:
      'Sprig wins: nunjucks `list` turns a string into its characters and a dict into pairs; ours makes a list of its arguments (`"ab" | list` is `["ab"]`).',
    filter: list,
    global: list,
  },
  {
    name: 'tuple',
    filterSignature: 'v | tuple(...more)',
    globalSignature: 'tuple(...items)',
    meaning: 'Same as `list` (Sprig keeps it for old templates).',
    example: '{{ tuple(1, 2, 3) | join(" ") }}',
    expected: '1 2 3',
    filter: list,
    global: list,
  },
  ...pair('first', (fn) => ({
    filterSignature: `list | ${fn}`,
    globalSignature: `${fn}(list)`,
    meaning: 'The first item of the list (null when empty); of a string, its first character.',
    example: `{{ [1, 2, 3, 4, 5] | ${fn} }}`,
    expected: '1',
    clash:
      'Sprig wins, compatible: nunjucks `first` does the same on lists and strings; ours returns null for an empty list.',
    filter: first(fn),
    global: first(fn),
  })),
  ...pair('rest', (fn) => ({
    filterSignature: `list | ${fn}`,
    globalSignature: `${fn}(list)`,
    meaning: 'Every item but the first.',
    example: `{{ [1, 2, 3, 4, 5] | ${fn} | join(" ") }}`,
    expected: '2 3 4 5',
    filter: rest(fn),
    global: rest(fn),
  })),
  ...pair('last', (fn) => ({
    filterSignature: `list | ${fn}`,
    globalSignature: `${fn}(list)`,
    meaning: 'The last item of the list (null when empty); of a string, its last character.',
    example: `{{ [1, 2, 3, 4, 5] | ${fn} }}`,
    expected: '5',
    clash:
      'Sprig wins, compatible: nunjucks `last` does the same on lists and strings; ours returns null for an empty list.',
    filter: last(fn),
    global: last(fn),
  })),
  ...pair('initial', (fn) => ({
    filterSignature: `list | ${fn}`,
    globalSignature: `${fn}(list)`,
    meaning: 'Every item but the last.',
    example: `{{ [1, 2, 3, 4, 5] | ${fn} | join(" ") }}`,
    expected: '1 2 3 4',
    filter: initial(fn),
    global: initial(fn),
  })),
  ...pair('append', (fn) => ({
    filterSignature: `list | ${fn}(item)`,
    globalSignature: `${fn}(list, item)`,
    meaning: 'A new list with the item added at the end; the input is unchanged.',
    example: `{{ [1, 2, 3, 4, 5] | ${fn}(6) | join(" ") }}`,
    expected: '1 2 3 4 5 6',
    filter: append(fn),
    global: append(fn),
  })),
  ...pair('push', (fn) => ({
    filterSignature: `list | ${fn}(item)`,
    globalSignature: `${fn}(list, item)`,
    meaning: 'Same as `append`.',
    example: `{{ [1, 2, 3, 4, 5] | ${fn}(6) | join(" ") }}`,
    expected: '1 2 3 4 5 6',
    filter: append(fn),
    global: append(fn),
  })),
  ...pair('prepend', (fn) => ({
    filterSignature: `list | ${fn}(item)`,
    globalSignature: `${fn}(list, item)`,
    meaning: 'A new list with the item added in front; the input is unchanged.',
    example: `{{ [1, 2, 3, 4, 5] | ${fn}(0) | join(" ") }}`,
    expected: '0 1 2 3 4 5',
    filter: prepend(fn),
    global: prepend(fn),
  })),
  {
    name: 'concat',
    filterSignature: 'list | concat(...lists)',
    globalSignature: 'concat(...lists)',
    meaning: 'One list made of all the given lists in order.',
    example: '{{ [1, 2, 3, 4, 5] | concat([6, 7], [8]) | join(" ") }}',
    expected: '1 2 3 4 5 6 7 8',
    filter: concat,
    global: concat,
  },
  ...pair('reverse', (fn) => ({
    filterSignature: `list | ${fn}`,
    globalSignature: `${fn}(list)`,
    meaning: 'A new list with the items in reverse order; a string is reversed by characters.',
    example: `{{ [1, 2, 3, 4, 5] | ${fn} | join(" ") }}`,
    expected: '5 4 3 2 1',
    clash:
      'Sprig wins, compatible: nunjucks `reverse` does the same on lists and strings; ours never modifies the input list.',
    filter: reverse(fn),
    global: reverse(fn),
  })),
  ...pair('uniq', (fn) => ({
    filterSignature: `list | ${fn}`,
    globalSignature: `${fn}(list)`,
    meaning: 'The list without duplicates (deep equality), first occurrences kept.',
    example: `{{ [1, 1, 1, 2] | ${fn} | join(" ") }}`,
    expected: '1 2',
    filter: uniq(fn),
    global: uniq(fn),
  })),
  ...pair('without', (fn) => ({
    filterSignature: `list | ${fn}(...items)`,
    globalSignature: `${fn}(list, ...items)`,
    meaning: 'The list without the given items.',
    example: `{{ [1, 2, 3, 4, 5] | ${fn}(1, 3, 5) | join(" ") }}`,
    expected: '2 4',
    filter: without(fn),
    global: without(fn),
  })),
  ...pair('has', (fn) => ({
    filterSignature: `list | ${fn}(item)`,
    globalSignature: `${fn}(item, list)`,
    meaning: 'True when the list contains the item (deep equality).',
    example: `{{ [1, 2, 3, 4, 5] | ${fn}(4) }}`,
    expected: 'true',
    filter: pipedLast(has(fn)),
    global: has(fn),
  })),
  ...pair('compact', (fn) => ({
    filterSignature: `list | ${fn}`,
    globalSignature: `${fn}(list)`,
    meaning: 'The list without empty items ("", 0, false, null, empty lists and dicts).',
    example: `{{ [1, "a", "foo", ""] | ${fn} | join(" ") }}`,
    expected: '1 a foo',
    filter: compact(fn),
    global: compact(fn),
  })),
  ...pair('slice', (fn) => ({
    filterSignature: `list | ${fn}(start, end)`,
    globalSignature: `${fn}(list, start, end)`,
    meaning:
      'The items from `start` up to (not including) `end`, like Go `list[start:end]`; both optional.',
    example: `{{ [1, 2, 3, 4, 5] | ${fn}(1, 3) | join(" ") }}`,
    expected: '2 3',
    clash:
      'Sprig wins: nunjucks `slice(n)` cuts a list into n groups; ours takes start and end indices, as Helm charts expect.',
    filter: slice(fn),
    global: slice(fn),
  })),
  ...pair('chunk', (fn) => ({
    filterSignature: `list | ${fn}(size)`,
    globalSignature: `${fn}(size, list)`,
    meaning: 'The list cut into lists of `size` items (the last may be shorter).',
    example: `{{ [1, 2, 3, 4, 5, 6, 7, 8] | ${fn}(3) | toJson }}`,
    expected: '[[1,2,3],[4,5,6],[7,8]]',
    filter: pipedLast(chunk(fn)),
    global: chunk(fn),
  })),
  {
    name: 'join',
    filterSignature: 'list | join(separator)',
    globalSignature: 'join(separator, list)',
    meaning: 'The items as strings joined with the separator; nulls are skipped.',
    example: '{{ ["hello", "world"] | join("_") }} {{ [1, 2, 3] | join("+") }}',
    expected: 'hello_world 1+2+3',
    clash:
      "Sprig wins, compatible for `list | join(sep)`: nunjucks' extra attribute argument is not supported, and a scalar is joined as a one-item list.",
    filter: pipedLast(join),
    global: join,
  },
  {
    name: 'sortAlpha',
    filterSignature: 'list | sortAlpha',
    globalSignature: 'sortAlpha(list)',
    meaning: 'The items as strings, sorted (lexicographically, by code unit).',
    example: '{{ ["b", "c", "a"] | sortAlpha | join(" ") }}',
    expected: 'a b c',
    filter: sortAlpha,
    global: sortAlpha,
  },
  {
    name: 'splitList',
    filterSignature: 's | splitList(separator)',
    globalSignature: 'splitList(separator, s)',
    meaning: 'Splits the string at every separator into a list.',
    example: '{{ "foo$bar$baz" | splitList("$") | join(" ") }}',
    expected: 'foo bar baz',
    filter: pipedLast(splitList),
    global: splitList,
  },
  {
    name: 'split',
    filterSignature: 's | split(separator)',
    globalSignature: 'split(separator, s)',
    meaning: 'Splits the string into a dict with keys `_0`, `_1`, …',
    example: '{{ ("foo$bar$baz" | split("$"))._0 }}',
    expected: 'foo',
    filter: pipedLast(split),
    global: split,
  },
  {
    name: 'splitn',
    filterSignature: 's | splitn(separator, n)',
    globalSignature: 'splitn(separator, n, s)',
    meaning: 'Like `split`, into at most `n` pieces; the last keeps the rest.',
    example: '{{ ("foo$bar$baz" | splitn("$", 2))._1 }}',
    expected: 'bar$baz',
    filter: pipedLast(splitn),
    global: splitn,
  },
];
