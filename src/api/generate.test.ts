// Tests that the generated files on disk are exactly what the schema source produces now.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { defaultTargetPolicy } from '../kube/target-policy.js';
import { chartCrdGuard, findRepoRoot, generatedFiles, generatedHeader } from './generate.js';
import { childKindResources, operatorCoreRules, type PolicyRule } from './operator-rbac.js';

const root = findRepoRoot(import.meta.url);

describe('generated files', () => {
  it('are up to date on disk (run npm run generate when this fails)', () => {
    for (const { path, content } of generatedFiles()) {
      const onDisk = readFileSync(join(root, path), 'utf8');
      assert.ok(onDisk === content, `${path} is stale: run npm run generate`);
    }
  });

  it('ship the CRDs and the admission policy in crds/ and in the chart, there kept on uninstall and installed only with crds.install', () => {
    const files = new Map(generatedFiles().map(({ path, content }) => [path, content]));
    const names = [
      'operator.lynq.sh_lynqhubs.yaml',
      'operator.lynq.sh_lynqforms.yaml',
      'operator.lynq.sh_lynqnodes.yaml',
      'lynq-deletion-protection.yaml',
    ];
    for (const name of names) {
      const content = files.get(`crds/${name}`);
      assert.ok(content?.startsWith(generatedHeader), name);
      const chart = files.get(`helm/lynq/templates/crds/${name}`) ?? '';
      const lines = chart.split('\n');
      assert.equal(lines[0], chartCrdGuard.open, name);
      assert.equal(lines.at(-2), chartCrdGuard.close, name);
      const inner = parseAllDocuments(lines.slice(1, -2).join('\n')).map(
        (d) => d.toJS() as { metadata: { annotations?: Record<string, string> } },
      );
      const plain = parseAllDocuments(content ?? '').map((d) => d.toJS() as object);
      assert.equal(inner.length, plain.length, name);
      inner.forEach((manifest, i) => {
        assert.equal(manifest.metadata.annotations?.['helm.sh/resource-policy'], 'keep', name);
        const annotations = { ...manifest.metadata.annotations };
        delete annotations['helm.sh/resource-policy'];
        const unannotated = {
          ...manifest,
          metadata: {
            ...manifest.metadata,
            annotations: Object.keys(annotations).length === 0 ? undefined : annotations,
          },
        };
        assert.deepEqual(JSON.parse(JSON.stringify(unannotated)), plain[i], name);
      });
    }
  });

  it("parse as YAML, and only the chart copies' install guard is a Helm template", () => {
    for (const { path, content } of generatedFiles()) {
      const templated = content.split('\n').filter((line) => line.includes('{{'));
      const guarded = path.startsWith('helm/lynq/templates/crds/');
      assert.deepEqual(templated, guarded ? [chartCrdGuard.open, chartCrdGuard.close] : [], path);
      const yamlText = content
        .split('\n')
        .filter((line) => !line.includes('{{'))
        .join('\n');
      for (const document of parseAllDocuments(yamlText)) {
        assert.deepEqual(document.errors, [], path);
      }
    }
  });

  it('SPEC P1 give the chart the rules of operator-rbac.ts in groups, no wildcard anywhere', () => {
    const file = generatedFiles().find(({ path }) => path === 'helm/lynq/files/operator-rbac.yaml');
    assert.ok(file);
    const [document] = parseAllDocuments(file.content);
    const source = document?.toJS() as {
      operator: PolicyRule[];
      events: PolicyRule[];
      hubSecrets: PolicyRule[];
      leases: PolicyRule[];
      childVerbs: string[];
      defaultKinds: string[];
      kinds: Record<string, { apiGroup: string; resource: string; namespaced: boolean }>;
    };
    assert.deepEqual(source.operator, JSON.parse(JSON.stringify(operatorCoreRules)));
    assert.deepEqual(source.hubSecrets, [
      { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
    ]);
    assert.deepEqual(source.defaultKinds, Object.keys(source.kinds));
    const rules = [...source.operator, ...source.events, ...source.hubSecrets, ...source.leases];
    for (const rule of rules) {
      for (const value of [...rule.apiGroups, ...rule.resources, ...rule.verbs]) {
        assert.notEqual(value, '*', JSON.stringify(rule));
      }
    }
    assert.ok(!source.childVerbs.includes('*'));
  });

  it('SPEC N16 the chart knows a resource for every kind the operator allows by default', () => {
    assert.deepEqual(
      [...Object.keys(childKindResources)].sort(),
      [...defaultTargetPolicy.allowedKinds].sort(),
    );
  });
});
