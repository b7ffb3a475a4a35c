/**
 * The thin alerts adapter with a real InvocationContext: the after-collection hook skips a
 * skipped run, evaluates after a failed one (collection failing is itself an alert), posts
 * the digest to the webhook, and logs counts only (no device names, no webhook URL);
 * GET /api/alerts lists open alerts without storage internals.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRequest, InvocationContext } from '@azure/functions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateAfterCollection, handleOpenAlerts } from '../../functions/alerts.js';
import { AlertStore } from '../../shared/alerts/lifecycle.js';
import type { DevicePosture } from '../../shared/posture/types.js';
import { postureEntity } from '../../shared/posture-store/entities.js';
import { PostureStore } from '../../shared/posture-store/store.js';
import { createTableProvider } from '../../shared/storage/tables.js';
import { testConfig } from '../support/env.js';

const NOW = new Date('2026-11-24T07:00:00Z');
const DEVICE = 'e5000000-0000-4000-8000-000000000005';
const posts: string[] = [];
let server: Server;
let hook = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      posts.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/workflows/run?sig=SECRETSIG`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

const logs: string[] = [];
function context(): InvocationContext {
  return new InvocationContext({
    functionName: 'alerts',
    logHandler: (level, ...args) => logs.push(`${level} ${args.map((a) => JSON.stringify(a)).join(' ')}`),
  });
}

describe('alerts adapter', () => {
  const base = testConfig();
  // The receiver's port is known only once beforeAll ran.
  const deps = () => ({ config: { ...base, report: { ...base.report, teamsWebhookUrl: hook } }, tables });
  const tables = createTableProvider(base.storage);

  it('evaluates after a failed run, not after a skipped one, and logs counts only', async () => {
    const record = {
      deviceId: DEVICE,
      deviceName: 'FINANCE-LAPTOP-7',
      posture: 'destructiveOnly',
      destructiveOnlySince: new Date(NOW.getTime() - 9 * 86_400_000).toISOString(),
      targetingResult: 'enabled',
      targetingPolicyIds: 'pol-1',
      removed: false,
      reasons: [],
      users: [],
      warnings: [],
    } as unknown as DevicePosture;
    const table = await new PostureStore(tables).table('posture');
    await table.upsertEntity(postureEntity(DEVICE, record, null), 'Replace');

    const skipped = await evaluateAfterCollection(deps(), { status: 'skipped', runId: 'r0' }, context(), NOW);
    expect(skipped).toEqual({ evaluated: false, reason: 'run_skipped' });
    expect(await new AlertStore(tables).all()).toEqual([]);

    const out = await evaluateAfterCollection(deps(), { status: 'failed', runId: 'r1' }, context(), NOW);
    expect(out.evaluated).toBe(true);
    if (!out.evaluated) return;
    // No run and no summary stored yet: collection failing and silent agents, besides the device.
    expect(out.result.transitions.opened.map((a) => a.type).sort()).toEqual([
      'COLLECTION_FAILING',
      'DEVICE_DESTRUCTIVE_ONLY',
      'NO_REPORTS',
    ]);
    expect(out.result.delivery).toMatchObject([{ channel: 'teams', ok: true }]);
    expect(out.result.digestSent).toBe(true);
    expect(posts).toHaveLength(1);
    expect(posts[0]).toContain('FINANCE-LAPTOP-7');

    const all = logs.join('\n');
    expect(all).toContain('alerts_evaluated');
    expect(all).toContain('"name":"OpenDeviceAlerts","value":1');
    expect(all).not.toContain('FINANCE-LAPTOP-7');
    expect(all).not.toContain('SECRETSIG');
  });

  it('GET /api/alerts lists the open alerts, without keys or etags', async () => {
    const res = await handleOpenAlerts(
      new HttpRequest({ method: 'GET', url: 'http://localhost/api/alerts' }),
      context(),
      { tables },
    );
    expect(res.status).toBe(200);
    const body = res.jsonBody as { count: number; alerts: Record<string, unknown>[] };
    expect(body.count).toBe(3);
    const device = body.alerts.find((a) => a.type === 'DEVICE_DESTRUCTIVE_ONLY');
    expect(device).toMatchObject({
      deviceId: DEVICE,
      deviceName: 'FINANCE-LAPTOP-7',
      status: 'open',
      days: 9,
    });
    expect(device).not.toHaveProperty('etag');
    expect(device).not.toHaveProperty('partitionKey');
  });
});
