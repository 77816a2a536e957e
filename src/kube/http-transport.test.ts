// The HTTP transport against a loopback server: keep-alive reuse, bearer credentials, timeouts, aborts, streaming.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { messageOf } from '../errors.js';
import { createHttpTransport, type HttpTransport } from './http-transport.js';
import { politeTransport } from './polite-transport.js';

type Route = (req: IncomingMessage, res: ServerResponse) => void;

describe('http transport', () => {
  let server: Server;
  let transport: HttpTransport;
  const routes = new Map<string, Route>();
  const seen: { path: string; authorization: string | undefined }[] = [];

  before(async () => {
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      seen.push({ path, authorization: req.headers.authorization });
      const route = routes.get(path);
      if (route === undefined) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', code: 404, reason: 'NotFound' }));
        return;
      }
      route(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const kc = new KubeConfig();
    kc.loadFromClusterAndUser(
      { name: 'local', server: `http://127.0.0.1:${port}/base`, skipTLSVerify: true },
      { name: 'tester', token: 'secret-token' },
    );
    transport = createHttpTransport(kc);
  });
  after(async () => {
    transport.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => {
      server.close(() => {
        resolve();
      });
    });
  });

  it('frames a DELETE body with its length, so the next request on the connection is intact', async () => {
    const bodies: string[] = [];
    routes.set('/base/api/v1/doomed', (req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      req.on('end', () => {
        bodies.push(`${req.method ?? ''} ${req.headers['content-length'] ?? '-'} ${body}`);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    const deleted = await transport.request({
      method: 'DELETE',
      path: '/api/v1/doomed',
      body: { propagationPolicy: 'Background' },
      timeoutMs: 5_000,
    });
    const next = await transport.request({
      method: 'GET',
      path: '/api/v1/doomed',
      timeoutMs: 5_000,
    });
    assert.deepEqual([deleted.status, next.status], [200, 200]);
    assert.deepEqual(bodies, ['DELETE 34 {"propagationPolicy":"Background"}', 'GET - ']);
  });

  it('sends the credentials, keeps the server base path, parses JSON, and reuses one connection', async () => {
    routes.set('/base/api/v1/things', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ items: [] }));
    });
    const before = transport.stats.connectionsOpened;
    for (let i = 0; i < 3; i += 1) {
      const res = await transport.request({
        method: 'GET',
        path: '/api/v1/things',
        timeoutMs: 5_000,
      });
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, { items: [] });
    }
    assert.equal(seen.at(-1)?.authorization, 'Bearer secret-token');
    assert.ok(transport.stats.connectionsOpened - before <= 1, 'one connection for three requests');
    assert.ok(transport.stats.connectionsReused >= 2);
  });

  it('resolves non-2xx statuses with their body', async () => {
    const res = await transport.request({
      method: 'GET',
      path: '/api/v1/missing',
      timeoutMs: 5_000,
    });
    assert.equal(res.status, 404);
    assert.deepEqual(res.body, { kind: 'Status', code: 404, reason: 'NotFound' });
  });

  it('rejects with KubeRequestTimeout when the server never answers', async () => {
    routes.set('/base/hang', () => undefined);
    await assert.rejects(transport.request({ method: 'GET', path: '/hang', timeoutMs: 50 }), {
      code: 'KubeRequestTimeout',
    });
  });

  it('rejects with the abort reason when the signal aborts', async () => {
    routes.set('/base/hang', () => undefined);
    const controller = new AbortController();
    const pending = transport.request({
      method: 'GET',
      path: '/hang',
      timeoutMs: 60_000,
      signal: controller.signal,
    });
    controller.abort(new Error('stop now'));
    await assert.rejects(pending, { message: 'stop now' });
  });

  it('streams a 2xx body until aborted, and reads a non-2xx watch body whole', async () => {
    routes.set('/base/watch', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"type":"ADDED"}\n');
    });
    routes.set('/base/gone', (_req, res) => {
      res.writeHead(410, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', code: 410 }));
    });
    const controller = new AbortController();
    const res = await transport.stream({
      path: '/watch',
      signal: controller.signal,
      responseTimeoutMs: 5_000,
    });
    assert.ok(res.ok);
    const chunks: string[] = [];
    await assert.rejects(async () => {
      for await (const chunk of res.body as AsyncIterable<Buffer>) {
        chunks.push(chunk.toString());
        controller.abort(new Error('done'));
      }
    });
    assert.deepEqual(chunks, ['{"type":"ADDED"}\n']);

    const gone = await transport.stream({
      path: '/gone',
      signal: new AbortController().signal,
      responseTimeoutMs: 5_000,
    });
    assert.deepEqual(gone, { ok: false, status: 410, body: { kind: 'Status', code: 410 } });
  });

  it('O5 many concurrent and queued requests sharing one signal raise no MaxListenersExceededWarning, and all still abort with it', async () => {
    routes.set('/base/api/v1/slow', (_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      }, 10);
    });
    routes.set('/base/api/v1/never', () => undefined);
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      // 40 at once over 8 slots: in flight and queued alike listen for the one parent's abort.
      const polite = politeTransport(transport, { maxInFlight: 8 });
      const shared = new AbortController();
      const get = (path: string) =>
        polite.request({ method: 'GET', path, timeoutMs: 5_000, signal: shared.signal });
      const answered = await Promise.all(Array.from({ length: 40 }, () => get('/api/v1/slow')));
      assert.equal(answered.filter((r) => r.status === 200).length, 40);
      const stuck = Array.from({ length: 20 }, () => get('/api/v1/never'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      shared.abort(new Error('actor stopped'));
      const outcomes = await Promise.allSettled(stuck);
      assert.ok(
        outcomes.every((o) => o.status === 'rejected' && messageOf(o.reason) === 'actor stopped'),
      );
      // Warnings are emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(
        warnings.map((w) => w.name),
        [],
      );
    } finally {
      process.off('warning', onWarning);
    }
  });
});
