// The built `lynq` CLI run as a process, as users run it: --version, --help, strict operator flags, the image's production dependencies.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { operatorFlags } from './operator-flags.js';

const run = promisify(execFile);
const repo = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const main = join(repo, 'dist', 'src', 'main.js');

const lynq = async (
  args: readonly string[],
  env: NodeJS.ProcessEnv = { ...process.env, KUBECONFIG: '/nonexistent/kubeconfig' },
): Promise<{ code: number; stdout: string; stderr: string }> => {
  try {
    // Only a guard against a hung process: every command here ends by itself, and a node
    // process starting on a loaded machine can take many seconds to get there.
    const { stdout, stderr } = await run(process.execPath, [main, ...args], {
      timeout: 180_000,
      env,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code?: number; stdout?: string; stderr?: string };
    if (typeof failed.code !== 'number') throw err;
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
};

describe('lynq CLI as a process', () => {
  it('prints its version and its help, exit 0', async () => {
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
    const version = await lynq(['--version']);
    assert.deepEqual([version.code, version.stdout.trim()], [0, `lynq ${pkg.version}`]);
    const help = await lynq(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /operator/);
  });

  it('lynq operator --help lists every flag with its environment variable and default, and starts nothing', async () => {
    const help = await lynq(['operator', '--help']);
    assert.equal(help.code, 0, help.stderr);
    for (const flag of operatorFlags) {
      assert.match(help.stdout, new RegExp(`--${flag.name}\\b`));
      if (flag.env !== undefined) assert.ok(help.stdout.includes(flag.env), flag.env);
    }
    assert.equal(help.stderr, '');
  });

  it('an unknown operator flag or a missing value exits 2 with one line naming it', async () => {
    for (const [args, text] of [
      [['operator', '--bogus'], 'unknown flag --bogus'],
      [['operator', '--kubeconfig'], '--kubeconfig needs a value'],
      [['operator', 'stray'], 'unexpected argument'],
    ] as const) {
      const result = await lynq(args);
      assert.equal(result.code, 2, args.join(' '));
      const lines = `${result.stdout}${result.stderr}`.trim().split('\n');
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.ok(lines[0]?.includes(text), lines[0]);
    }
  });

  it('lynq operator with no kubeconfig anywhere exits 2 at once, naming every source it tried; an unreadable one exits 1', async () => {
    const bare = Object.fromEntries(
      Object.entries(process.env).filter(
        ([key]) => key !== 'KUBECONFIG' && key !== 'KUBERNETES_SERVICE_HOST',
      ),
    );
    const none = await lynq(['operator', '--health-port', '-1'], {
      ...bare,
      HOME: join(repo, 'dist', 'no-home'),
    });
    assert.equal(none.code, 2, none.stdout + none.stderr);
    const lines = `${none.stdout}${none.stderr}`.trim().split('\n');
    assert.equal(lines.length, 1);
    for (const source of ['--kubeconfig', 'KUBECONFIG', 'in-cluster', '.kube/config']) {
      assert.ok(lines[0]?.includes(source), source);
    }
    const unreadable = await lynq(['operator', '--health-port', '-1']);
    assert.equal(unreadable.code, 1, unreadable.stdout + unreadable.stderr);
  });

  it('the image copies only what exists: the Dockerfile sources, its .dockerignore and the production entry point', () => {
    const dockerfile = readFileSync(join(repo, 'Dockerfile'), 'utf8');
    for (const match of dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)) {
      for (const source of (match[1] ?? '').split(' ')) {
        assert.ok(existsSync(join(repo, source)), `Dockerfile copies ${source}, which exists`);
      }
    }
    assert.match(dockerfile, /^USER 1000:1000$/m, 'runs as a non-root uid');
    assert.match(dockerfile, /npm ci --omit=dev/, 'production dependencies only');
    assert.match(dockerfile, /ENTRYPOINT \["node", "\/app\/dist\/src\/main.js"\]/);
    const ignore = readFileSync(join(repo, '.dockerignore'), 'utf8');
    assert.match(ignore, /^\*$/m, 'the context is only what the Dockerfile names');
  });
});
