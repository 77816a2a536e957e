// Form validation (SPEC F1) with the real function library: every error listed, each naming where it is.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import type { LynqFormSpec } from '../api/lynq-form.schema.js';
import { createTemplateEnvironment, type TemplateEnvironment } from '../render/environment.js';
import { loadTemplateFunctions } from '../render/function-table.js';
import { parseJsonPath } from '../api/json-path.js';
import { formWarnings, resourceListKinds, validateForm } from './form-validation.js';

const cm = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  spec: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `{{ uid }}-${id}` } },
  ...extra,
});

const spec = (lists: Record<string, unknown>): LynqFormSpec =>
  ({ hubId: 'hub', rollout: {}, suspend: false, ...lists }) as unknown as LynqFormSpec;

describe('validateForm', () => {
  let env: TemplateEnvironment;
  before(async () => {
    env = createTemplateEnvironment({ functions: await loadTemplateFunctions() });
  });
  const validate = (s: LynqFormSpec, hubExists = true) =>
    validateForm({ spec: s, hubExists, namespace: 'ns', env });

  it('F1 a valid form has no errors', () => {
    assert.deepEqual(validate(spec({ configMaps: [cm('a'), cm('b', { dependIds: ['a'] })] })), []);
  });

  it('F1 lists every error: hub, duplicate id across lists, missing dependency, cycle, template, ignoreFields, server fields', () => {
    const errors = validate(
      spec({
        configMaps: [
          cm('a', { dependIds: ['b'] }),
          cm('b', { dependIds: ['a'] }),
          cm('dup'),
          cm('c', { dependIds: ['nope'], ignoreFields: ['spec..x', 'data["k"]'] }),
        ],
        secrets: [
          cm('dup'),
          {
            id: 'bad',
            spec: {
              apiVersion: 'v1',
              kind: 'Secret',
              metadata: { name: '{{ uid ', uid: 'x', resourceVersion: '1', deletionTimestamp: 'x' },
              status: {},
            },
          },
        ],
      }),
      false,
    );
    const text = errors.join('\n');
    assert.match(text, /LynqHub ns\/hub \(spec\.hubId\) does not exist/);
    assert.match(text, /resource id "dup" is used more than once: configMaps\[2\], secrets\[0\]/);
    assert.match(text, /resource "c" depends on "nope"/);
    assert.match(text, /dependency cycle: (a → b → a|b → a → b)/);
    assert.match(text, /resource "bad" field metadata\.name: TemplateSyntaxError/);
    assert.match(text, /configMaps\[3\] \(id "c"\): ignoreFields\[0\]/);
    assert.doesNotMatch(text, /ignoreFields\[1\]/);
    assert.match(text, /secrets\[1\] \(id "bad"\): spec\.metadata\.uid is set by the API server/);
    assert.match(text, /spec\.metadata\.resourceVersion is set by the API server/);
    // The same list the renderer strips from every manifest (N3).
    assert.match(text, /spec\.metadata\.deletionTimestamp is set by the API server/);
    assert.match(text, /secrets\[1\] \(id "bad"\): spec\.status is set by the API server/);
  });

  it('F1 an unknown function fails validation', () => {
    const errors = validate(
      spec({ configMaps: [cm('a', { nameTemplate: '{{ uid | noSuchFilter }}' })] }),
    );
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? '', /resource "a" field nameTemplate/);
  });
});

describe('parseJsonPath', () => {
  it('F1 accepts the paths ignoreFields uses', () => {
    for (const path of [
      '$.spec.replicas',
      'spec.replicas',
      '.spec.template.spec.containers[*].image',
      "metadata.annotations['example.com/key']",
      'data["a.b"]',
      'items[0]',
      'spec.*',
    ]) {
      assert.equal(parseJsonPath(path).ok, true, path);
    }
    assert.deepEqual(parseJsonPath('spec.containers[*].image'), {
      ok: true,
      segments: [
        { kind: 'field', name: 'spec' },
        { kind: 'field', name: 'containers' },
        { kind: 'wildcard' },
        { kind: 'field', name: 'image' },
      ],
    });
  });

  it('F1 rejects what it cannot use, saying where', () => {
    for (const path of ['', '$', 'a..b', 'a[', "a['x", 'a[?(@.x)]', 'a[1:2]', 'a b', 'a.', '$x']) {
      const parsed = parseJsonPath(path);
      assert.equal(parsed.ok, false, path);
    }
  });
});

describe('formWarnings', () => {
  const secret = (id: string, kind = 'Secret') => ({
    id,
    spec: { apiVersion: 'v1', kind, metadata: { name: id } },
  });

  it('F1 a Secret under configMaps is a warning naming the list, the id and both kinds', () => {
    assert.deepEqual(formWarnings(spec({ configMaps: [cm('a'), secret('s')] })), [
      'configMaps[1] (id "s"): kind Secret sits in configMaps, which lists ConfigMap; it is applied as a Secret',
    ]);
  });

  it('F1 a kind that disagrees with its list never makes the form invalid', async () => {
    const env = createTemplateEnvironment({ functions: await loadTemplateFunctions() });
    const s = spec({ configMaps: [secret('s')], deployments: [cm('c')] });
    assert.deepEqual(validateForm({ spec: s, hubExists: true, namespace: 'ns', env }), []);
    assert.equal(formWarnings(s).length, 2);
  });

  it('F1 no warning for matching kinds, any kind under manifests, or a templated kind', () => {
    const lists = Object.fromEntries(
      Object.entries(resourceListKinds).map(([list, kind]) => [
        list,
        [secret(`${list}-x`, kind ?? 'Anything')],
      ]),
    );
    assert.deepEqual(formWarnings(spec(lists)), []);
    assert.deepEqual(formWarnings(spec({ configMaps: [secret('t', '{{ kind }}')] })), []);
  });
});
