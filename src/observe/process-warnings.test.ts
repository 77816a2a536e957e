// Process warnings reach the log as JSON and nothing reaches stderr, in a real Node process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const modules = {
  logger: fileURLToPath(new URL('./logger.js', import.meta.url)),
  warnings: fileURLToPath(new URL('./process-warnings.js', import.meta.url)),
};

/** A process that routes warnings, then raises a deprecation and an EventTarget listener leak. */
const script = `
import { setMaxListeners } from 'node:events';
import { createRootLogger } from ${JSON.stringify(modules.logger)};
import { routeProcessWarnings } from ${JSON.stringify(modules.warnings)};
routeProcessWarnings(createRootLogger('info'));
process.emitWarning('old API', { type: 'DeprecationWarning', code: 'DEP_TEST' });
const shared = new AbortController().signal;
setMaxListeners(10, shared);
for (let i = 0; i < 11; i += 1) shared.addEventListener('abort', () => undefined);
await new Promise((resolve) => setImmediate(resolve));
`;

describe('process warnings', () => {
  it('O5 are logged as JSON lines at warn, and Node prints nothing to stderr', () => {
    const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    assert.equal(run.status, 0, run.stderr);
    assert.equal(run.stderr, '');
    const lines = run.stdout.split('\n').filter((l) => l !== '');
    const logged = lines.map(
      (l) =>
        JSON.parse(l) as { msg: string; level: number; warning: string; err: { message: string } },
    );
    assert.deepEqual(
      logged.map((l) => [l.msg, l.level, l.warning]),
      [
        ['Process warning', 40, 'DeprecationWarning'],
        ['Process warning', 40, 'MaxListenersExceededWarning'],
      ],
    );
    assert.match(logged[1]?.err.message ?? '', /11 abort listeners/);
  });
});
