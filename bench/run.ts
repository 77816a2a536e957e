// `npm run bench`: runs every benchmark one after another (never in parallel: they share two cores).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../test/harness/cache-paths.js';

const benchmarks: readonly {
  readonly name: string;
  readonly file: string;
  readonly nodeArgs: readonly string[];
}[] = [
  { name: 'render (T7)', file: 'render.bench.js', nodeArgs: [] },
  { name: 'node supervisor (DESIGN 4)', file: 'supervisor.bench.js', nodeArgs: ['--expose-gc'] },
  { name: 'heap per ready node', file: 'node-memory.bench.js', nodeArgs: ['--expose-gc'] },
  { name: 'hub sync, 10,000 rows', file: 'hub-sync.bench.js', nodeArgs: [] },
  {
    name: 'node apply, 1,000 rows × 3 resources',
    file: 'node-apply.bench.js',
    nodeArgs: [],
  },
];

const only = process.argv.slice(2);
let failed = 0;
for (const bench of benchmarks) {
  if (only.length > 0 && !only.some((o) => bench.file.includes(o))) continue;
  process.stdout.write(`\n== ${bench.name}\n`);
  const result = spawnSync(
    process.execPath,
    [...bench.nodeArgs, join(repoRoot(), 'dist', 'bench', bench.file)],
    { stdio: 'inherit' },
  );
  if (result.status !== 0) failed += 1;
}
process.exitCode = failed === 0 ? 0 : 1;
