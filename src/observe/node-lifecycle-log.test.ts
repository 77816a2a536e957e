// Node lifecycle lines: one per node while few, a progress summary per window when many (SPEC O5).
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import { createRootLogger } from './logger.js';
import { createNodeLifecycleLog, type Schedule } from './node-lifecycle-log.js';

/** A root logger writing into `lines`, as the operator's does to stdout. */
const capture = (level = 'info') => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { logger: createRootLogger(level, sink), lines };
};

/** A schedule whose windows end when the test says so. */
const manualSchedule = () => {
  const pending: (() => void)[] = [];
  const schedule: Schedule = (run) => {
    pending.push(run);
    return () => {
      const i = pending.indexOf(run);
      if (i >= 0) pending.splice(i, 1);
    };
  };
  return { schedule, endWindow: () => pending.shift()?.() };
};

it('O5 each node created, deleted or failed is one info line with hub, form, node and reason', () => {
  const { logger, lines } = capture();
  const { schedule } = manualSchedule();
  const log = createNodeLifecycleLog(logger, { schedule });
  log.record({
    action: 'created',
    hub: 'ns/tenants',
    form: 'web',
    node: 'acme-web-1',
    reason: 'RowActive',
  });
  log.record({
    action: 'deleted',
    hub: 'ns/tenants',
    form: 'web',
    node: 'acme-web-1',
    reason: 'RowInactive',
  });
  assert.deepEqual(
    lines.map((l) => [l['level'], l['msg'], l['hub'], l['form'], l['node'], l['reason']]),
    [
      [30, 'Node created', 'ns/tenants', 'web', 'acme-web-1', 'RowActive'],
      [30, 'Node deleted', 'ns/tenants', 'web', 'acme-web-1', 'RowInactive'],
    ],
  );
});

it('O5 a 10,000-node rollout prints a summary per window, not 10,000 lines', () => {
  const { logger, lines } = capture();
  const { schedule, endWindow } = manualSchedule();
  const log = createNodeLifecycleLog(logger, { schedule, linesPerWindow: 20 });
  for (let i = 0; i < 6000; i += 1) {
    log.record({
      action: 'created',
      hub: 'ns/big',
      form: 'web',
      node: `n${String(i)}`,
      reason: 'RowActive',
    });
  }
  endWindow();
  for (let i = 6000; i < 10_000; i += 1) {
    log.record({
      action: 'created',
      hub: 'ns/big',
      form: 'web',
      node: `n${String(i)}`,
      reason: 'RowActive',
    });
  }
  log.flush();
  const summaries = lines.filter((l) => l['msg'] === 'Node changes');
  assert.equal(lines.length, 20 + 1 + 20 + 1, 'a few lines per window');
  assert.deepEqual(
    summaries.map((s) => s['byHub']),
    [{ 'ns/big': { created: 5980 } }, { 'ns/big': { created: 3980 } }],
  );
  const logged = lines.filter((l) => l['msg'] === 'Node created').length;
  const counted = summaries.reduce((sum, s) => sum + (s['notLogged'] as number), 0);
  assert.equal(logged + counted, 10_000, 'every node is accounted for');
});

it('O5 log lines have ISO-8601 times and one component key, also in child loggers', () => {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  const root = createRootLogger('info', sink);
  root.child({ component: 'child-watcher' }).child({ kind: 'LynqNode' }).info('Watching');
  root.info('Operator started');
  for (const line of lines) {
    assert.ok((line.match(/"component"/g) ?? []).length <= 1, line);
    const time = (JSON.parse(line) as { time: unknown }).time;
    assert.equal(typeof time, 'string');
    assert.equal(new Date(time as string).toISOString(), time, 'ISO-8601 UTC');
  }
  assert.match(lines[0] ?? '', /"component":"child-watcher"/);
});

it('O5 errors show their message once, with code and cause; the stack only at debug', () => {
  const cause = new Error('Access denied for user lynq');
  const err = Object.assign(
    new Error('Authentication failed: Access denied for user lynq', { cause }),
    {
      code: 'DatasourceAuthFailed',
    },
  );
  const info = capture('info');
  info.logger.warn({ err }, 'Hub sync failed');
  const logged = info.lines[0]?.['err'] as Record<string, unknown>;
  assert.deepEqual(logged, {
    type: 'Error',
    message: 'Authentication failed: Access denied for user lynq',
    code: 'DatasourceAuthFailed',
  });
  const debug = capture('debug');
  debug.logger.warn({ err: new Error('boom', { cause: new Error('deeper') }) }, 'x');
  const withStack = debug.lines[0]?.['err'] as Record<string, unknown>;
  assert.match(String(withStack['stack']), /at /);
  assert.equal(withStack['cause'], 'deeper');
});
