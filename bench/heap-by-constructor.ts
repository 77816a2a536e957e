// Where a heap's bytes go: a V8 heap snapshot summed by constructor (self sizes), for the per-node figures of docs/benchmarks.md.
import { readFileSync } from 'node:fs';

interface Snapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: readonly string[];
      readonly node_types: readonly [readonly string[], ...unknown[]];
    };
  };
  readonly nodes: readonly number[];
  readonly strings: readonly string[];
}

/**
 * `node dist/bench/heap-by-constructor.js <file.heapsnapshot> [top=30] [per=10000]`: the
 * constructors holding the most bytes (objects by constructor name, strings, arrays, code …),
 * with the count and, given `per`, bytes per node.
 */
const main = (): void => {
  const [file, topArg, perArg] = process.argv.slice(2);
  if (file === undefined)
    throw new Error('usage: heap-by-constructor <file.heapsnapshot> [top] [per]');
  const top = Number(topArg ?? '30');
  const per = Number(perArg ?? '0');
  const heap = JSON.parse(readFileSync(file, 'utf8')) as Snapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const groups = new Map<string, { bytes: number; count: number }>();
  let total = 0;
  for (let i = 0; i < heap.nodes.length; i += width) {
    const type = types[heap.nodes[i + typeAt] ?? 0] ?? '?';
    const size = heap.nodes[i + sizeAt] ?? 0;
    const name = heap.strings[heap.nodes[i + nameAt] ?? 0] ?? '?';
    // Objects by constructor; strings, code, arrays and the rest by type.
    const key =
      type === 'object' || type === 'closure'
        ? `${type} ${name}`
        : type === 'native'
          ? `native ${name}`
          : type;
    const group = groups.get(key) ?? { bytes: 0, count: 0 };
    group.bytes += size;
    group.count += 1;
    groups.set(key, group);
    total += size;
  }
  const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  process.stdout.write(
    `total self size ${mb(total)}${per > 0 ? `, ${(total / per / 1024).toFixed(1)} KiB per node` : ''}\n`,
  );
  for (const [key, { bytes, count }] of [...groups]
    .sort((a, b) => b[1].bytes - a[1].bytes)
    .slice(0, top)) {
    process.stdout.write(
      `${mb(bytes).padStart(10)} ${String(count).padStart(9)}  ${per > 0 ? `${(bytes / per).toFixed(0).padStart(6)} B/node  ` : ''}${key.slice(0, 90)}\n`,
    );
  }
};

main();
