// A retried failure warns once per distinct error.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import { distinctWarning } from './distinct-warning.js';
import { createRootLogger } from './logger.js';

it('O5 a failure retried five times is one warning; a different error or one after recovery warns again', () => {
  const levels: [number, string][] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const line = JSON.parse(chunk.toString('utf8')) as {
        level: number;
        err: { message: string };
      };
      levels.push([line.level, line.err.message]);
      done();
    },
  });
  const warnings = distinctWarning(createRootLogger('debug', sink));
  const denied = new Error('Access denied for user lynq');
  for (let i = 0; i < 5; i += 1) warnings.failed({ err: denied, attempt: i }, 'Retrying');
  warnings.failed({ err: new Error('connect ECONNREFUSED') }, 'Retrying');
  warnings.cleared();
  warnings.failed({ err: new Error('connect ECONNREFUSED') }, 'Retrying');
  assert.deepEqual(
    levels.map(([level]) => level),
    [40, 20, 20, 20, 20, 40, 40],
  );
});
