// The Helm chart against the real API server: lint and render, install in namespaced mode, and the operator run with the chart's ServiceAccount token and arguments.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { mysqlHub } from '../fixtures/lynq-objects.js';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { repoRoot } from '../harness/cache-paths.js';
import { eventually } from '../harness/eventually.js';
import { freePort } from '../harness/free-port.js';
import { kubeRequest } from '../harness/kube-request.js';
import { startDashboard } from '../harness/lynq-cli.js';
import { startOperator } from '../harness/operator-process.js';
import {
  auditEvents,
  createTestDatabase,
  createTestNamespace,
  kubeConfigFor,
  kubectl,
  testEnv,
  type CommandResult,
} from '../harness/test-env.js';

const run = promisify(execFile);
const chartDir = (): string => join(repoRoot(), 'helm', 'lynq');

/** Runs the cached helm with the admin's kubeconfig; never throws (the caller asserts). */
const helm = async (args: readonly string[]): Promise<CommandResult> => {
  const env = await testEnv();
  try {
    const { stdout, stderr } = await run(
      join(env.toolsDir, 'helm'),
      ['--kubeconfig', env.kubeconfigs.admin, ...args],
      { timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof failed.code === 'number' ? failed.code : 1,
      stdout: failed.stdout ?? '',
      stderr: failed.stderr ?? '',
    };
  }
};

interface Manifest {
  kind: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec?: {
    template?: {
      spec?: {
        serviceAccountName?: string;
        containers?: {
          args?: string[];
          securityContext?: Record<string, unknown>;
          livenessProbe?: { httpGet?: { path?: string } };
          readinessProbe?: { httpGet?: { path?: string } };
        }[];
      };
    };
  };
  rules?: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
}

const manifestsOf = (text: string): Manifest[] =>
  parseAllDocuments(text)
    .map((d) => d.toJS() as Manifest | null)
    .filter((m): m is Manifest => m !== null);

/** Every optional part of the chart on at once. */
const everythingOn = [
  '--set-json',
  'watchNamespaces=["team-a","team-b"]',
  '--set-json',
  'allowedNamespaces=["shared"]',
  '--set',
  'rbac.namespaceResources=true,rbac.secretResources=true,allowClusterScopedTakeover=true',
  '--set-json',
  'allowedClusterNames=["x"]',
  '--set-json',
  'rbac.extraRules=[{"apiGroups":["example.com"],"resources":["widgets"],"verbs":["get","list","watch"]}]',
  '--set-json',
  'extraArgs=["--max-requests-in-flight=64"]',
  '--set',
  'replicaCount=2,metrics.serviceMonitor.enabled=true,metrics.prometheusRule.enabled=true,metrics.dashboard.enabled=true',
  '--set',
  'dashboard.enabled=true',
  '--set-json',
  'dashboard.subjects=[{"kind":"Group","name":"platform","apiGroup":"rbac.authorization.k8s.io"}]',
];

describe('Helm chart', () => {
  it('SPEC P1 passes helm lint with the defaults and with every optional part on', async () => {
    const plain = await helm(['lint', chartDir()]);
    assert.equal(plain.code, 0, plain.stdout + plain.stderr);
    const all = await helm(['lint', chartDir(), ...everythingOn]);
    assert.equal(all.code, 0, all.stdout + all.stderr);
  });

  it('SPEC P1 renders a hardened operator, CRDs kept on uninstall, and no wildcard in any role', async () => {
    const rendered = await helm(['template', 'lynq', chartDir(), '-n', 'lynq-system']);
    assert.equal(rendered.code, 0, rendered.stderr);
    const manifests = manifestsOf(rendered.stdout);
    const crds = manifests.filter((m) => m.kind === 'CustomResourceDefinition');
    assert.equal(crds.length, 3);
    for (const m of manifests.filter((m) => m.kind.startsWith('ValidatingAdmissionPolicy'))) {
      crds.push(m);
    }
    for (const crd of crds) {
      assert.equal(
        crd.metadata.annotations?.['helm.sh/resource-policy'],
        'keep',
        crd.metadata.name,
      );
    }
    const container = manifests.find((m) => m.kind === 'Deployment')?.spec?.template?.spec
      ?.containers?.[0];
    assert.ok(container);
    assert.deepEqual(container.securityContext, {
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      runAsNonRoot: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    assert.equal(container.livenessProbe?.httpGet?.path, '/healthz');
    assert.equal(container.readinessProbe?.httpGet?.path, '/readyz');
    const kinds = container.args?.find((a) => a.startsWith('--allowed-kinds=')) ?? '';
    assert.ok(!kinds.includes('/Namespace') && !kinds.includes('/Secret'), kinds);

    // SPEC P2: leader election on by default, the Lease namespace from the pod; O4: metrics port.
    const args = container.args ?? [];
    for (const arg of ['--leader-elect', '--metrics-port=8080', '--shutdown-timeout=20s']) {
      assert.ok(args.includes(arg), arg);
    }
    const service = manifests.find((m) => m.kind === 'Service');
    assert.equal(service?.metadata.name, 'lynq-metrics');

    const all = await helm(['template', 'lynq', chartDir(), '-n', 'lynq-system', ...everythingOn]);
    assert.equal(all.code, 0, all.stderr);
    const allKinds = manifestsOf(all.stdout).map((m) => `${m.kind}/${m.metadata.name}`);
    for (const optional of [
      'ServiceMonitor/lynq',
      'PrometheusRule/lynq',
      'ConfigMap/lynq-dashboard',
      'Service/lynq-metrics',
    ]) {
      assert.ok(allKinds.includes(optional), optional);
      assert.ok(
        !manifests.some((m) => `${m.kind}/${m.metadata.name}` === optional) ||
          optional.startsWith('Service/'),
        `${optional} is off by default`,
      );
    }
    const rules = JSON.stringify(parseAllDocuments(all.stdout).map((d) => d.toJS() as unknown));
    for (const alert of [
      'LynqHubDatasourceUnreachable',
      'LynqNodesDegraded',
      'LynqDeletionGuardEngaged',
      'LynqRolloutFailed',
    ]) {
      assert.ok(rules.includes(alert), alert);
    }
    const dashboard = manifestsOf(all.stdout).find((m) => m.kind === 'ConfigMap') as unknown as {
      data: Record<string, string>;
    };
    const panels = (JSON.parse(dashboard.data['lynq.json'] ?? '{}') as { panels: unknown[] })
      .panels;
    assert.ok(panels.length > 0);
    for (const role of manifestsOf(all.stdout).filter((m) => m.rules !== undefined)) {
      for (const rule of role.rules ?? []) {
        assert.ok(
          ![...rule.apiGroups, ...rule.resources, ...rule.verbs].includes('*'),
          `${role.kind} ${role.metadata.name}: ${JSON.stringify(rule)}`,
        );
      }
    }
    // Default mode: a Secret is read by name only, never listed or watched.
    const clusterRole = manifests.find((m) => m.kind === 'ClusterRole');
    const secretVerbs = (clusterRole?.rules ?? [])
      .filter((r) => r.resources.includes('secrets'))
      .flatMap((r) => r.verbs);
    assert.deepEqual(secretVerbs, ['get']);
  });

  it('SPEC P1 H8 the chart’s CRDs and admission policies are accepted by the API server (server-side dry run)', async () => {
    const rendered = await helm([
      'template',
      'lynq',
      chartDir(),
      '--show-only',
      'templates/crds/operator.lynq.sh_lynqhubs.yaml',
      '--show-only',
      'templates/crds/operator.lynq.sh_lynqforms.yaml',
      '--show-only',
      'templates/crds/operator.lynq.sh_lynqnodes.yaml',
      '--show-only',
      'templates/crds/lynq-deletion-protection.yaml',
    ]);
    assert.equal(rendered.code, 0, rendered.stderr);
    const dir = await mkdtemp(join(tmpdir(), 'lynq-chart-crds-'));
    try {
      const file = join(dir, 'crds.yaml');
      await writeFile(file, rendered.stdout);
      const applied = await kubectl([
        'apply',
        '--server-side',
        '--force-conflicts',
        '--field-manager=lynq-chart-test',
        '--dry-run=server',
        '-f',
        file,
      ]);
      assert.equal(applied.code, 0, applied.stdout + applied.stderr);
      const objects = manifestsOf(rendered.stdout).length;
      assert.ok(objects >= 7, rendered.stdout);
      assert.equal(applied.stdout.trim().split('\n').length, objects, applied.stdout);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('SPEC P1 rejects a misspelt value, naming it', async () => {
    const res = await helm(['template', 'lynq', chartDir(), '--set', 'watchNamespace={a}']);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /additional properties 'watchNamespace' not allowed/);
  });
});

describe('Helm chart installed in namespaced mode', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  let release = '';
  let releaseNs = '';
  let watched: string[] = [];
  let unwatched = '';
  let saKubeconfig = '';
  let deploymentArgs: string[] = [];
  let serviceAccount = '';
  let admin: KubeConfig;
  let sa: KubeConfig;
  const values = (): string[] => ['--set-json', `watchNamespaces=${JSON.stringify(watched)}`];

  before(async () => {
    admin = await kubeConfigFor('admin');
    const namespaces = await Promise.all(
      ['p1-release', 'p1-team-a', 'p1-team-b', 'p1-other'].map((l) => createTestNamespace(l)),
    );
    for (const ns of namespaces) cleanups.push(ns.remove);
    const [rel, a, b, other] = namespaces.map((ns) => ns.name);
    releaseNs = rel ?? '';
    watched = [a ?? '', b ?? ''];
    unwatched = other ?? '';
    // Unique per run: the chart's cluster-wide names must not meet another run's.
    release = `p1-${releaseNs.slice(-8)}`;
    const dir = await mkdtemp(join(tmpdir(), 'lynq-chart-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    saKubeconfig = join(dir, 'sa.kubeconfig');

    // The control plane already has the CRDs (from crds/, installed by the harness), and helm
    // does not adopt objects another manager made: this release leaves them out.
    const installed = await helm([
      'install',
      release,
      chartDir(),
      '-n',
      releaseNs,
      '--set',
      'crds.install=false',
      ...values(),
    ]);
    assert.equal(installed.code, 0, installed.stdout + installed.stderr);
    cleanups.push(() => helm(['uninstall', release, '-n', releaseNs]));

    const rendered = await helm([
      'template',
      release,
      chartDir(),
      '-n',
      releaseNs,
      '--set',
      'crds.install=false',
      ...values(),
    ]);
    assert.equal(rendered.code, 0, rendered.stderr);
    const deployment = manifestsOf(rendered.stdout).find((m) => m.kind === 'Deployment');
    const podSpec = deployment?.spec?.template?.spec;
    deploymentArgs = podSpec?.containers?.[0]?.args ?? [];
    serviceAccount = podSpec?.serviceAccountName ?? '';
    assert.ok(serviceAccount !== '' && deploymentArgs[0] === 'operator', rendered.stdout);

    // A token of the chart's ServiceAccount, as the kubelet would mount it.
    const token = await kubeRequest(admin, {
      method: 'POST',
      path: `/api/v1/namespaces/${releaseNs}/serviceaccounts/${serviceAccount}/token`,
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      },
    });
    assert.equal(token.status, 201, token.text);
    const adminConfig = parse(await readFile((await testEnv()).kubeconfigs.admin, 'utf8')) as {
      clusters: unknown[];
    };
    await writeFile(
      saKubeconfig,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: adminConfig.clusters,
        users: [
          {
            name: 'lynq-sa',
            user: { token: (token.body as { status: { token: string } }).status.token },
          },
        ],
        contexts: [{ name: 'lynq-sa', context: { cluster: 'lynq-test', user: 'lynq-sa' } }],
        'current-context': 'lynq-sa',
      }),
      { mode: 0o600 },
    );
    sa = new KubeConfig();
    sa.loadFromFile(saKubeconfig);
  });

  after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup();
  });

  it('SPEC P1 binds Roles in the watched namespaces only: the ServiceAccount is forbidden elsewhere and never lists Secrets', async () => {
    const [a] = watched;
    const statusOf = async (path: string) =>
      (await kubeRequest(sa, { method: 'GET', path })).status;
    assert.equal(await statusOf(lynqPath('lynqhubs', a ?? '')), 200);
    assert.equal(await statusOf(`/api/v1/namespaces/${a ?? ''}/configmaps`), 200);
    assert.equal(await statusOf(lynqPath('lynqhubs', unwatched)), 403);
    assert.equal(await statusOf('/apis/operator.lynq.sh/v1/lynqhubs'), 403);
    assert.equal(await statusOf(`/api/v1/namespaces/${unwatched}/configmaps`), 403);
    assert.equal(await statusOf(`/api/v1/namespaces/${a ?? ''}/secrets`), 403);
    assert.equal(await statusOf(`/api/v1/namespaces/${unwatched}/secrets/any`), 403);
    assert.equal(await statusOf('/api/v1/namespaces'), 403);
    const canI = await kubectl([
      'auth',
      'can-i',
      'create',
      'lynqnodes.operator.lynq.sh',
      '-n',
      unwatched,
      '--as',
      `system:serviceaccount:${releaseNs}:${serviceAccount}`,
    ]);
    assert.equal(canI.stdout.trim(), 'no', canI.stderr);
  });

  it('SPEC P1 the operator with the chart’s token and arguments converges hubs in the watched namespaces and ignores the others', async () => {
    const db = await createTestDatabase('p1-chart');
    cleanups.push(() => db.drop());
    await db.connection.query(
      'CREATE TABLE `rows` (id VARCHAR(200) PRIMARY KEY, active TINYINT(1), plan VARCHAR(64))',
    );
    await db.connection.query("INSERT INTO `rows` VALUES ('acme', 1, 'pro')");
    const url = new URL((await testEnv()).mysqlUrl);

    const hub = (namespace: string) =>
      mysqlHub({
        name: 'hub',
        namespace,
        mysqlUrl: url.href,
        database: db.name,
        table: 'rows',
        extraValueMappings: { plan: 'plan' },
        // Read by name with the Role's `get` (SPEC P1: never listed).
        passwordRef: { name: 'db', key: 'password' },
      });
    const form = (namespace: string) => ({
      apiVersion: 'operator.lynq.sh/v1',
      kind: 'LynqForm',
      metadata: { name: 'web', namespace },
      spec: {
        hubId: 'hub',
        configMaps: [
          {
            id: 'settings',
            nameTemplate: '{{ uid }}-settings',
            spec: { apiVersion: 'v1', kind: 'ConfigMap', data: { plan: '{{ plan }}' } },
          },
        ],
      },
    });
    for (const namespace of [...watched, unwatched]) {
      const secret = await kubeRequest(admin, {
        method: 'POST',
        path: `/api/v1/namespaces/${namespace}/secrets`,
        body: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'db' },
          stringData: { password: decodeURIComponent(url.password) },
        },
      });
      assert.equal(secret.status, 201, secret.text);
      for (const [plural, body] of [
        ['lynqhubs', hub(namespace)],
        ['lynqforms', form(namespace)],
      ] as const) {
        const res = await kubeRequest(admin, {
          method: 'POST',
          path: lynqPath(plural, namespace),
          body,
        });
        assert.equal(res.status, 201, res.text);
      }
    }

    // The chart's own arguments; only the health port moves to a free one on this machine.
    const healthPort = await freePort();
    const operator = await startOperator({
      namespace: undefined,
      kubeconfig: saKubeconfig,
      healthPort,
      extraArgs: deploymentArgs
        .slice(1)
        .filter((arg) => !arg.startsWith('--health-port') && !arg.startsWith('--metrics-port')),
      // The Deployment's env: the leader Lease goes in the release namespace (SPEC P2), under
      // the chart's Lease Role.
      env: { POD_NAMESPACE: releaseNs },
    });
    cleanups.push(() => operator.stop());

    for (const namespace of watched) {
      const data = await eventually(`ConfigMap acme-settings in ${namespace}`, async () => {
        const res = await kubeRequest(admin, {
          method: 'GET',
          path: `/api/v1/namespaces/${namespace}/configmaps/acme-settings`,
        });
        return res.status === 200 ? (res.body as { data: Record<string, string> }).data : false;
      });
      assert.deepEqual(data, { plan: 'pro' }, operator.output().slice(-4000));
    }
    // A child deleted behind the node's back comes back from the child watch, which runs per
    // watched namespace under the Role (no periodic resync is due within the deadline).
    const [, second] = watched;
    const childPath = `/api/v1/namespaces/${second ?? ''}/configmaps/acme-settings`;
    const before = await kubeRequest(admin, { method: 'GET', path: childPath });
    const firstUid = (before.body as { metadata: { uid: string } }).metadata.uid;
    const removed = await kubeRequest(admin, { method: 'DELETE', path: childPath });
    assert.equal(removed.status, 200, removed.text);
    await eventually('the deleted ConfigMap re-created', async () => {
      const res = await kubeRequest(admin, { method: 'GET', path: childPath });
      return (
        res.status === 200 && (res.body as { metadata: { uid: string } }).metadata.uid !== firstUid
      );
    });
    for (const path of ['/healthz', '/readyz']) {
      const res = await fetch(`http://127.0.0.1:${String(healthPort)}${path}`);
      assert.equal(res.status, 200, path);
    }

    // Both watched hubs converged, so the operator has long seen everything it can see: the
    // unwatched hub has no finalizer, no status, no node, and nothing was written there.
    const other = await kubeRequest(admin, {
      method: 'GET',
      path: `${lynqPath('lynqhubs', unwatched)}/hub`,
    });
    const otherHub = other.body as { metadata: { finalizers?: string[] }; status?: unknown };
    assert.equal(otherHub.metadata.finalizers, undefined);
    assert.equal(otherHub.status, undefined);
    const nodes = await kubeRequest(admin, {
      method: 'GET',
      path: lynqPath('lynqnodes', unwatched),
    });
    assert.deepEqual((nodes.body as { items: unknown[] }).items, []);
    const saUser = `system:serviceaccount:${releaseNs}:${serviceAccount}`;
    const writesThere = await auditEvents(
      (e) => e.user.username === saUser && e.objectRef?.namespace === unwatched,
    );
    assert.deepEqual(writesThere, []);
    const writesInWatched = await auditEvents(
      (e) => e.user.username === saUser && e.objectRef?.namespace === watched[0],
    );
    assert.ok(writesInWatched.length > 0, 'the audit log knows the ServiceAccount');

    const code = await operator.stop();
    assert.equal(code, 0, operator.output().slice(-4000));
    // Nothing it tried was beyond its Roles (a cluster-wide list would be forbidden).
    assert.doesNotMatch(operator.output(), /forbidden|HTTP 403/i);
  });
});

describe('Helm chart installed in cluster mode', () => {
  it('SPEC P1 grants Secrets by name only: the ServiceAccount may get a Secret anywhere but never list or watch one, and has no namespace verbs', async () => {
    const releaseNs = await createTestNamespace('p1-cluster');
    const release = `p1c-${releaseNs.name.slice(-8)}`;
    try {
      // Not run: an operator of every namespace would take other tests' hubs.
      const installed = await helm([
        'install',
        release,
        chartDir(),
        '-n',
        releaseNs.name,
        '--set',
        'crds.install=false',
      ]);
      assert.equal(installed.code, 0, installed.stdout + installed.stderr);
      const as = `system:serviceaccount:${releaseNs.name}:${release}-lynq`;
      const can = async (...args: string[]): Promise<string> =>
        (await kubectl(['auth', 'can-i', ...args, '--as', as])).stdout.trim();
      assert.equal(await can('get', 'secrets', '-n', 'default'), 'yes');
      assert.equal(await can('list', 'secrets', '-A'), 'no');
      assert.equal(await can('watch', 'secrets', '-n', 'default'), 'no');
      assert.equal(await can('create', 'secrets', '-n', 'default'), 'no');
      assert.equal(await can('create', 'namespaces'), 'no');
      assert.equal(await can('delete', 'namespaces'), 'no');
      assert.equal(await can('list', 'configmaps', '-A'), 'yes');
      assert.equal(await can('list', 'lynqhubs.operator.lynq.sh', '-A'), 'yes');
      assert.equal(await can('list', 'pods', '-A'), 'no');
      assert.equal(await can('create', 'leases.coordination.k8s.io', '-n', releaseNs.name), 'yes');
      assert.equal(await can('create', 'leases.coordination.k8s.io', '-n', 'default'), 'no');
    } finally {
      await helm(['uninstall', release, '-n', releaseNs.name]);
      await releaseNs.remove();
    }
  });
});

describe('Helm chart dashboard access', () => {
  it('SPEC P1 O3b dashboard.enabled binds a read-only ClusterRole: without it the dashboard exits 1 naming the refused list, with it the dashboard starts', async () => {
    const env = await testEnv();
    const plainUser = 'lynq-test-user';
    const refused = await startDashboard(['--kubeconfig', env.kubeconfigs.plain]);
    assert.ok('code' in refused, 'the dashboard started without access');
    assert.equal(refused.code, 1, refused.output);
    assert.match(refused.output, /cannot list lynqhubs in all namespaces/);
    assert.match(refused.output, /dashboard\.enabled/);

    const releaseNs = await createTestNamespace('p1-dashboard');
    const release = `p1d-${releaseNs.name.slice(-8)}`;
    try {
      const installed = await helm([
        'install',
        release,
        chartDir(),
        '-n',
        releaseNs.name,
        '--set',
        'crds.install=false,dashboard.enabled=true',
        '--set-json',
        `dashboard.subjects=[{"kind":"User","name":"${plainUser}","apiGroup":"rbac.authorization.k8s.io"}]`,
      ]);
      assert.equal(installed.code, 0, installed.stdout + installed.stderr);
      const can = async (...args: string[]): Promise<string> =>
        (await kubectl(['auth', 'can-i', ...args, '--as', plainUser])).stdout.trim();
      assert.equal(await can('list', 'lynqnodes.operator.lynq.sh', '-A'), 'yes');
      assert.equal(await can('watch', 'lynqhubs.operator.lynq.sh', '-A'), 'yes');
      assert.equal(await can('patch', 'lynqnodes.operator.lynq.sh', '-n', 'default'), 'no');
      assert.equal(await can('get', 'secrets', '-n', 'default'), 'no');
      assert.equal(await can('list', 'configmaps', '-A'), 'no');

      const started = await startDashboard(['--kubeconfig', env.kubeconfigs.plain]);
      assert.ok('url' in started, 'code' in started ? started.output : '');
      started.stop();
    } finally {
      await helm(['uninstall', release, '-n', releaseNs.name]);
      await releaseNs.remove();
    }
  });
});
