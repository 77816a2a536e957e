// Every operator flag is documented in the README, and the operation flags (P2, P3, O4) parse with controller-runtime's defaults.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { readOperatorConfig } from './operator-config.js';
import { operatorFlags } from './operator-flags.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

describe('operator flags', () => {
  it('P1 the README names every flag of lynq operator', () => {
    for (const flag of operatorFlags) assert.ok(readme.includes(`--${flag.name}`), flag.name);
  });

  it('P2 P3 O4 leader election is off by default with 15s/10s/2s, metrics on 8080, shutdown bound 20s', () => {
    const config = readOperatorConfig([], {});
    assert.deepEqual(config.leaderElection, {
      enabled: false,
      namespace: undefined,
      name: 'lynq-leader',
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2_000,
    });
    assert.equal(config.metricsPort, 8080);
    assert.equal(config.shutdownTimeoutMs, 20_000);
    const on = readOperatorConfig(['--leader-elect', '--leader-elect-retry-period=1s'], {
      POD_NAMESPACE: 'lynq-system',
    });
    assert.equal(on.leaderElection.enabled, true);
    assert.equal(on.leaderElection.namespace, 'lynq-system');
    assert.equal(on.leaderElection.retryPeriodMs, 1_000);
  });

  it('P2 refuses a renew deadline that is not shorter than the lease, naming the flags', () => {
    assert.throws(
      () =>
        readOperatorConfig(
          ['--leader-elect-lease-duration=10s', '--leader-elect-renew-deadline=10s'],
          {},
        ),
      { code: 'InvalidConfig', message: /lease duration must be longer than the renew deadline/ },
    );
  });
});
