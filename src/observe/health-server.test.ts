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

describe('health server routes', () => {
  it('O5 /healthz fails with the reason while the loop check fails; a standby is ready before any sync (P2); more routes mount beside', async () => {
    let alive = { ok: false, reason: 'event loop was blocked for 12000 ms' };
    let standby = true;
    const health = await startHealthServer(0, '127.0.0.1', {
      alive: () => alive,
      readyWithoutSync: () => standby,
      routes: [
        {
          path: '/debug/',
          prefix: true,
          handle: (req, res) => {
            res.writeHead(200).end(req.url);
          },
        },
      ],
    });
    const get = async (path: string) => {
      const res = await fetch(`http://127.0.0.1:${String(health.port)}${path}`);
      return [res.status, await res.text()];
    };
    try {
      assert.deepEqual(await get('/healthz'), [503, 'event loop was blocked for 12000 ms']);
      alive = { ok: true, reason: '' };
      assert.deepEqual(await get('/healthz?verbose'), [200, 'ok']);
      assert.deepEqual(await get('/readyz'), [200, 'ok (standby)']);
      standby = false;
      assert.deepEqual(await get('/readyz'), [503, 'starting']);
      assert.deepEqual(await get('/debug/machines/ns/x'), [200, '/debug/machines/ns/x']);
      assert.deepEqual(await get('/metrics'), [404, 'not found']);
      assert.deepEqual(await get('/healthzz'), [404, 'not found']);
    } finally {
      await health.close();
    }
  });
});
