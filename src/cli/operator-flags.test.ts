// The operation flags (P2, P3, O4) parse with controller-runtime's defaults (readme-flags.test.ts checks the README names every flag).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readOperatorConfig } from './operator-config.js';

describe('operator flags', () => {
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
