// Starts etcd, kube-apiserver and kube-controller-manager on loopback, installs the CRDs, and stops them all again.
import { existsSync } from 'node:fs';
import { get as httpsGet } from 'node:https';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { operatorRules } from '../../src/api/operator-rbac.js';
import { cachePaths, repoRoot } from './cache-paths.js';
import { createPki, type Pki } from './certificates.js';
import { freePort } from './free-port.js';
import { kubeRequest } from './kube-request.js';
import { writeKubeconfig } from './kubeconfig.js';
import { startProcess, type ManagedProcess } from './managed-process.js';

/** Users the harness issues certificates for. */
export const testUsers = {
  admin: { user: 'lynq-test-admin', groups: ['system:masters'] },
  /** A user with no groups and no RBAC: everything it may do, a test grants. */
  plain: { user: 'lynq-test-user', groups: [] },
  /** The operator's own identity; its RBAC comes from src/api/operator-rbac.ts, as in the chart. */
  operator: { user: 'lynq-operator', groups: [] },
} as const;

export type TestUser = keyof typeof testUsers;

export interface ControlPlane {
  readonly server: string;
  readonly kubeconfigs: Readonly<Record<TestUser, string>>;
  readonly auditLogFile: string;
  readonly dir: string;
  /**
   * Kills kube-apiserver (SIGTERM and SIGKILL at once: a crash, not a drain), for fault tests.
   * etcd, the controller manager, the certificates and the port stay.
   */
  killApiServer(): Promise<void>;
  /** Starts kube-apiserver again on the same port, etcd and certificates; resolves once /readyz is ok. */
  startApiServer(): Promise<void>;
  stop(): Promise<void>;
}

export interface ControlPlaneOptions {
  /** An empty folder for certificates, data, logs and kubeconfigs. */
  readonly dir: string;
  readonly log: (message: string) => void;
}

const fieldManager = 'lynq-test-harness';

const auditPolicy = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: [RequestReceived]
rules:
  # Writes are recorded with who, what and which object; tests count them per user.
  - level: Metadata
    verbs: [create, update, patch, delete, deletecollection]
  - level: None
`;

const waitFor = async <T>(
  what: string,
  deadlineMillis: number,
  attempt: () => Promise<T | undefined>,
  exited: readonly Promise<never>[],
): Promise<T> => {
  const deadline = Date.now() + deadlineMillis;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await Promise.race([attempt(), ...exited]);
      if (value !== undefined) return value;
    } catch (err) {
      if (err instanceof Error && err.message.includes('exited unexpectedly')) throw err;
      lastError = err;
    }
    await sleep(200);
  }
  throw new Error(`harness: ${what} not ready within ${deadlineMillis} ms`, { cause: lastError });
};

const startEtcd = async (
  dir: string,
  binDir: string,
  runDir: string,
): Promise<{ process: ManagedProcess; url: string }> => {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const url = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const etcd = startProcess({
    name: 'etcd',
    binary: join(binDir, 'etcd'),
    args: [
      '--name=lynq-test',
      `--data-dir=${join(dir, 'etcd')}`,
      `--listen-client-urls=${url}`,
      `--advertise-client-urls=${url}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=lynq-test=${peer}`,
      // Test data is thrown away: skipping fsync saves most of etcd's latency on a small machine.
      '--unsafe-no-fsync',
      '--quota-backend-bytes=4294967296',
    ],
    logDir: dir,
    runDir,
  });
  await waitFor(
    'etcd',
    30_000,
    async () => {
      const res = await fetch(`${url}/health`);
      const body = (await res.json()) as { health?: string };
      return body.health === 'true' ? true : undefined;
    },
    [etcd.exited],
  );
  return { process: etcd, url };
};

const apiserverArgs = (dir: string, pki: Pki, etcdUrl: string, port: number): string[] => [
  `--etcd-servers=${etcdUrl}`,
  '--bind-address=127.0.0.1',
  '--advertise-address=127.0.0.1',
  `--secure-port=${port}`,
  `--cert-dir=${join(dir, 'apiserver-certs')}`,
  `--tls-cert-file=${pki.serverCertFile}`,
  `--tls-private-key-file=${pki.serverKeyFile}`,
  `--client-ca-file=${pki.clientCaFile}`,
  `--service-account-issuer=https://127.0.0.1:${port}/`,
  `--service-account-key-file=${pki.serviceAccountPublicKeyFile}`,
  `--service-account-signing-key-file=${pki.serviceAccountKeyFile}`,
  // Room for the benchmarks' thousands of Services (a /24 runs out at 253); the addresses are
  // only allocated, never routed: nothing here sends traffic to them.
  '--service-cluster-ip-range=10.0.0.0/16',
  '--authorization-mode=RBAC',
  '--allow-privileged=true',
  '--disable-admission-plugins=ServiceAccount',
  // Missing */finalizers RBAC for blockOwnerDeletion shows up here as in a hardened cluster.
  '--enable-admission-plugins=OwnerReferencesPermissionEnforcement',
  `--audit-policy-file=${join(dir, 'audit-policy.yaml')}`,
  `--audit-log-path=${join(dir, 'audit.log')}`,
  '--audit-log-format=json',
  '--audit-log-mode=blocking',
  '--audit-log-maxsize=0',
  '--profiling=false',
];

const readManifests = async (folder: string): Promise<KubernetesObject[]> => {
  const files = (await readdir(folder)).filter((f) => f.endsWith('.yaml')).sort();
  const objects: KubernetesObject[] = [];
  for (const file of files) {
    for (const doc of parseAllDocuments(await readFile(join(folder, file), 'utf8'))) {
      const value: unknown = doc.toJS();
      if (value !== null && typeof value === 'object') objects.push(value);
    }
  }
  return objects;
};

const isEstablished = (crd: unknown): boolean => {
  const conditions = (crd as { status?: { conditions?: { type: string; status: string }[] } })
    .status?.conditions;
  return conditions?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
};

/** REST collections of the cluster-scoped kinds the harness installs. */
const clusterScopedCollections: Readonly<Record<string, string>> = {
  'apiextensions.k8s.io/v1/CustomResourceDefinition':
    '/apis/apiextensions.k8s.io/v1/customresourcedefinitions',
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy':
    '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies',
  'admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding':
    '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings',
  'rbac.authorization.k8s.io/v1/ClusterRole': '/apis/rbac.authorization.k8s.io/v1/clusterroles',
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding':
    '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings',
};

/**
 * Server-side applies a cluster-scoped object as raw JSON. (client-node's object client runs
 * bodies through its typed models, which drop keys such as `x-kubernetes-int-or-string`.)
 */
const applyClusterScoped = async (kc: KubeConfig, obj: KubernetesObject): Promise<void> => {
  const collection = clusterScopedCollections[`${obj.apiVersion ?? ''}/${obj.kind ?? ''}`];
  const name = obj.metadata?.name;
  if (collection === undefined || name === undefined) {
    throw new Error(
      `harness: cannot install ${obj.apiVersion ?? '?'} ${obj.kind ?? '?'} ${name ?? '?'}`,
    );
  }
  const res = await kubeRequest(kc, {
    method: 'PATCH',
    path: `${collection}/${name}?fieldManager=${fieldManager}&force=true&fieldValidation=Strict`,
    contentType: 'application/apply-patch+yaml',
    body: obj,
  });
  if (res.status !== 200 && res.status !== 201) {
    throw new Error(
      `harness: applying ${obj.kind ?? ''} ${name} failed (${res.status}): ${res.text}`,
    );
  }
};

/** Server-side applies the CRDs and the admission policy from `crds/`, then waits for Established. */
export const installCrds = async (kc: KubeConfig, crdsDir: string): Promise<number> => {
  const objects = await readManifests(crdsDir);
  for (const obj of objects) await applyClusterScoped(kc, obj);
  for (const obj of objects.filter((o) => o.kind === 'CustomResourceDefinition')) {
    const name = obj.metadata?.name ?? '';
    await waitFor(
      `CRD ${name} Established`,
      30_000,
      async () => {
        const res = await kubeRequest(kc, {
          method: 'GET',
          path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`,
        });
        return isEstablished(res.body) ? true : undefined;
      },
      [],
    );
  }
  return objects.length;
};

/** Gives the operator user exactly the rules the chart gives the operator's ServiceAccount. */
const grantOperatorRbac = async (kc: KubeConfig): Promise<void> => {
  const role = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name: 'lynq-operator' },
    rules: operatorRules,
  };
  const binding = {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'lynq-operator' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'lynq-operator' },
    subjects: [
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: testUsers.operator.user },
    ],
  };
  for (const obj of [role, binding]) await applyClusterScoped(kc, obj);
};

/** The HTTP status of a GET to a loopback server whose self-signed certificate is not checked. */
const insecureStatus = (url: string): Promise<number> =>
  new Promise((resolveStatus) => {
    const call = httpsGet(url, { rejectUnauthorized: false, timeout: 2_000 }, (res) => {
      res.resume();
      resolveStatus(res.statusCode ?? 0);
    });
    call.on('timeout', () => call.destroy());
    call.on('error', () => {
      resolveStatus(0);
    });
  });

const timed = async <T>(
  log: (m: string) => void,
  what: string,
  step: () => Promise<T>,
): Promise<T> => {
  const started = Date.now();
  const value = await step();
  log(`${what} in ${Date.now() - started} ms`);
  return value;
};

/**
 * Starts the whole control plane and returns once CRDs are Established and the controller
 * manager is healthy. On any failure, everything already started is stopped before it throws.
 */
export const startControlPlane = async (options: ControlPlaneOptions): Promise<ControlPlane> => {
  const { dir, log } = options;
  const paths = cachePaths();
  for (const binary of ['etcd', 'kube-apiserver', 'kube-controller-manager']) {
    if (!existsSync(join(paths.binDir, binary))) {
      throw new Error(
        `harness: ${binary} is not in ${paths.binDir}; run 'npm run setup' (scripts/setup.sh) to build the control plane`,
      );
    }
  }
  await mkdir(dir, { recursive: true });
  const started: ManagedProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const proc of started.reverse()) await proc.stop();
    started.length = 0;
  };
  try {
    const pki = await timed(log, 'certificates', () =>
      createPki(dir, [testUsers.admin, testUsers.plain, testUsers.operator]),
    );
    const etcd = await timed(log, 'etcd ready', () => startEtcd(dir, paths.binDir, paths.runDir));
    started.push(etcd.process);

    await writeFile(join(dir, 'audit-policy.yaml'), auditPolicy);
    const port = await freePort();
    const server = `https://127.0.0.1:${port}`;
    const launchApiServer = (): ManagedProcess =>
      startProcess({
        name: 'kube-apiserver',
        binary: join(paths.binDir, 'kube-apiserver'),
        args: apiserverArgs(dir, pki, etcd.url, port),
        logDir: dir,
        runDir: paths.runDir,
      });
    let apiserver = launchApiServer();
    started.push(apiserver);

    const kubeconfigs = {} as Record<TestUser, string>;
    for (const [key, identity] of Object.entries(testUsers) as [
      TestUser,
      (typeof testUsers)[TestUser],
    ][]) {
      const cert = pki.clients.get(identity.user);
      if (cert === undefined) throw new Error(`harness: no certificate for ${identity.user}`);
      const path = join(dir, `${key}.kubeconfig`);
      await writeKubeconfig(path, {
        server,
        caFile: pki.servingCaFile,
        certFile: cert.certFile,
        keyFile: cert.keyFile,
        user: identity.user,
      });
      kubeconfigs[key] = path;
    }
    const admin = new KubeConfig();
    admin.loadFromFile(kubeconfigs.admin);
    const apiServerReady = (): Promise<boolean> =>
      waitFor(
        'kube-apiserver /readyz',
        90_000,
        async () => {
          const res = await kubeRequest(admin, {
            method: 'GET',
            path: '/readyz',
            timeoutMillis: 5_000,
          });
          return res.status === 200 ? true : undefined;
        },
        [apiserver.exited],
      );
    await timed(log, 'kube-apiserver ready', apiServerReady);
    const count = await timed(log, 'CRDs established', () =>
      installCrds(admin, join(repoRoot(), 'crds')),
    );
    log(`installed ${count} objects from crds/`);
    await grantOperatorRbac(admin);

    // After the CRDs, so the garbage collector's first discovery already sees them.
    const kcmPort = await freePort();
    const controllerManager = startProcess({
      name: 'kube-controller-manager',
      binary: join(paths.binDir, 'kube-controller-manager'),
      args: [
        `--kubeconfig=${kubeconfigs.admin}`,
        '--controllers=garbage-collector-controller,namespace-controller',
        '--leader-elect=false',
        '--use-service-account-credentials=false',
        '--bind-address=127.0.0.1',
        `--secure-port=${kcmPort}`,
        `--cert-dir=${join(dir, 'kcm-certs')}`,
        '--concurrent-gc-syncs=5',
      ],
      logDir: dir,
      runDir: paths.runDir,
    });
    started.push(controllerManager);
    await timed(log, 'kube-controller-manager healthy', () =>
      waitFor(
        'kube-controller-manager /healthz',
        60_000,
        async () => {
          const status = await insecureStatus(`https://127.0.0.1:${kcmPort}/healthz`);
          return status === 200 ? true : undefined;
        },
        [controllerManager.exited],
      ),
    );
    const killApiServer = async (): Promise<void> => {
      await apiserver.stop(0);
    };
    const startApiServer = async (): Promise<void> => {
      const index = started.indexOf(apiserver);
      apiserver = launchApiServer();
      // Same slot, so `stop` still stops the controller manager before it and etcd after it.
      if (index >= 0) started[index] = apiserver;
      await timed(log, 'kube-apiserver ready again', apiServerReady);
    };
    return {
      server,
      kubeconfigs,
      auditLogFile: join(dir, 'audit.log'),
      dir,
      killApiServer,
      startApiServer,
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
};
