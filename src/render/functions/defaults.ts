// Default functions (Sprig's defaults.md): default, empty, coalesce, all, any, ternary, fail.

import type { TemplateFunction } from '../template-function.js';
import { pipedLast } from './table-helpers.js';
import { isEmpty, strArg } from './values.js';

/** Sprig's `default`: the given value unless it is empty, then the default. */
function dfault(fallback: unknown, ...given: unknown[]): unknown {
  return given.length === 0 || isEmpty(given[0]) ? fallback : given[0];
}

function coalesce(...values: unknown[]): unknown {
  return values.find((v) => !isEmpty(v)) ?? null;
}

function ternary(whenTrue: unknown, whenFalse: unknown, test: unknown): unknown {
  return isEmpty(test) ? whenFalse : whenTrue;
}

function fail(message: unknown): never {
  throw new Error(strArg('fail', 'message', message));
}

export const defaultFunctions: readonly TemplateFunction[] = [
  {
    name: 'default',
    filterSignature: 'v | default(fallback)',
    globalSignature: 'default(fallback, v)',
    meaning:
      'The value, or the fallback when the value is empty: undefined, null, "", 0, false, an empty list or an empty dict.',
    example: '{{ "" | default("foo") }} {{ 0 | default(7) }} {{ "bar" | default("foo") }}',
    expected: 'foo 7 bar',
    clash:
      'Sprig wins: nunjucks `default` replaces only undefined (or falsy with a second `true` argument); ours replaces every empty value, as T2 requires. A second argument is ignored.',
    filter: (value: unknown, fallback: unknown) => dfault(fallback, value),
    global: dfault,
  },
  {
    name: 'empty',
    filterSignature: 'v | empty',
    globalSignature: 'empty(v)',
    meaning: 'True when the value is empty in the sense of `default`.',
    example: '{{ [] | empty }} {{ "x" | empty }}',
    expected: 'true false',
    filter: (v: unknown) => isEmpty(v),
    global: (v: unknown) => isEmpty(v),
  },
  {
    name: 'coalesce',
    filterSignature: 'v | coalesce(...more)',
    globalSignature: 'coalesce(...values)',
    meaning: 'The first non-empty value, or null when all are empty.',
    example: '{{ coalesce(0, 1, 2) }}',
    expected: '1',
    filter: coalesce,
    global: coalesce,
  },
  {
    name: 'all',
    filterSignature: 'v | all(...more)',
    globalSignature: 'all(...values)',
    meaning: 'True when every value is non-empty.',
    example: '{{ all(0, 1, 2) }}',
    expected: 'false',
    filter: (...values: unknown[]) => values.every((v) => !isEmpty(v)),
    global: (...values: unknown[]) => values.every((v) => !isEmpty(v)),
  },
  {
    name: 'any',
    filterSignature: 'v | any(...more)',
    globalSignature: 'any(...values)',
    meaning: 'True when at least one value is non-empty.',
    example: '{{ any(0, 1, 2) }}',
    expected: 'true',
    filter: (...values: unknown[]) => values.some((v) => !isEmpty(v)),
    global: (...values: unknown[]) => values.some((v) => !isEmpty(v)),
  },
  {
    name: 'ternary',
    filterSignature: 'test | ternary(whenTrue, whenFalse)',
    globalSignature: 'ternary(whenTrue, whenFalse, test)',
    meaning: '`whenTrue` when the test is true (non-empty), `whenFalse` when it is false or empty.',
    example: '{{ true | ternary("foo", "bar") }} {{ false | ternary("foo", "bar") }}',
    expected: 'foo bar',
    filter: pipedLast(ternary),
    global: ternary,
  },
  {
    name: 'fail',
    filterSignature: 'message | fail',
    globalSignature: 'fail(message)',
    meaning: 'Fails the render of this node with the message.',
    example:
      '{% if false %}{{ fail("Please accept the end user license agreement") }}{% endif %}ok',
    expected: 'ok',
    filter: fail,
    global: fail,
  },
  {
    name: 'hello',
    filterSignature: 'v | hello',
    globalSignature: 'hello()',
    meaning: 'The string "Hello!" (Sprig\'s smoke-test function).',
    example: '{{ hello() }}',
    expected: 'Hello!',
    filter: () => 'Hello!',
    global: () => 'Hello!',
  },
];
