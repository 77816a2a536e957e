// Loading the template function library: the real one loads, a missing or empty one fails loudly.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { functionTableCodes, loadTemplateFunctions } from './function-table.js';

describe('template function library loading', () => {
  it('T4 loads the built library with its Sprig functions', async () => {
    const names = (await loadTemplateFunctions()).map((f) => f.name);
    for (const name of ['trunc63', 'toHost', 'b64enc', 'semverCompare']) {
      assert.ok(names.includes(name), name);
    }
  });

  it('throws FunctionLibraryMissing instead of an empty table when the module does not exist', async () => {
    const href = new URL('./functions/not-built.js', import.meta.url).href;
    await assert.rejects(loadTemplateFunctions(href), (err: unknown) => {
      assert.equal((err as { code?: unknown }).code, functionTableCodes.libraryMissing);
      assert.match((err as Error).message, /not-built\.js does not exist/);
      return true;
    });
  });

  it('throws when a module exports an empty table', async () => {
    const href = `data:text/javascript,${encodeURIComponent('export const templateFunctions = [];')}`;
    await assert.rejects(loadTemplateFunctions(href), /non-empty templateFunctions/);
  });
});
