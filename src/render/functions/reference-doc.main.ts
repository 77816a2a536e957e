// Entry script of `npm run docs:functions`: writes docs/template-functions.md from the table.

import { writeFileSync } from 'node:fs';
import { renderReferenceDoc } from './reference-doc.js';

/** Where the page lives, from dist/src/render/functions/ back to the repository root. */
const target = new URL('../../../../docs/template-functions.md', import.meta.url);

writeFileSync(target, renderReferenceDoc());
