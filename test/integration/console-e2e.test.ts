/**
 * The console as a person uses it, in headless Debian Chromium driven by playwright-core,
 * against `npm start` (dev/start.js: Azurite, the Graph simulator's demo tenant, the local
 * host playing App Service Authentication, signed demo uploads, seeded demo history):
 *  - sign in as a local Reader on the dev host's sign-in page, walk overview → a reason →
 *    a device → its policy explanation, and check every number against GET /api/summary and
 *    the device JSON;
 *  - every request the browser makes is intercepted: none leaves the app's origin;
 *  - axe-core (from node_modules, evaluated in the page) finds no serious or critical
 *    accessibility violation on any page walked;
 *  - a signed-out request and one without the Reader role are refused (browser: sign-in
 *    redirect or 403 page; API: 401/403 JSON).
 * Screenshots are taken on every run; UPDATE_DOCS_PNG=1 also writes docs/console-*.png, the
 * pictures the README shows.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../dev/azurite.js';
import { SETTING_NAMES } from '../../shared/config.js';
import { formatShare } from '../../shared/posture/shares.js';

// biome-ignore lint/suspicious/noExplicitAny: JSON answers, checked field by field by the assertions
type Json = Record<string, any>;

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const KEY = 'local-dev-key';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

let stack: ChildProcess;
let base: string;
let dir: string;
let output = '';
let browser: BrowserContext;
const requested: string[] = [];
const external: string[] = [];

async function api(path: string): Promise<Json> {
  const res = await fetch(`${base}${path}${path.includes('?') ? '&' : '?'}code=${KEY}`);
  expect(res.status, path).toBe(200);
  return (await res.json()) as Json;
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core evaluated in the page (DevTools evaluation, so the page's CSP still forbids every script of its own). */
async function seriousViolations(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const { violations, engine, rules } = (await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run: (
            ctx: unknown,
            opts: unknown,
          ) => Promise<{ violations: unknown[]; passes: unknown[]; testEngine: { name: string } }>;
        };
      }
    ).axe;
    const doc = (globalThis as unknown as { document: unknown }).document;
    const result = await axe.run(doc, { resultTypes: ['violations'] });
    return {
      violations: result.violations,
      engine: result.testEngine.name,
      rules: result.passes.length + result.violations.length,
    };
  })) as { violations: AxeViolation[]; engine: string; rules: number };
  // axe really ran its rules on this page (a silent no-op would pass every check).
  expect(engine).toBe('axe-core');
  expect(rules).toBeGreaterThan(10);
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`);
}

async function screenshot(page: Page, name: string): Promise<void> {
  const path = join(dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  const png = PNG.sync.read(readFileSync(path));
  expect(png.width).toBeGreaterThan(600);
  if (process.env.UPDATE_DOCS_PNG === '1') copyFileSync(path, join(ROOT, 'docs', `${name}.png`));
}

async function signIn(page: Page, name: string, roles: string[]): Promise<void> {
  await page.fill('#name', name);
  for (const role of ['ResetReady.Reader', 'ResetReady.Admin']) {
    const box = page.locator(`input[name=role][value="${role}"]`);
    if (roles.includes(role)) await box.check();
    else await box.uncheck();
  }
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const text = async (page: Page, selector: string) =>
  ((await page.locator(selector).first().textContent()) ?? '').trim();

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} not found: install Debian's chromium (sudo apt-get install -y chromium; .ci/run does it) or set CHROMIUM_PATH`,
    );
  }
  dir = mkdtempSync(join(tmpdir(), 'resetready-console-e2e-'));
  const port = await freePort();
  base = `http://localhost:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of SETTING_NAMES) delete env[name];
  for (const name of ['FUNCTIONS_KEY', 'DEV_SIGN_IN', 'DEV_USER', 'DEV_ROLES']) delete env[name];
  stack = spawn(process.execPath, [join(ROOT, 'dist/dev/start.js')], {
    cwd: ROOT,
    env: { ...env, PORT: String(port), RESETREADY_LOCAL_DIR: join(dir, 'local') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  stack.stdout!.on('data', (c: Buffer) => {
    output += c.toString('utf8');
  });
  stack.stderr!.on('data', (c: Buffer) => {
    output += c.toString('utf8');
  });
  const deadline = Date.now() + 240_000;
  while (!output.includes('ResetReady is running.')) {
    if (stack.exitCode !== null)
      throw new Error(`npm start exited ${stack.exitCode}:\n${output.slice(-4000)}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up:\n${output.slice(-4000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(output).toContain(`console      ${base}/api/console`);
  browser = await chromium.launchPersistentContext(mkdtempSync(join(dir, 'profile-')), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
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
  // Every request the pages make, of any kind: anything not for this app is recorded and refused.
  await browser.route('**/*', async (route) => {
    const url = route.request().url();
    requested.push(url);
    if (new URL(url).origin !== new URL(base).origin) {
      external.push(url);
      await route.abort();
    } else {
      await route.continue();
    }
  });
}, 300_000);

afterAll(async () => {
  await browser?.close();
  if (stack && stack.exitCode === null) {
    const exited = new Promise((r) => stack.once('exit', r));
    stack.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
    if (stack.exitCode === null) stack.kill('SIGKILL');
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('console walk as a local Reader', () => {
  it('signs in, then walks overview → reason → device → policy explanation with the API’s numbers', async () => {
    const page = await browser.newPage();
    const summary = await api('/api/summary');

    // Signed out: the browser is sent to sign in and comes back to the page it asked for.
    const first = await page.goto(`${base}/api/console`);
    expect(page.url()).toBe(`${base}/.auth/login/aad?post_login_redirect_uri=%2Fapi%2Fconsole`);
    expect(first?.status()).toBe(200);
    await signIn(page, 'reader@contoso.example', ['ResetReady.Reader']);
    await page.waitForURL(`${base}/api/console`);
    const overviewResponse = await page.reload();
    expect(overviewResponse?.headers()['content-security-policy']).toContain("default-src 'none'");
    await expect(text(page, 'header .who strong')).resolves.toBe('reader@contoso.example');

    // Overview: the headline shares, destructive-only count, postures and reasons are the summary's.
    expect(await text(page, '#kpi-resettable-now ~ .value')).toBe(
      formatShare(summary.shares.resettableNowShare),
    );
    expect(await text(page, '#kpi-configured-ready ~ .value')).toBe(
      formatShare(summary.shares.configuredReadyShare),
    );
    expect(Number((await text(page, '#kpi-destructive ~ .value')).replace(/,/g, ''))).toBe(
      summary.byPosture.destructiveOnly,
    );
    const postureRows = await page.locator('section[aria-labelledby="postures-h"] tbody tr').all();
    expect(postureRows.length).toBe(Object.keys(summary.byPosture).length);
    for (const row of postureRows) {
      const posture = (await row.getAttribute('data-posture'))!;
      const cells = await row.locator('td').allTextContents();
      expect(Number(cells[0]!.replace(/,/g, '')), posture).toBe(summary.byPosture[posture]);
    }
    const reasonRows = page.locator('section[aria-labelledby="reasons-h"] tbody tr');
    expect(await reasonRows.count()).toBe(summary.reasons.length);
    expect(summary.reasons.length).toBeGreaterThan(0);
    for (const [i, r] of (summary.reasons as Json[]).entries()) {
      const row = reasonRows.nth(i);
      expect(await row.locator('th a').textContent()).toBe(r.title);
      expect(Number(((await row.locator('td.num').textContent()) ?? '').replace(/,/g, ''))).toBe(r.devices);
    }
    // The trend has the seeded demo history: a line, not the "no history" note.
    expect(await page.locator('svg.trend polyline').count()).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'console-overview');

    // A reason: its guidance and the first server page of its devices, as /api/devices lists them.
    // The walk takes the most frequent reason that a destructive-only device carries.
    let top: Json | undefined;
    let device: Json | undefined;
    for (const r of summary.reasons as Json[]) {
      const hit = (await api(`/api/devices?reason=${r.code}&posture=destructiveOnly&top=1`))
        .devices as Json[];
      if (hit.length > 0) {
        top = r;
        device = hit[0];
        break;
      }
    }
    expect(top, 'a reason carried by a destructive-only device').toBeDefined();
    await page
      .locator(`section[aria-labelledby="reasons-h"] a[href="/api/console/reasons/${top!.code}"]`)
      .click();
    await page.waitForURL(`${base}/api/console/reasons/${top!.code}`);
    expect(await text(page, 'main h1')).toBe(top!.title);
    const listed = await page
      .locator('main table tbody tr th a')
      .evaluateAll((as) =>
        as.map((a) => (a as { getAttribute(n: string): string | null }).getAttribute('href')),
      );
    const page1 = await api(`/api/devices?reason=${top!.code}&top=50`);
    expect(listed).toEqual((page1.devices as Json[]).map((d) => `/api/console/devices/${d.deviceKey}`));
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'console-reason');

    // A destructive-only device carrying that reason: posture, reasons and users as GET /api/devices/{id} has them.
    expect(listed).toContain(`/api/console/devices/${device!.deviceKey}`);
    await page.locator(`main table tbody tr th a[href="/api/console/devices/${device!.deviceKey}"]`).click();
    await page.waitForURL(`${base}/api/console/devices/${device!.deviceKey}`);
    const detail = await api(`/api/devices/${device!.deviceKey}`);
    expect(detail.device.posture).toBe('destructiveOnly');
    expect(await text(page, 'main h1')).toBe(detail.device.deviceName ?? detail.deviceKey);
    const reasonCodes = await page.locator('ol.reasons > li h3 .mono').allTextContents();
    expect(reasonCodes).toEqual([...detail.reasons, ...detail.warnings].map((r: Json) => r.code));
    expect(reasonCodes).toContain(top!.code);
    expect(
      await page.locator('section[aria-labelledby="users-h"] .badge', { hasText: 'DestructiveOnly' }).count(),
    ).toBeGreaterThan(0);
    const userRows = page.locator('section[aria-labelledby="users-h"] tbody tr');
    expect(await userRows.count()).toBe(detail.users.length);

    // The policy explanation: each policy that reaches or excludes the device, with its outcome.
    const policies = (detail.targeting.policies as Json[]).filter((p) => p.outcome !== 'notAssigned');
    const boxes = page.locator('section[aria-labelledby="policies-h"] > .policy');
    expect(await boxes.count()).toBe(policies.length);
    const OUTCOME: Record<string, string> = {
      applies: 'Applies',
      appliesIfFilterMatches: 'Applies only if its filter matches',
      cannotApply: 'Reaches the device but cannot take effect',
      excluded: 'Excluded',
    };
    for (const [i, p] of policies.entries()) {
      const box = boxes.nth(i);
      expect(await box.getAttribute('id')).toBe(`policy-${p.id}`);
      expect(await box.locator('h3').textContent()).toContain(OUTCOME[p.outcome]);
      const lines = await box.locator('ul > li').allTextContents();
      expect(lines.length).toBe(p.assignments.length);
      for (const [j, a] of (p.assignments as Json[]).entries()) {
        if (a.groupName && a.effect !== 'noMatch') expect(lines[j]).toContain(a.groupName);
      }
    }
    // Follow the evidence link of a reason to the policy it names, when it names one.
    const evidenceLink = page.locator('ol.reasons a[href^="#policy-"]').first();
    if ((await evidenceLink.count()) > 0) {
      const target = (await evidenceLink.getAttribute('href'))!;
      await evidenceLink.click();
      expect(new URL(page.url()).hash).toBe(target);
      await expect(page.locator(target).isVisible()).resolves.toBe(true);
    }
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'console-device');

    // Tenant readiness: both apps and their admin-consent links.
    await page.getByRole('link', { name: 'Tenant readiness' }).first().click();
    await page.waitForURL(`${base}/api/console/tenant`);
    expect(await page.locator('a[href*="prompt=admin_consent"]').count()).toBe(2);
    expect(await seriousViolations(page)).toEqual([]);
    await page.close();

    // Nothing the browser asked for left the app (links out are not followed by the walk).
    expect(requested.length).toBeGreaterThan(5);
    expect(external).toEqual([]);
  });
});

describe('refusals', () => {
  it('a signed-out API call gets 401 JSON and a signed-out page a sign-in redirect', async () => {
    const res = await fetch(`${base}/api/console/data/summary`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as Json).error.code).toBe('sign_in_required');
    const page = await fetch(`${base}/api/console/devices`, {
      headers: { accept: 'text/html' },
      redirect: 'manual',
    });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toMatch(/^\/\.auth\/login\/aad\?post_login_redirect_uri=/);
  });

  it('someone signed in without the Reader role gets a 403 page and 403 JSON', async () => {
    await browser.clearCookies();
    const page = await browser.newPage();
    await page.goto(`${base}/api/console`);
    await signIn(page, 'visitor@contoso.example', []);
    await page.waitForURL(`${base}/api/console`);
    const again = await page.reload();
    expect(again?.status()).toBe(403);
    expect(await text(page, 'main h1')).toBe('You do not have access to ResetReady');
    // The page may not fetch anything itself (its CSP has no connect-src): ask with its session.
    const session = (await browser.cookies(base)).find((c) => c.name === 'AppServiceAuthSession');
    expect(session).toBeDefined();
    const res = await fetch(`${base}/api/console/data/summary`, {
      headers: { accept: 'application/json', cookie: `${session!.name}=${session!.value}` },
    });
    const json = { status: res.status, body: (await res.json()) as Json };
    expect(json.status).toBe(403);
    expect(json.body.error.code).toBe('role_required');
    await page.close();
  });
});
