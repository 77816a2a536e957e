// Loads the template function library from a module, so threads and the CLI can each load their own.

import { invalidSpecError } from '../errors.js';
import type { TemplateFunction } from './template-function.js';

export const functionTableCodes = { libraryMissing: 'FunctionLibraryMissing' } as const;

/** Where the library lives: `src/render/functions/index.ts` exports `templateFunctions`. */
export const defaultFunctionsModule = new URL('./functions/index.js', import.meta.url).href;

const isTemplateFunction = (value: unknown): value is TemplateFunction =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as { name?: unknown }).name === 'string' &&
  typeof (value as { filter?: unknown }).filter === 'function';

const isModuleNotFound = (err: unknown, href: string): boolean =>
  typeof err === 'object' &&
  err !== null &&
  (err as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' &&
  String((err as { message?: unknown }).message).includes(new URL(href).pathname);

/**
 * Imports `templateFunctions` from `href`. Throws `FunctionLibraryMissing` when the module does
 * not exist (an unbuilt or broken install: rendering without the library would fail every
 * template that uses a function, so nothing starts), a `TypeError` when it exports no table or an empty one, and
 * whatever else the import throws.
 */
export const loadTemplateFunctions = async (
  href: string = defaultFunctionsModule,
): Promise<readonly TemplateFunction[]> => {
  let mod: unknown;
  try {
    mod = await import(href);
  } catch (err: unknown) {
    if (isModuleNotFound(err, href)) {
      throw invalidSpecError(
        functionTableCodes.libraryMissing,
        `the template function library ${href} does not exist (is the project built?)`,
        err,
      );
    }
    throw err;
  }
  const table: unknown = (mod as { templateFunctions?: unknown }).templateFunctions;
  if (!Array.isArray(table) || table.length === 0 || !table.every(isTemplateFunction)) {
    throw new TypeError(
      `${href} does not export a non-empty templateFunctions: TemplateFunction[]`,
    );
  }
  return table;
};
