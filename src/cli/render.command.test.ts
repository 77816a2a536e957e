// `lynq render` run as users run it: a child process on fixture files.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { parseRenderArgs, type RenderOptions } from './render-args.js';

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

  it('T8 --from-db exits non-zero naming the unset password variable, before any connection', async () => {
    const out = await lynq(
      '--form',
      fixture('form.yaml'),
      '--hub',
      fixture('hub.yaml'),
      '--from-db',
      '--password-env',
      'LYNQ_RENDER_TEST_UNSET',
    );
    assert.equal(out.code, 1);
    assert.match(out.stderr, /PasswordEnvUnset: --password-env LYNQ_RENDER_TEST_UNSET/);
    assert.equal(out.stdout, '');
  });

  it('T8 --from-db refuses a form that belongs to another hub', async () => {
    const out = await lynq(
      '--form',
      fixture('form.yaml'),
      '--hub',
      fixture('other-hub.yaml'),
      '--from-db',
    );
    assert.equal(out.code, 2);
    assert.match(out.stderr, /hubId tenants: hub other would never render it/);
  });
});

describe('parseRenderArgs', () => {
  const run = (...args: string[]): RenderOptions => {
    const parsed = parseRenderArgs(args);
    if (parsed.type !== 'run') assert.fail(`expected options, got ${JSON.stringify(parsed)}`);
    return parsed.options;
  };
  const usageError = (...args: string[]): string => {
    const parsed = parseRenderArgs(args);
    if (parsed.type !== 'usage-error') assert.fail(`expected a usage error, got ${parsed.type}`);
    return parsed.message;
  };

  it('T8 reads --hub, --from-db, --limit, --password-env, --kubeconfig and --namespace', () => {
    const options = run(
      '--form',
      'f.yaml',
      '--hub',
      'h.yaml',
      '--from-db',
      '--limit',
      '2',
      '--password-env',
      'DB_PASSWORD',
      '--kubeconfig',
      'kc',
      '--namespace',
      'ns',
    );
    assert.deepEqual(options, {
      formFile: 'f.yaml',
      source: {
        type: 'database',
        hubFile: 'h.yaml',
        limit: 2,
        passwordEnv: 'DB_PASSWORD',
        kubeconfig: 'kc',
      },
      namespace: 'ns',
      scopes: {},
      showOrder: false,
    });
  });

  it('T8 without --limit renders every active row, and without --password-env uses the Secret', () => {
    assert.deepEqual(run('--form', 'f', '--hub', 'h', '--from-db').source, {
      type: 'database',
      hubFile: 'h',
      limit: undefined,
      passwordEnv: undefined,
      kubeconfig: undefined,
    });
  });

  it('T8 merges --vars and keeps the vars file without --from-db', () => {
    assert.deepEqual(
      run(
        '--form',
        'f',
        '--vars',
        'uid=a,plan=pro',
        '--vars',
        'plan=basic',
        '--vars-file',
        'r.json',
      ).source,
      { type: 'inline', vars: { uid: 'a', plan: 'basic' }, varsFile: 'r.json' },
    );
  });

  it('T8 takes Group/Kind scopes and --show-order', () => {
    const options = run(
      '--form',
      'f',
      '--namespaced-kind',
      'example.com/Widget',
      '--cluster-kind',
      '/Gadget',
      '--show-order',
    );
    assert.deepEqual(options.scopes, { 'example.com/Widget': true, '/Gadget': false });
    assert.equal(options.showOrder, true);
  });

  it('T8 --from-db needs --hub', () => {
    assert.match(usageError('--form', 'f', '--from-db'), /--from-db needs --hub/);
  });

  it('T8 --from-db does not mix with --vars or --vars-file', () => {
    assert.match(usageError('--form', 'f', '--hub', 'h', '--from-db', '--vars', 'a=b'), /--vars/);
    assert.match(
      usageError('--form', 'f', '--hub', 'h', '--from-db', '--vars-file', 'r.json'),
      /--vars-file/,
    );
  });

  it('T8 database flags without --from-db are a usage error', () => {
    assert.match(usageError('--form', 'f', '--hub', 'h'), /--hub only go with --from-db/);
    assert.match(usageError('--form', 'f', '--limit', '2'), /--limit/);
    assert.match(usageError('--form', 'f', '--password-env', 'P'), /--password-env/);
    assert.match(usageError('--form', 'f', '--kubeconfig', 'k'), /--kubeconfig/);
  });

  it('T8 --limit must be a positive integer', () => {
    for (const bad of ['0', '-1', '1.5', 'two', '', '99999999999999999999']) {
      assert.match(
        usageError('--form', 'f', '--hub', 'h', '--from-db', `--limit=${bad}`),
        /--limit: expected a positive integer/,
        bad,
      );
    }
  });

  it('T8 --form is required, unknown flags are refused, --help is help', () => {
    assert.match(usageError('--hub', 'h', '--from-db'), /--form is required/);
    assert.match(usageError('--form', 'f', '--from-database'), /Unknown option/);
    assert.match(usageError('--form', 'f', '--from-db=yes'), /does not take an argument/);
    assert.deepEqual(parseRenderArgs(['--help']), { type: 'help' });
  });
});
