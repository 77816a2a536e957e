// Where a process's CPU went: a V8 .cpuprofile (node --cpu-prof) summed by function, self and total time, optionally over one time window.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  /** Microseconds, on the profiler's own clock. */
  readonly startTime: number;
  readonly endTime: number;
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** `name file:line`, the file relative to the repository when it is ours. */
const labelOf = (node: ProfileNode): string => {
  const { functionName, url, lineNumber } = node.callFrame;
  if (url === '') return functionName || '(anonymous)';
  const file = url.replace(/^file:\/\/.*?\/dist\//, '').replace(/^node:/, 'node:');
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
};

/** Samples whose time falls in [from, to) seconds after the profile's start, with their duration. */
const samplesIn = (
  profile: CpuProfile,
  fromS: number,
  toS: number,
): { id: number; micros: number }[] => {
  const out: { id: number; micros: number }[] = [];
  let t = profile.startTime;
  for (let i = 0; i < profile.samples.length; i += 1) {
    const delta = profile.timeDeltas[i] ?? 0;
    t += delta;
    const at = (t - profile.startTime) / 1e6;
    const id = profile.samples[i];
    // A sample stands for the interval up to the next one.
    const micros = profile.timeDeltas[i + 1] ?? 0;
    if (id !== undefined && at >= fromS && at < toS) out.push({ id, micros });
  }
  return out;
};

const table = (title: string, rows: [string, number][], totalMicros: number, top: number) => {
  process.stdout.write(`\n${title}\n`);
  for (const [label, micros] of rows.sort((a, b) => b[1] - a[1]).slice(0, top)) {
    const ms = (micros / 1000).toFixed(0).padStart(8);
    const pct = ((micros / totalMicros) * 100).toFixed(1).padStart(5);
    process.stdout.write(`${ms} ms ${pct} %  ${label}\n`);
  }
};

/**
 * `node dist/bench/cpu-profile-summary.js <file.cpuprofile> [top=30] [from-s=0] [to-s=∞]`: the
 * functions with the most self time and the most total (inclusive) time over the window, and how
 * much of it was garbage collection, idle and program (V8's own buckets).
 */
const main = (): void => {
  const [file, topArg, fromArg, toArg] = process.argv.slice(2);
  if (file === undefined)
    throw new Error('usage: cpu-profile-summary <file.cpuprofile> [top] [from-s] [to-s]');
  const top = Number(topArg ?? '30');
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const fromS = Number(fromArg ?? '0');
  const toS = Number(toArg ?? 'Infinity');
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

  const samples = samplesIn(profile, fromS, toS);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (const { id, micros } of samples) {
    const node = byId.get(id);
    if (node === undefined) continue;
    const label = labelOf(node);
    if (label === '(idle)') {
      idle += micros;
      continue;
    }
    busy += micros;
    self.set(label, (self.get(label) ?? 0) + micros);
    // Each function once per sample, however deep its recursion.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (frame === undefined) break;
      const l = labelOf(frame);
      if (seen.has(l)) continue;
      seen.add(l);
      total.set(l, (total.get(l) ?? 0) + micros);
    }
  }
  const span = (profile.endTime - profile.startTime) / 1e6;
  process.stdout.write(
    `${file}: ${span.toFixed(1)} s profiled; window ${fromS}–${Math.min(toS, span).toFixed(1)} s: ` +
      `busy ${(busy / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms, ` +
      `GC ${((self.get('(garbage collector)') ?? 0) / 1000).toFixed(0)} ms\n`,
  );
  table('by self time', [...self], busy, top);
  table('by total time (self and callees)', [...total], busy, top);
};

main();
