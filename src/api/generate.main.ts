// Entry point of `npm run generate`: writes the generated files into the repository.
import { findRepoRoot, writeGeneratedFiles } from './generate.js';

for (const path of writeGeneratedFiles(findRepoRoot(import.meta.url))) {
  process.stdout.write(`wrote ${path}\n`);
}
