// Tests that the committed reference page is the one the table generates.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { templateFunctions } from './index.js';
import { renderReferenceDoc } from './reference-doc.js';

describe('reference page', () => {
  it('T4 docs/template-functions.md is up to date with the table (run npm run docs:functions)', () => {
    const committed = readFileSync(
      new URL('../../../../docs/template-functions.md', import.meta.url),
      'utf8',
    );
    assert.equal(committed, renderReferenceDoc());
  });

  it('T4 states how many functions there are and lists every one', () => {
    const page = renderReferenceDoc();
    assert.ok(page.includes(`**${templateFunctions.length} functions**`));
    for (const entry of templateFunctions) assert.ok(page.includes(`| \`${entry.name}\` |`));
  });
});
