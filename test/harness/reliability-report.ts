// Turns the figures the fault tests recorded (one JSON line each) into docs/reliability.md, the table of the last fault run.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, totalmem } from 'node:os';

/** One scenario's figures, as `test/faults/fault-figures.ts` records them. */
export interface FaultFigures {
  readonly scenario: string;
  /** SPEC ids the scenario proves. */
  readonly spec: readonly string[];
  readonly figures: Readonly<Record<string, number | string | boolean>>;
}

export interface ReportOptions {
  readonly figuresFile: string;
  readonly outFile: string;
  readonly wallMillis: number;
  readonly exitCode: number;
  readonly files: readonly string[];
}

const readFigures = (file: string): FaultFigures[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as FaultFigures)
    : [];

const cell = (value: unknown): string => String(value).replace(/\|/g, '\\|').replace(/\n/g, ' ');

const machineNote = (): string => {
  const cpu = cpus();
  const load = loadavg()
    .map((l) => l.toFixed(1))
    .join(' / ');
  const gib = (bytes: number): string => (bytes / 2 ** 30).toFixed(1);
  return `${String(cpu.length)} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${gib(totalmem())} GiB RAM (${gib(freemem())} GiB free at the end), Node ${process.version}, load average at the end ${load} (1 / 5 / 15 min)`;
};

/** Writes the report (replacing the file) and returns its path. */
export const writeReliabilityReport = (options: ReportOptions): string => {
  const figures = readFigures(options.figuresFile);
  const sections = figures.map(
    (f) => `### ${f.scenario} (${f.spec.join(', ')})

| figure | value |
| --- | --- |
${Object.entries(f.figures)
  .map(([key, value]) => `| ${cell(key)} | ${cell(value)} |`)
  .join('\n')}
`,
  );
  const text = `# Reliability: the fault suite

Written by \`npm run test:faults\` (\`test/faults/\`, run by \`test/harness/run-tests.ts --faults\`)
at the end of every run; do not edit by hand. Each fault test builds its own namespace, database,
hub and form, runs the operator as a separate process (so it can be SIGKILLed) against the
harness's real kube-apiserver, etcd, kube-controller-manager and MariaDB, and records its figures
as one \`fault-figures:\` JSON line. Tests assert only correctness (nothing lost, duplicated,
orphaned or stuck; no deletion on a datasource fault; no write after a restart) and generous
convergence bounds; the times below are measurements, not targets.

## Last run

- date: ${new Date().toISOString()}
- machine: ${machineNote()}
- rows per rollout (\`LYNQ_FAULT_ROWS\`): ${process.env['LYNQ_FAULT_ROWS'] ?? '300 (default)'}
- test files: ${options.files.map((f) => `\`${f}\``).join(', ')}
- result: ${options.exitCode === 0 ? 'all passed' : `failed (exit code ${String(options.exitCode)})`}
- wall time of the tests (control plane start not included): ${(options.wallMillis / 1000).toFixed(0)} s

A scenario records its figures just before its assertions: a failed run may list figures of a
scenario that then failed (the test output says which).

${sections.length === 0 ? '(no figures recorded)\n' : sections.join('\n')}`;
  writeFileSync(options.outFile, text);
  return options.outFile;
};
