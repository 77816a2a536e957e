// Records one scenario's figures: a `fault-figures:` JSON line on stdout, and a line in the runner's figures file for docs/reliability.md.
import { appendFileSync } from 'node:fs';
import type { FaultFigures } from '../harness/reliability-report.js';

/** Prints the figures and, in a fault run, appends them to the file the runner reads at the end. */
export const recordFigures = (record: FaultFigures): void => {
  const line = JSON.stringify(record);
  process.stdout.write(`fault-figures: ${line}\n`);
  const file = process.env['LYNQ_FAULT_FIGURES'];
  if (file !== undefined) appendFileSync(file, `${line}\n`);
};
