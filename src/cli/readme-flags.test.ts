// The README stands alone for a user: it names every operator flag and its environment variable, and links nothing outside the repository.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { it } from 'node:test';
import { operatorFlags } from './operator-flags.js';

const readme = readFileSync(
  join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'README.md'),
  'utf8',
);

it('O5 the README documents every operator flag with its environment variable', () => {
  for (const flag of operatorFlags) {
    assert.ok(readme.includes(`--${flag.name}`), `--${flag.name}`);
    if (flag.env !== undefined) assert.ok(readme.includes(flag.env), flag.env);
  }
});

it('the README links nothing a clone does not have (no ../ paths)', () => {
  assert.doesNotMatch(readme, /\]\(\.\.\//);
  assert.doesNotMatch(readme, /\.\.\/shared/);
});
