/**
 * The demo weekly report as a reader sees it: `resetready report --demo` (built CLI) writes the
 * HTML, Debian's chromium renders it headless, and the test checks what is on screen: every
 * image decoded, each chart (as rendered and as written) shows data rather than a blank
 * picture, the headline is there, nothing reached the network. UPDATE_DOCS_PNG=1 refreshes
 * docs/weekly-report.png from the screenshot.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoWeekly } from '../../dev/demo-weekly.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'resetready.js');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Share of pixels that differ from the most common colour, and how many colours there are. */
function pixelStats(png: PNG): { distinct: number; nonBackground: number } {
  const counts = new Map<number, number>();
  for (let i = 0; i < png.data.length; i += 4) {
    const key = (png.data[i]! << 16) | (png.data[i + 1]! << 8) | png.data[i + 2]!;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const total = png.width * png.height;
  const background = Math.max(...counts.values());
  return { distinct: counts.size, nonBackground: (total - background) / total };
}

function expectChartLike(png: PNG, what: string): void {
  const s = pixelStats(png);
  expect(s.distinct, `${what}: distinct colours`).toBeGreaterThan(8);
  expect(s.nonBackground, `${what}: share of non-background pixels`).toBeGreaterThan(0.08);
}

describe('weekly report rendered in headless chromium', () => {
  let dir: string;
  let browser: BrowserContext;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} not found: install Debian's chromium (sudo apt-get install -y chromium; .ci/run does it) or set CHROMIUM_PATH`,
      );
    }
    dir = mkdtempSync(join(tmpdir(), 'resetready-weekly-'));
    // A new empty profile per run (playwright passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(mkdtempSync(join(dir, 'profile-')), {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 700, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('shows the headline, decodes every chart image and the charts are not blank', async () => {
    const out = join(dir, 'out');
    const cli = spawnSync(process.execPath, [CLI, 'report', '--demo', '--out', out], { encoding: 'utf8' });
    expect(cli.stderr).toBe('');
    expect(cli.status).toBe(0);
    const htmlPath = join(out, 'report.html');
    expect(cli.stdout.split('\n')).toEqual(
      expect.arrayContaining([htmlPath, join(out, 'charts', 'trend.png')]),
    );

    const page = await browser.newPage();
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) external.push(r.url());
    });
    await page.goto(pathToFileURL(htmlPath).href, { waitUntil: 'load' });

    const images = await page.$$eval('img', (imgs) =>
      imgs.map((i) => ({
        complete: i.complete,
        naturalWidth: i.naturalWidth,
        naturalHeight: i.naturalHeight,
        alt: i.alt,
      })),
    );
    expect(images).toHaveLength(2);
    for (const img of images) {
      expect(img.complete).toBe(true);
      expect(img.naturalWidth, img.alt).toBeGreaterThan(0);
      expect(img.naturalHeight, img.alt).toBeGreaterThan(0);
    }

    // Each chart as the browser painted it.
    const handles = await page.$$('img');
    for (const [i, h] of handles.entries()) {
      expectChartLike(PNG.sync.read(await h.screenshot()), `rendered image ${i}`);
    }
    // And each chart file the command wrote.
    for (const id of ['trend', 'postures']) {
      expectChartLike(PNG.sync.read(readFileSync(join(out, 'charts', `${id}.png`))), `${id}.png`);
    }

    const expected = demoWeekly().input;
    const share = expected.summary.nonDestructiveShare!;
    const headline = await page.textContent('#headline');
    expect(headline?.trim()).toBe(`${(Math.round(share * 1000) / 10).toFixed(1)} %`);
    const body = (await page.textContent('body')) ?? '';
    expect(body).toContain('points since last week');
    expect(body).toContain('Longest in destructive-only');
    // The page is no wider than a mail column.
    const width = (await page.locator('table table').first().boundingBox())?.width;
    expect(width).toBeLessThanOrEqual(640);

    const shot = join(dir, 'screenshot.png');
    await page.screenshot({ path: shot, fullPage: true });
    const decoded = PNG.sync.read(readFileSync(shot));
    expect(decoded.width).toBe(700);
    expect(external).toEqual([]);
    if (process.env.UPDATE_DOCS_PNG === '1') copyFileSync(shot, join(ROOT, 'docs', 'weekly-report.png'));
    await page.close();
  });
});
