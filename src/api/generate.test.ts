// Tests that the generated files on disk are exactly what the schema source produces now.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { findRepoRoot, generatedFiles, generatedHeader } from './generate.js';

const root = findRepoRoot(import.meta.url);

describe('generated files', () => {
  it('are up to date on disk (run npm run generate when this fails)', () => {
    for (const { path, content } of generatedFiles()) {
      const onDisk = readFileSync(join(root, path), 'utf8');
      assert.ok(onDisk === content, `${path} is stale: run npm run generate`);
    }
  });

  it('ship the CRDs and the admission policy in crds/ and, identically, in the chart', () => {
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
      assert.equal(files.get(`helm/lynq/templates/crds/${name}`), content, name);
    }
    assert.ok(files.has('helm/lynq/templates/operator-clusterrole.yaml'));
  });

  it('parse as YAML, and only the ClusterRole name is a Helm template', () => {
    for (const { path, content } of generatedFiles()) {
      for (const document of parseAllDocuments(content)) {
        assert.deepEqual(document.errors, [], path);
      }
      const templated = content.split('\n').filter((line) => line.includes('{{'));
      const expected = path.endsWith('operator-clusterrole.yaml')
        ? ["  name: '{{ .Release.Name }}-lynq-operator'"]
        : [];
      assert.deepEqual(templated, expected, path);
    }
  });

  it('ClusterRole carries the rules of operator-rbac.ts', () => {
    const file = generatedFiles().find(({ path }) => path.endsWith('operator-clusterrole.yaml'));
    assert.ok(file);
    const [document] = parseAllDocuments(file.content);
    const role = document?.toJS() as { kind: string; rules: unknown[] };
    assert.equal(role.kind, 'ClusterRole');
    assert.ok(role.rules.length > 0);
  });
});
