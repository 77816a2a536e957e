// Rendering a node: identity rules, string-only fields, hashes, located errors, budgets.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalJson } from '../api/canonical-json.js';
import { sha256Hex } from '../api/sha256-hex.js';
import { compileForm } from './compile.js';
import { createTemplateEnvironment } from './environment.js';
import { renderNode, type RenderNodeInput } from './render.js';
import {
  identityCodes,
  manifestObject,
  type NodeRenderResult,
  type RenderedManifest,
  type ResourceEntry,
} from './render-types.js';
import { templateCodes } from './template-fault.js';

const env = createTemplateEnvironment({ functions: [] });

const node = (
  variables: Record<string, unknown>,
  extra: Partial<RenderNodeInput> = {},
): RenderNodeInput => ({
  variables,
  namespace: 'tenants',
  ...extra,
});

const render = (
  entries: readonly ResourceEntry[],
  input: RenderNodeInput,
  options = {},
): NodeRenderResult => renderNode(compileForm(env, entries), input, options);

const manifests = (result: NodeRenderResult): readonly RenderedManifest[] => {
  assert.ok(result.ok, JSON.stringify(result.errors));
  return result.manifests;
};

const only = (result: NodeRenderResult): Record<string, unknown> => {
  const [first] = manifests(result);
  assert.ok(first !== undefined);
  return manifestObject(first);
};

const configMap = (
  extra: Partial<ResourceEntry> = {},
  spec: Record<string, unknown> = {},
): ResourceEntry => ({
  id: 'cm',
  spec: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '{{ uid }}-cm' }, ...spec },
  ...extra,
});

describe('render', () => {
  it('N3 takes the name from nameTemplate, else from spec.metadata.name', () => {
    assert.equal(
      only(render([configMap()], node({ uid: 'acme' }))).metadata instanceof Object,
      true,
    );
    const fromSpec = manifests(render([configMap()], node({ uid: 'acme' })))[0];
    assert.equal(fromSpec?.name, 'acme-cm');
    const fromTemplate = manifests(
      render([configMap({ nameTemplate: '{{ uid }}-x' })], node({ uid: 'acme' })),
    )[0];
    assert.equal(fromTemplate?.name, 'acme-x');
    assert.deepEqual(
      (manifestObject(fromTemplate)['metadata'] as Record<string, unknown>)['name'],
      'acme-x',
    );
  });

  it("N3 puts namespaced objects in the node's namespace whatever spec.metadata.namespace says", () => {
    const object = only(
      render([configMap({}, { metadata: { name: 'a', namespace: 'elsewhere' } })], node({})),
    );
    assert.equal((object['metadata'] as Record<string, unknown>)['namespace'], 'tenants');
  });

  it('N3 takes the namespace from targetNamespace', () => {
    const [m] = manifests(
      render([configMap({ targetNamespace: '{{ uid }}-ns' })], node({ uid: 'acme' })),
    );
    assert.equal(m?.namespace, 'acme-ns');
  });

  it('N3 ignores the namespace of cluster-scoped kinds', () => {
    const ns: ResourceEntry = {
      id: 'ns',
      targetNamespace: 'ignored',
      spec: {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: '{{ uid }}', namespace: 'x' },
      },
    };
    const [m] = manifests(render([ns], node({ uid: 'acme' })));
    assert.equal(m?.namespaced, false);
    assert.equal(m.namespace, undefined);
    assert.equal('namespace' in (manifestObject(m)['metadata'] as object), false);
  });

  it('N3 merges labels and annotations: spec < templates < tracking keys', () => {
    const entry = configMap(
      {
        labelsTemplate: { plan: '{{ plan }}', tier: 'from-template' },
        annotationsTemplate: { note: '{{ uid }}' },
      },
      {
        metadata: {
          name: 'a',
          labels: { tier: 'from-spec', keep: 'yes' },
          annotations: { a: 'spec' },
        },
      },
    );
    const object = only(
      render(
        [entry],
        node(
          { uid: 'acme', plan: 'pro' },
          { tracking: { labels: { plan: 'tracking' }, annotations: { t: '1' } } },
        ),
      ),
    );
    const metadata = object['metadata'] as Record<string, unknown>;
    assert.deepEqual(metadata['labels'], { keep: 'yes', plan: 'tracking', tier: 'from-template' });
    assert.deepEqual(metadata['annotations'], { a: 'spec', note: 'acme', t: '1' });
  });

  it('N3 strips server-populated fields and status', () => {
    const object = only(
      render(
        [
          configMap(
            {},
            {
              metadata: {
                name: 'a',
                resourceVersion: '1',
                uid: 'u',
                generation: 2,
                managedFields: [],
                creationTimestamp: 'x',
                generateName: 'g',
              },
              status: { phase: 'x' },
            },
          ),
        ],
        node({}),
      ),
    );
    assert.deepEqual(object['metadata'], { name: 'a', namespace: 'tenants' });
    assert.equal('status' in object, false);
  });

  it('T3 keeps string-only fields strings: labels, annotations, ConfigMap data, names', () => {
    const entry = configMap(
      {},
      {
        metadata: {
          name: '{{ n | int }}',
          labels: { count: '{{ n | int }}', yaml: 5 },
          annotations: { on: true },
        },
        data: { port: 8080, typed: '{{ n | int }}' },
      },
    );
    const object = only(render([entry], node({ n: '7' })));
    const metadata = object['metadata'] as Record<string, unknown>;
    assert.equal(metadata['name'], '7');
    assert.deepEqual(metadata['labels'], { count: '7', yaml: '5' });
    assert.deepEqual(metadata['annotations'], { on: 'true' });
    assert.deepEqual(object['data'], { port: '8080', typed: '7' });
  });

  it('T3 types only opted-in leaves elsewhere', () => {
    const deployment: ResourceEntry = {
      id: 'web',
      spec: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web', labels: { app: '{{ uid }}' } },
        spec: {
          replicas: '{{ replicas | int }}',
          selector: { matchLabels: { app: '{{ uid }}', n: 1 } },
          template: {
            metadata: { labels: { port: '{{ port | int }}' } },
            spec: {
              containers: [
                {
                  name: 'w',
                  env: [{ name: 'PORT', value: '{{ port }}' }],
                  ports: [{ containerPort: 80 }],
                },
              ],
            },
          },
        },
      },
    };
    const object = only(render([deployment], node({ uid: 'acme', replicas: '2', port: 8080 })));
    assert.deepEqual(object['spec'], {
      replicas: 2,
      selector: { matchLabels: { app: 'acme', n: '1' } },
      template: {
        metadata: { labels: { port: '8080' } },
        spec: {
          containers: [
            { env: [{ name: 'PORT', value: '8080' }], name: 'w', ports: [{ containerPort: 80 }] },
          ],
        },
      },
    });
  });

  it('N13 hashes the canonical JSON of the object and its scope', () => {
    const [m] = manifests(
      render([configMap({}, { data: { b: '{{ uid }}', a: '1' } })], node({ uid: 'acme' })),
    );
    assert.ok(m !== undefined);
    const object = manifestObject(m);
    assert.equal(m.json, canonicalJson(object));
    assert.equal(m.hash, sha256Hex(canonicalJson({ namespaced: true, object })));
    const again = manifests(
      render([configMap({}, { data: { a: '1', b: '{{ uid }}' } })], node({ uid: 'acme' })),
    )[0];
    assert.equal(again?.hash, m.hash);
  });

  it('N13 keeps the desired hashes stored in clusters: known templates give known hashes', () => {
    // Changing these hashes makes every node re-apply every object once after an upgrade.
    const entries: ResourceEntry[] = [
      configMap(
        {},
        {
          metadata: { name: '{{ uid }}-cm', labels: { b: '2', a: '1' } },
          data: { z: '{{ plan }}', 10: 'x', 2: 'y', a: '{{ uid }}' },
        },
      ),
      {
        id: 'dep',
        spec: {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: '{{ uid }}' },
          spec: {
            replicas: 2,
            template: {
              spec: {
                containers: [
                  { name: 'c', image: 'nginx:{{ plan }}', env: [{ value: 'v', name: 'N' }] },
                ],
              },
            },
          },
        },
      },
    ];
    const [cm, dep] = manifests(render(entries, node({ uid: 'acme', plan: 'gold' })));
    assert.equal(cm?.hash, '9335d58e0989eedd8db2f3fad46198c08f6953e8443534093dda0d0a569d2d7d');
    assert.equal(dep?.hash, 'c04898c2010c690769debff31eccc8e11575ff26cf8ff52d63ebe0de61742c59');
  });

  it('N13 makes the kind scope part of the hash', () => {
    const widget: ResourceEntry = {
      id: 'w',
      spec: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } },
    };
    const namespaced = manifests(render([widget], node({}), { isNamespaced: () => true }))[0];
    const cluster = manifests(render([widget], node({}), { isNamespaced: () => false }))[0];
    assert.notEqual(namespaced?.hash, cluster?.hash);
  });

  it('N3 fails a kind nobody knows the scope of', () => {
    const widget: ResourceEntry = {
      id: 'w',
      spec: { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } },
    };
    const result = render([widget], node({}));
    assert.equal(result.ok, true);
    assert.equal(result.errors[0]?.code, identityCodes.unknownKind);
  });

  it('N14 names the resource, the field path and the position of a template error', () => {
    const entry: ResourceEntry = {
      id: 'web',
      spec: {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'web' },
        spec: { template: { spec: { containers: [{ name: 'w', image: 'nginx:{{ version }}' }] } } },
      },
    };
    const result = render([entry], node({}));
    assert.deepEqual(result.errors, [
      {
        code: templateCodes.undefinedValue,
        resourceId: 'web',
        field: 'spec.template.spec.containers[0].image',
        message: '`version` is undefined',
        line: 1,
        column: 10,
      },
    ]);
  });

  it('N14 fails only the resource with the error; the others render', () => {
    const result = render(
      [
        configMap({ id: 'good' }),
        configMap({ id: 'bad', nameTemplate: '{{ nope }}' }),
        configMap({ id: 'syntax', nameTemplate: '{{ x }' }),
      ],
      node({ uid: 'acme' }),
    );
    assert.equal(result.ok, true);
    assert.deepEqual(
      manifests(result).map((m) => m.id),
      ['good'],
    );
    assert.deepEqual(
      result.errors.map((e) => [e.resourceId, e.field, e.code]),
      [
        ['bad', 'nameTemplate', templateCodes.undefinedValue],
        ['syntax', 'nameTemplate', templateCodes.syntax],
      ],
    );
  });

  it('N3 fails names and namespaces that are not DNS-1123', () => {
    const result = render(
      [
        configMap({ id: 'upper', nameTemplate: '{{ uid | upper }}' }),
        configMap({
          id: 'long',
          nameTemplate: '{{ "a" * 1 }}{% for i in range(0, 300) %}a{% endfor %}',
        }),
        configMap({ id: 'ns', targetNamespace: '{{ uid }}_ns' }),
        {
          id: 'svc',
          nameTemplate: '{% for i in range(0, 64) %}s{% endfor %}',
          spec: { apiVersion: 'v1', kind: 'Service' },
        },
      ],
      node({ uid: 'acme' }),
    );
    assert.deepEqual(
      result.errors.map((e) => [e.resourceId, e.field, e.code]),
      [
        ['upper', 'nameTemplate', identityCodes.invalidName],
        ['long', 'nameTemplate', identityCodes.invalidName],
        ['ns', 'targetNamespace', identityCodes.invalidNamespace],
        ['svc', 'nameTemplate', identityCodes.invalidName],
      ],
    );
  });

  it('T6 renders database values containing template syntax literally', () => {
    const object = only(
      render(
        [configMap({}, { data: { v: '{{ value }}' } })],
        node({ uid: 'a', value: '{{ uid }}{% raw %}' }),
      ),
    );
    assert.deepEqual(object['data'], { v: '{{ uid }}{% raw %}' });
  });

  it('T5 fails the whole node when its time budget runs out', () => {
    const slow = configMap(
      {},
      {
        data: {
          v: '{% for i in range(0, 100000) %}{% for j in range(0, 100000) %}{% endfor %}{% endfor %}',
        },
      },
    );
    const result = render([slow, configMap({ id: 'other' })], node({ uid: 'a' }), {
      limits: { maxRenderMillisPerNode: 50, maxOutputBytesPerNode: 1_000_000 },
    });
    assert.equal(result.ok, false);
    const [first] = result.errors;
    assert.equal(first?.code, templateCodes.budgetExceeded);
    assert.equal(first.resourceId, 'cm');
  });
});
