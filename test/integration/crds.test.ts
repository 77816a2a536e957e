// The CRDs on a real kube-apiserver: established, schema validation, CEL rules, strict field validation, explain.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { validForm, validHub } from '../fixtures/lynq-objects.js';
import { lynqPath } from '../fixtures/lynq-paths.js';
import { kubeRequest, type KubeResponse } from '../harness/kube-request.js';
import { createTestNamespace, kubeConfigFor, kubectl } from '../harness/test-env.js';

const messageOf = (res: KubeResponse): string =>
  typeof res.body === 'object' && res.body !== null && 'message' in res.body
    ? String(res.body.message)
    : res.text;

/** A deep copy with `mutate` applied, so each case starts from a valid object. */
const variant = (
  base: Record<string, unknown>,
  mutate: (obj: any) => void,
): Record<string, unknown> => {
  const copy = structuredClone(base);
  mutate(copy);
  return copy;
};

describe('CRDs on the real API server', () => {
  let kc: KubeConfig;
  let ns: { name: string; remove: () => Promise<void> };

  before(async () => {
    kc = await kubeConfigFor('admin');
    ns = await createTestNamespace('crds');
  });
  after(async () => {
    await ns.remove();
  });

  const create = (
    plural: 'lynqhubs' | 'lynqforms',
    body: unknown,
    query?: string,
  ): Promise<KubeResponse> =>
    kubeRequest(kc, { method: 'POST', path: lynqPath(plural, ns.name, undefined, query), body });

  it('installs the three CRDs as Established with a status subresource', async () => {
    for (const plural of ['lynqhubs', 'lynqforms', 'lynqnodes']) {
      const res = await kubeRequest(kc, {
        method: 'GET',
        path: `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${plural}.operator.lynq.sh`,
      });
      assert.equal(res.status, 200, res.text);
      const crd = res.body as {
        status: { conditions: { type: string; status: string }[] };
        spec: { versions: { name: string; subresources?: { status?: unknown } }[] };
      };
      assert.ok(crd.status.conditions.some((c) => c.type === 'Established' && c.status === 'True'));
      assert.ok(crd.spec.versions.find((v) => v.name === 'v1')?.subresources?.status !== undefined);
    }
  });

  it('accepts a valid LynqHub and applies the schema defaults', async () => {
    const res = await create('lynqhubs', validHub({ name: 'valid-hub', namespace: ns.name }));
    assert.equal(res.status, 201, res.text);
    const hub = res.body as { spec: { source: { syncInterval: string; mysql: { port: number } } } };
    assert.equal(hub.spec.source.syncInterval, '30s');
    assert.equal(hub.spec.source.mysql.port, 3306);
  });

  it('accepts a valid LynqForm and defaults the resource policies', async () => {
    const res = await create(
      'lynqforms',
      validForm({ name: 'valid-form', namespace: ns.name, hubId: 'valid-hub' }),
    );
    assert.equal(res.status, 201, res.text);
    const form = res.body as { spec: { configMaps: Record<string, unknown>[] } };
    const entry = form.spec.configMaps[0];
    assert.ok(entry);
    assert.equal(entry['creationPolicy'], 'WhenNeeded');
    assert.equal(entry['deletionPolicy'], 'Delete');
    assert.equal(entry['conflictPolicy'], 'Stuck');
    assert.equal(entry['patchStrategy'], 'apply');
    assert.equal(entry['waitForReady'], true);
    assert.equal(entry['timeoutSeconds'], 300);
    assert.equal(entry['skipOnDependencyFailure'], true);
  });

  const hub = (name: string): Record<string, unknown> => validHub({ name, namespace: ns.name });
  const form = (name: string): Record<string, unknown> =>
    validForm({ name, namespace: ns.name, hubId: 'h' });

  const rejected: readonly {
    readonly name: string;
    readonly plural: 'lynqhubs' | 'lynqforms';
    readonly body: () => Record<string, unknown>;
    readonly message: RegExp;
  }[] = [
    {
      name: 'an unsupported enum value for a creation policy',
      plural: 'lynqforms',
      body: () =>
        variant(form('bad-enum'), (f) => (f.spec.configMaps[0].creationPolicy = 'Sometimes')),
      message: /creationPolicy: Unsupported value: "Sometimes"/,
    },
    {
      name: 'an unsupported datasource type',
      plural: 'lynqhubs',
      body: () => variant(hub('bad-type'), (h) => (h.spec.source.type = 'oracle')),
      message: /source\.type: Unsupported value: "oracle"/,
    },
    {
      name: 'a hub without valueMappings.uid',
      plural: 'lynqhubs',
      body: () => variant(hub('no-uid'), (h) => delete h.spec.valueMappings.uid),
      message: /valueMappings\.uid: Required value/,
    },
    {
      name: 'syncInterval: abc',
      plural: 'lynqhubs',
      body: () => variant(hub('sync-abc'), (h) => (h.spec.source.syncInterval = 'abc')),
      message: /syncInterval: Invalid value: "abc"/,
    },
    {
      name: 'syncInterval: 0s',
      plural: 'lynqhubs',
      body: () => variant(hub('sync-zero'), (h) => (h.spec.source.syncInterval = '0s')),
      message: /spec\.source\.syncInterval: Invalid value: "0s": syncInterval must be at least 1s/,
    },
    {
      name: 'an empty resource id',
      plural: 'lynqforms',
      body: () => variant(form('empty-id'), (f) => (f.spec.configMaps[0].id = '')),
      message:
        /id: Invalid value: "": spec\.configMaps\[0\]\.id in body should be at least 1 chars long/,
    },
    {
      name: 'timeoutSeconds outside 1..3600',
      plural: 'lynqforms',
      body: () => variant(form('timeout'), (f) => (f.spec.configMaps[0].timeoutSeconds = 0)),
      message: /timeoutSeconds: Invalid value: 0/,
    },
    {
      name: 'the same id twice in one list',
      plural: 'lynqforms',
      body: () =>
        variant(form('dup-id'), (f) =>
          f.spec.configMaps.push(structuredClone(f.spec.configMaps[0])),
        ),
      message: /configMaps\[1\]: Duplicate value/,
    },
  ];

  for (const c of rejected) {
    it(`rejects ${c.name} with the API server's message`, async () => {
      const res = await create(c.plural, c.body());
      assert.equal(res.status, 422, res.text);
      assert.match(messageOf(res), c.message);
    });
  }

  it('rejects a change of hubId (immutable by CEL)', async () => {
    const created = await create(
      'lynqforms',
      validForm({ name: 'immutable-hub', namespace: ns.name, hubId: 'one' }),
    );
    assert.equal(created.status, 201, created.text);
    const res = await kubeRequest(kc, {
      method: 'PATCH',
      path: lynqPath('lynqforms', ns.name, 'immutable-hub'),
      contentType: 'application/merge-patch+json',
      body: { spec: { hubId: 'two' } },
    });
    assert.equal(res.status, 422, res.text);
    assert.match(messageOf(res), /hubId.*immutable/i);
  });

  it('rejects misspelt fields under fieldValidation=Strict', async () => {
    const misspeltHost = variant(hub('misspelt-host'), (h) => (h.spec.source.mysql.hots = 'db'));
    const hubRes = await create('lynqhubs', misspeltHost, 'fieldValidation=Strict');
    // Strict decoding errors are a 400 Bad Request, not a 422.
    assert.equal(hubRes.status, 400, hubRes.text);
    assert.match(messageOf(hubRes), /unknown field "spec\.source\.mysql\.hots"/);

    const misspeltList = variant(form('misspelt-list'), (f) => (f.spec.deploymnets = []));
    const formRes = await create('lynqforms', misspeltList, 'fieldValidation=Strict');
    assert.equal(formRes.status, 400, formRes.text);
    assert.match(messageOf(formRes), /unknown field "spec\.deploymnets"/);
  });

  it('keeps unknown fields inside a resource spec (the manifest is free-form)', async () => {
    const body = variant(
      form('free-manifest'),
      (f) => (f.spec.configMaps[0].spec.binaryData = { k: 'dg==' }),
    );
    const res = await create('lynqforms', body, 'fieldValidation=Strict');
    assert.equal(res.status, 201, res.text);
    const stored = res.body as { spec: { configMaps: { spec: Record<string, unknown> }[] } };
    assert.deepEqual(stored.spec.configMaps[0]?.spec['binaryData'], { k: 'dg==' });
  });

  it('shows the creationPolicy enum in kubectl explain', async () => {
    const res = await kubectl(['explain', 'lynqform.spec.configMaps.creationPolicy']);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /Once/);
    assert.match(res.stdout, /WhenNeeded/);
  });

  it('H8 denies deleting a protected hub, with a message saying how to lift the protection', async () => {
    const protectedHub = validHub({
      name: 'protected',
      namespace: ns.name,
      annotations: { 'lynq.sh/deletion-protection': 'true' },
    });
    assert.equal((await create('lynqhubs', protectedHub)).status, 201);
    // The policy is enforced once the API server has loaded it; allow it a moment on a busy machine.
    let res: KubeResponse | undefined;
    for (let attempt = 0; attempt < 30; attempt += 1) {
      res = await kubeRequest(kc, {
        method: 'DELETE',
        path: lynqPath('lynqhubs', ns.name, 'protected'),
      });
      if (res.status !== 200) break;
      await create('lynqhubs', protectedHub);
      await new Promise((r) => setTimeout(r, 1_000));
    }
    assert.equal(res?.status, 403, res?.text);
    assert.match(messageOf(res), /lynq\.sh\/deletion-protection/);
    const still = await kubeRequest(kc, {
      method: 'GET',
      path: lynqPath('lynqhubs', ns.name, 'protected'),
    });
    assert.equal(still.status, 200);

    const unprotect = await kubeRequest(kc, {
      method: 'PATCH',
      path: lynqPath('lynqhubs', ns.name, 'protected'),
      contentType: 'application/merge-patch+json',
      body: { metadata: { annotations: { 'lynq.sh/deletion-protection': null } } },
    });
    assert.equal(unprotect.status, 200, unprotect.text);
    const deleted = await kubeRequest(kc, {
      method: 'DELETE',
      path: lynqPath('lynqhubs', ns.name, 'protected'),
    });
    assert.equal(deleted.status, 200, deleted.text);
  });
});
