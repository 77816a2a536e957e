// `lynq operator` refuses to start on what it can check alone, with one JSON line and no stack trace (startup is all or nothing).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../main.js', import.meta.url));

/** Runs `lynq operator <args>` to its end: its exit code and its one line, parsed. */
const operator = (...args: string[]) => {
  const run = spawnSync(process.execPath, [main, 'operator', ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, LYNQ_HEALTH_PORT: '-1' },
  });
  const lines = run.stdout.split('\n').filter((l) => l !== '');
  assert.equal(run.stderr, '');
  assert.equal(lines.length, 1, run.stdout);
  const line = JSON.parse(lines[0] ?? '') as {
    level: number;
    msg: string;
    err: { message: string };
  };
  return { code: run.status, line };
};

describe('operator startup', () => {
  it('O5 an invalid flag exits 2 with one JSON line naming it', () => {
    const { code, line } = operator('--health-port', 'abc');
    assert.equal(code, 2);
    assert.equal(line.level, 60);
    assert.equal(line.msg, 'Invalid operator configuration; not starting');
    assert.match(line.err.message, /health-port: "abc" is not a whole number/);
  });

  it('O5 an unreadable kubeconfig exits 1 with one JSON line naming the file', () => {
    const { code, line } = operator('--kubeconfig', '/nonexistent/kubeconfig');
    assert.equal(code, 1);
    assert.equal(line.msg, 'Cannot use the kubeconfig; not starting');
    assert.match(line.err.message, /ENOENT.*\/nonexistent\/kubeconfig/);
  });
});
