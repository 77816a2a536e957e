// The plain kubeconfig reader sets the same request options as client-node for every kubeconfig it accepts, and hands the others to client-node.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type * as https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KubeConfig } from '@kubernetes/client-node';
import { inClusterAccess, readPlainKubeConfig, type KubeAccess } from './kube-access.js';

const pem = (label: string): string =>
  `-----BEGIN ${label}-----\nMIIB${label.replace(/ /g, '')}\n-----END ${label}-----\n`;
const b64 = (text: string): string => Buffer.from(text).toString('base64');

const kubeconfig = (cluster: object, user: object): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    'current-context': 'ctx',
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'u', user }],
  });

/** The options a request gets, with Buffers as text so they compare by content. */
const optionsOf = async (access: KubeAccess): Promise<Record<string, unknown>> => {
  const options: https.RequestOptions = { headers: { accept: 'application/json' } };
  await access.applyToHTTPSOptions(options);
  const plain: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (value === undefined) continue;
    plain[key] = Buffer.isBuffer(value) ? value.toString('utf8') : value;
  }
  return plain;
};

describe('kube access', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lynq-kube-access-'));
  before(() => {
    writeFileSync(join(dir, 'ca.crt'), pem('CERTIFICATE AUTHORITY'));
    writeFileSync(join(dir, 'client.crt'), pem('CERTIFICATE'));
    writeFileSync(join(dir, 'client.key'), pem('PRIVATE KEY'));
    writeFileSync(join(dir, 'token'), 'file-token');
  });
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  // client-node reads a token file relative to the working directory, kubectl relative to the
  // kubeconfig: an absolute path means the same to both.
  const cases: readonly { name: string; cluster: object; user: object }[] = [
    {
      name: 'a bearer token and inline CA',
      cluster: {
        server: 'https://127.0.0.1:6443',
        'certificate-authority-data': b64(pem('CERTIFICATE AUTHORITY')),
      },
      user: { token: 'abc' },
    },
    {
      name: 'client certificate files relative to the kubeconfig',
      cluster: { server: 'https://127.0.0.1:6443', 'certificate-authority': 'ca.crt' },
      user: { 'client-certificate': 'client.crt', 'client-key': 'client.key' },
    },
    {
      name: 'inline client certificate data',
      cluster: { server: 'https://kube.example:443', 'tls-server-name': 'kubernetes' },
      user: {
        'client-certificate-data': b64(pem('CERTIFICATE')),
        'client-key-data': b64(pem('PRIVATE KEY')),
      },
    },
    {
      name: 'a token file and skipped TLS verification',
      cluster: { server: 'https://127.0.0.1:6443', 'insecure-skip-tls-verify': true },
      user: { 'token-file': join(dir, 'token') },
    },
    {
      name: 'a user name and password',
      cluster: { server: 'https://127.0.0.1:6443' },
      user: { username: 'admin', password: 'secret' },
    },
  ];

  for (const c of cases) {
    it(`sets the same request options as client-node for ${c.name}`, async () => {
      const file = join(dir, 'config');
      writeFileSync(file, kubeconfig(c.cluster, c.user));
      const plain = readPlainKubeConfig(file);
      assert.ok(plain !== undefined, 'a plain kubeconfig is read without client-node');
      const kc = new KubeConfig();
      kc.loadFromFile(file);
      assert.equal(plain.getCurrentCluster()?.server, kc.getCurrentCluster()?.server);
      // client-node also builds an agent per call; the transport drops it.
      const expected = await optionsOf(kc);
      delete expected['agent'];
      assert.deepEqual(await optionsOf(plain), expected);
    });
  }

  it('leaves kubeconfigs with exec plugins or auth providers to client-node', () => {
    const file = join(dir, 'exec-config');
    for (const user of [
      { exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'aws' } },
      { 'auth-provider': { name: 'oidc', config: {} } },
      { token: 'abc', as: 'someone' },
    ]) {
      writeFileSync(file, kubeconfig({ server: 'https://127.0.0.1:6443' }, user));
      assert.equal(readPlainKubeConfig(file), undefined);
    }
  });

  it('reports a proxy so the transport can refuse it', () => {
    const file = join(dir, 'proxy-config');
    writeFileSync(
      file,
      kubeconfig({ server: 'https://127.0.0.1:6443', 'proxy-url': 'http://proxy:3128' }, {}),
    );
    assert.equal(readPlainKubeConfig(file)?.getCurrentCluster()?.proxyUrl, 'http://proxy:3128');
  });

  it('reads a rotated token file again once the last read is a minute old', async () => {
    const saDir = join(dir, 'sa');
    mkdirSync(saDir);
    writeFileSync(join(saDir, 'token'), 'first\n');
    writeFileSync(join(saDir, 'ca.crt'), pem('CERTIFICATE AUTHORITY'));
    let now = 0;
    const access = inClusterAccess(
      { KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '443' },
      saDir,
      () => now,
    );
    assert.equal(access.getCurrentCluster()?.server, 'https://[fd00::1]:443');
    const authorization = async (): Promise<unknown> =>
      ((await optionsOf(access))['headers'] as Record<string, unknown>)['Authorization'];
    assert.equal(await authorization(), 'Bearer first');
    writeFileSync(join(saDir, 'token'), 'second\n');
    now = 59_999;
    assert.equal(await authorization(), 'Bearer first');
    now = 60_000;
    assert.equal(await authorization(), 'Bearer second');
  });
});
