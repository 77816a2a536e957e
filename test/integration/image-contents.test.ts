// What the container image would run (there is no container runtime here): the production dependency set alone runs the CLI.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { repoRoot } from '../harness/cache-paths.js';

const run = promisify(execFile);

describe('image contents', () => {
  it('P1 npm ci --omit=dev and dist/src alone run lynq --version and render a form, as the Dockerfile builds it', async () => {
    const root = repoRoot();
    const app = await mkdtemp(join(tmpdir(), 'lynq-image-'));
    try {
      for (const file of ['package.json', 'package-lock.json']) {
        await cp(join(root, file), join(app, file));
      }
      await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts'], {
        cwd: app,
        timeout: 300_000,
      });
      await cp(join(root, 'dist', 'src'), join(app, 'dist', 'src'), { recursive: true });
      const main = join(app, 'dist', 'src', 'main.js');
      const version = await run(process.execPath, [main, '--version'], { cwd: app });
      assert.match(version.stdout, /^lynq \d+\.\d+\.\d+/);
      // Rendering loads nunjucks, the function library and the worker pool: all production code.
      const form = join(app, 'form.yaml');
      await writeFile(
        form,
        [
          'apiVersion: operator.lynq.sh/v1',
          'kind: LynqForm',
          'metadata: {name: web, namespace: default}',
          'spec:',
          '  hubId: hub',
          '  configMaps:',
          '    - id: cfg',
          '      nameTemplate: "{{ uid }}-cfg"',
          '      spec: {apiVersion: v1, kind: ConfigMap, data: {plan: "{{ plan | upper }}"}}',
          '',
        ].join('\n'),
      );
      const rendered = await run(
        process.execPath,
        [main, 'render', '--form', form, '--vars', 'uid=acme,plan=pro'],
        { cwd: app, timeout: 60_000 },
      );
      assert.match(rendered.stdout, /acme-cfg/);
      assert.match(rendered.stdout, /PRO/);
    } finally {
      await rm(app, { recursive: true, force: true });
    }
  });
});
