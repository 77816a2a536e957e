// The health server binds before it resolves, and says clearly when its port is taken.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { startHealthServer } from './health-server.js';

describe('health server', () => {
  it('is listening when it resolves, ready only once marked so, and closes', async () => {
    const health = await startHealthServer(0, '127.0.0.1');
    try {
      const readyz = await fetch(`http://127.0.0.1:${String(health.port)}/readyz`);
      assert.deepEqual([readyz.status, await readyz.text()], [503, 'starting']);
      health.markReady();
      for (const path of ['/healthz', '/readyz']) {
        const res = await fetch(`http://127.0.0.1:${String(health.port)}${path}`);
        assert.equal(res.status, 200);
        assert.equal(await res.text(), 'ok');
      }
      assert.equal((await fetch(`http://127.0.0.1:${String(health.port)}/x`)).status, 404);
    } finally {
      await health.close();
    }
  });

  it('rejects with HealthPortInUse, naming the port and the flag, when another process holds it', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as AddressInfo;
    try {
      await assert.rejects(startHealthServer(port, '127.0.0.1'), {
        code: 'HealthPortInUse',
        kind: 'InvalidSpec',
        message: `the health port 127.0.0.1:${String(port)} is already in use; choose another with --health-port (-1 = none)`,
      });
    } finally {
      holder.close();
    }
  });
});
