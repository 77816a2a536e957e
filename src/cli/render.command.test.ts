// `lynq render` run as users run it: a child process on fixture files.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';

const run = promisify(execFile);
const main = fileURLToPath(new URL('../main.js', import.meta.url));
/** Fixtures are read from the source tree (tests run from dist/src/cli). */
const fixture = (name: string): string =>
  fileURLToPath(new URL(`../../../test/fixtures/render/${name}`, import.meta.url));

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const lynq = async (...args: string[]): Promise<Outcome> => {
  try {
    const { stdout, stderr } = await run(process.execPath, [main, 'render', ...args]);
    return { code: 0, stdout, stderr };
  } catch (err: unknown) {
    const e = err as { code?: unknown; stdout?: unknown; stderr?: unknown };
    return {
      code: typeof e.code === 'number' ? e.code : -1,
      stdout: String(e.stdout),
      stderr: String(e.stderr),
    };
  }
};

const documents = (yaml: string): Record<string, unknown>[] =>
  parseAllDocuments(yaml).map((doc) => doc.toJS() as Record<string, unknown>);

describe('lynq render', () => {
  it('T8 prints the manifests of one row as YAML in apply order', async () => {
    const out = await lynq('--form', fixture('form.yaml'), '--vars', 'uid=acme,plan=pro');
    assert.equal(out.code, 0, out.stderr);
    const docs = documents(out.stdout);
    assert.deepEqual(
      docs.map((d) => [d['kind'], (d['metadata'] as Record<string, unknown>)['name']]),
      [
        ['ConfigMap', 'acme-config'],
        ['Deployment', 'acme-web'],
        ['Service', 'acme-web'],
      ],
    );
    const deployment = docs[1] as { spec: { replicas: unknown } };
    assert.equal(deployment.spec.replicas, 2);
  });

  it('T8 renders every row of a vars file', async () => {
    const out = await lynq('--form', fixture('form.yaml'), '--vars-file', fixture('rows.json'));
    assert.equal(out.code, 0, out.stderr);
    const names = documents(out.stdout).map(
      (d) => (d['metadata'] as Record<string, unknown>)['name'],
    );
    assert.deepEqual(names, [
      'acme-config',
      'acme-web',
      'acme-web',
      'globex-config',
      'globex-web',
      'globex-web',
    ]);
  });

  it('T8 prints the dependency levels', async () => {
    const out = await lynq('--form', fixture('form.yaml'), '--show-order');
    assert.equal(out.code, 0, out.stderr);
    assert.equal(out.stdout, 'level 0: config\nlevel 1: web\nlevel 2: svc\n');
  });

  it('T8 reports a cycle with its path and exits non-zero', async () => {
    const out = await lynq('--form', fixture('cycle-form.yaml'), '--show-order');
    assert.equal(out.code, 1);
    assert.match(out.stderr, /dependency cycle: a → c → b → a/);
  });

  it('T8 reports each bad resource with its id and field, and exits non-zero', async () => {
    const out = await lynq('--form', fixture('bad-form.yaml'), '--vars', 'uid=acme,plan=pro');
    assert.equal(out.code, 1);
    const lines = out.stderr.trim().split('\n');
    assert.deepEqual(
      lines.map((l) => /^resource "([^"]+)" field ([^\s:]+)/.exec(l)?.slice(1)),
      [
        ['missing-var', 'data.a'],
        ['bad-namespace', 'targetNamespace'],
        ['syntax', 'nameTemplate'],
        ['unknown-fn', 'nameTemplate'],
      ],
    );
    assert.match(out.stderr, /TemplateUndefinedValue: `nope` is undefined/);
    assert.equal(documents(out.stdout).length, 1);
  });

  it('T8 asks for Group/Kind of kinds it does not know', async () => {
    const out = await lynq('--form', fixture('widget-form.yaml'), '--vars', 'uid=acme');
    assert.equal(out.code, 1);
    assert.match(out.stderr, /UnknownKind/);
    const known = await lynq(
      '--form',
      fixture('widget-form.yaml'),
      '--vars',
      'uid=acme',
      '--cluster-kind',
      'example.com/Widget',
    );
    assert.equal(known.code, 0, known.stderr);
    assert.equal('namespace' in (documents(known.stdout)[0]?.['metadata'] as object), false);
  });

  it('T8 exits 2 on bad usage', async () => {
    assert.equal((await lynq()).code, 2);
    assert.equal((await lynq('--form', fixture('form.yaml'), '--vars', 'novalue')).code, 2);
  });
});
