// `lynq dashboard` and the `lynq inspect --format html` file in a real headless Chromium (Debian's chromium, driven by playwright-core): the tree, a node's highlighted state, a row toggled in SQL seen live without a reload, hostile names shown as text (SPEC O3, O3b).
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '../harness/cache-paths.js';
import { runLynq, startDashboard } from '../harness/lynq-cli.js';
import { testEnv } from '../harness/test-env.js';
import { openInspectWorld, type InspectWorld } from './inspect-world.js';

/** Debian's chromium, installed by scripts/setup.sh; no browser download. */
const chromiumPath = '/usr/bin/chromium';
const outputDir = join(repoRoot(), 'test-output');
/** A row uid that would run script if the page put it into markup. */
const hostile = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

describe(
  'the dashboard and the html export in Chromium',
  {
    skip: !existsSync(chromiumPath) && `${chromiumPath} is missing (scripts/setup.sh installs it)`,
  },
  () => {
    let world: InspectWorld;
    let browser: Browser;
    let dashboard: { readonly url: string; stop(): void };
    const row = (page: Page, uid: string) =>
      page.locator(`[data-testid="node-row"][data-key="${world.ns}/${world.nodeOf(uid)}"]`);

    before(async () => {
      await mkdir(outputDir, { recursive: true });
      world = await openInspectWorld('dashboard');
      await world.db.connection.query('INSERT INTO nodes VALUES (?, 1), (?, 1)', ['ok', hostile]);
      await world.nodeWhen('ok', 'Ready', (n) => n.status?.phase === 'Ready');
      const started = await startDashboard([
        '--kubeconfig',
        (await testEnv()).kubeconfigs.admin,
        '--namespace',
        world.ns,
      ]);
      assert.ok('url' in started, `the dashboard did not start: ${JSON.stringify(started)}`);
      dashboard = started;
      browser = await chromium.launch({ executablePath: chromiumPath, args: ['--no-sandbox'] });
    });
    after(async () => {
      await browser.close();
      dashboard.stop();
      await world.close();
    });

    it("O3b lynq dashboard shows the tree and a node's highlighted state, and a row toggled in SQL leaves and comes back without a reload", async () => {
      const page = await browser.newPage({ viewport: { width: 1600, height: 1000 } });
      await page.goto(dashboard.url);
      await page.evaluate('window.loadMarker = "first load"');
      await page.locator('[data-testid="hub-row"]').first().waitFor();
      await page.locator('[data-testid="form-row"]').first().waitFor();
      await row(page, 'ok').locator('.line').click();
      const state = page.locator('[data-testid="current-state"]');
      await state.waitFor();
      assert.equal(await state.textContent(), 'ready');
      await page.locator('[data-testid="diagram"][data-rendered="true"]').waitFor();
      // mermaid puts the classDef class on the state's node: the highlight is in the SVG.
      assert.match(
        (await page.locator('[data-testid="diagram"] svg g.current').first().textContent()) ?? '',
        /ready/,
      );
      await page.screenshot({ path: join(outputDir, 'dashboard.png'), fullPage: true });

      await world.db.connection.query('UPDATE nodes SET active = 0 WHERE id = ?', ['ok']);
      await row(page, 'ok').waitFor({ state: 'detached', timeout: 90_000 });
      await world.db.connection.query('UPDATE nodes SET active = 1 WHERE id = ?', ['ok']);
      await row(page, 'ok')
        .locator('[data-testid="phase"]', { hasText: 'Ready' })
        .waitFor({ timeout: 90_000 });
      assert.equal(
        await page.evaluate('window.loadMarker'),
        'first load',
        'the page was not reloaded',
      );
      await page.close();
    });

    it('O3b lynq dashboard shows a hostile row uid and the error it causes as text, never as markup', async () => {
      const page = await browser.newPage();
      await page.goto(dashboard.url);
      const hostileRow = row(page, hostile);
      await hostileRow.locator('[data-testid="resource"]').first().waitFor({ timeout: 90_000 });
      assert.equal(await hostileRow.locator('[data-testid="uid"]').textContent(), `uid ${hostile}`);
      await hostileRow.locator('.line').click();
      await page.locator('[data-testid="current-state"]').waitFor();
      assert.equal(
        await page.locator('#tree img, #detail img, #tree script, #detail script').count(),
        0,
      );
      assert.equal(await page.evaluate('window.__pwned'), undefined);
      await page.close();
    });

    it('O3 the lynq inspect --format html file opens from disk in Chromium with no request: diagram, highlighted state, history, resources', async () => {
      const file = join(outputDir, 'inspect-node.html');
      const run = await runLynq([
        'inspect',
        'node',
        `${world.ns}/${world.nodeOf('ok')}`,
        '--kubeconfig',
        (await testEnv()).kubeconfigs.admin,
        '--format',
        'html',
        '--output',
        file,
      ]);
      assert.equal(run.code, 0, run.stderr);
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      const requests: string[] = [];
      page.on('request', (req) => {
        if (!req.url().startsWith('file:')) requests.push(req.url());
      });
      await page.goto(`file://${file}`);
      await page.locator('[data-testid="diagram"][data-rendered="true"]').waitFor();
      assert.equal(await page.locator('[data-testid="current-state"]').textContent(), 'ready');
      assert.match(
        (await page.locator('[data-testid="diagram"] svg g.current').first().textContent()) ?? '',
        /ready/,
      );
      assert.ok((await page.locator('[data-testid="history"] li').count()) >= 2);
      assert.match(
        (await page.locator('[data-testid="resources"]').textContent()) ?? '',
        /settings\s*Ready/,
      );
      await page.screenshot({ path: join(outputDir, 'inspect-html.png'), fullPage: true });
      assert.deepEqual(requests, []);
      await page.close();
    });
  },
);
