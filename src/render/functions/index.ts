// The template function library as one table: every entry is code, documentation and a tested example.

import type { TemplateFunction } from '../template-function.js';
import { conversionFunctions } from './conversion.js';
import { dataFormatFunctions } from './data-formats.js';
import { defaultFunctions } from './defaults.js';
import { dictFunctions } from './dicts.js';
import { durationFunctions } from './durations.js';
import { encodingFunctions } from './encoding.js';
import { listFunctions } from './lists.js';
import { mathFunctions } from './math.js';
import { pathFunctions } from './paths.js';
import { regexFunctions } from './regex.js';
import { semverFunctions } from './semver.js';
import { stringFunctions } from './strings.js';
import { urlFunctions } from './urls.js';
import { GuardError } from './values.js';

export { typedFilterNames } from './conversion.js';
export { excludedSprigFunctions } from './excluded.js';
export { sprigV3FunctionNames } from './sprig-v3-names.js';
export { GuardError } from './values.js';

type Callable = (...args: unknown[]) => unknown;

/**
 * Wraps a library function so that no function ever goes in or comes out (T5): a function
 * argument could be called or inspected, a function result would hand the template code.
 * The wrapper also drops nunjucks' `this` (the render context), which no library function needs.
 */
function harden(name: string, fn: (...args: never[]) => unknown): Callable {
  const call = fn as unknown as Callable;
  return (...args: unknown[]) => {
    if (args.some((a) => typeof a === 'function')) {
      throw new GuardError(`${name}: functions are not values`);
    }
    const result = call(...args);
    if (typeof result === 'function') throw new GuardError(`${name}: returned a function`);
    return result;
  };
}

const groups: readonly (readonly TemplateFunction[])[] = [
  stringFunctions,
  regexFunctions,
  listFunctions,
  dictFunctions,
  defaultFunctions,
  dataFormatFunctions,
  mathFunctions,
  conversionFunctions,
  encodingFunctions,
  pathFunctions,
  semverFunctions,
  urlFunctions,
  durationFunctions,
];

/**
 * Every template function, sorted by name. Register `filter` under `name` as a nunjucks filter,
 * and `global` (when present) as a global; both are hardened against function values.
 */
export const templateFunctions: readonly TemplateFunction[] = groups
  .flat()
  .map((entry) => {
    const hardened: TemplateFunction = {
      ...entry,
      filter: harden(entry.name, entry.filter),
    };
    return entry.global === undefined
      ? hardened
      : { ...hardened, global: harden(entry.name, entry.global) };
  })
  .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
