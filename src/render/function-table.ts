// Loads the template function library from a module, so threads and the CLI can each load their own.

import type { TemplateFunction } from './template-function.js';

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
 * Imports `templateFunctions` from `href`. A library that is not built yet gives an empty table
 * (templates then have only the engine's own functions); any other failure throws.
 */
export const loadTemplateFunctions = async (
  href: string = defaultFunctionsModule,
): Promise<readonly TemplateFunction[]> => {
  let mod: unknown;
  try {
    mod = await import(href);
  } catch (err: unknown) {
    if (isModuleNotFound(err, href)) return [];
    throw err;
  }
  const table: unknown = (mod as { templateFunctions?: unknown }).templateFunctions;
  if (!Array.isArray(table) || !table.every(isTemplateFunction)) {
    throw new TypeError(`${href} does not export templateFunctions: TemplateFunction[]`);
  }
  return table;
};
