/**
 * The device CSV is streamed: through the local host, with HTTP streaming on as the composition
 * root turns it on, the client receives the header and the first rows while the last row has
 * not been read from the store yet (test/support/stream-test-app.ts holds it back until the
 * client has seen bytes). A buffering host would deadlock here and the test would time out.
 */
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalHost, startLocalHost } from '../../dev/host.js';

const KEY = 'stream-test-key-0123456789';
// As in the app (not imported: loading it here, before the host's recording core, would
// register its functions in test mode).
const STREAM_GATE = Symbol.for('resetready.test.streamGate');
const STREAM_ROWS = 3000;
const ENTRY = fileURLToPath(new URL('../support/stream-test-app.ts', import.meta.url));

let host: LocalHost;

beforeAll(async () => {
  host = await startLocalHost({ port: 0, entryPoint: ENTRY, key: KEY, log: () => {} });
});

afterAll(async () => {
  await host?.stop();
});

function gate() {
  return (globalThis as unknown as Record<symbol, { open(): void; rowsRead: number }>)[STREAM_GATE]!;
}

describe('GET /api/devices?format=csv through the host', () => {
  it('delivers the first rows before the last row is read', async () => {
    // A buffering host sends nothing (not even the status) until the body is complete.
    const deadline = Date.now() + 15_000;
    const inTime = <T>(p: Promise<T>): Promise<T> =>
      Promise.race([
        p,
        new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error('no bytes before the last row was read: the body was buffered')),
            Math.max(1, deadline - Date.now()),
          ),
        ),
      ]);
    const chunks: Uint8Array[] = [];
    try {
      const res = await inTime(
        fetch(`${host.url}/api/devices?format=csv`, { headers: { 'x-functions-key': KEY } }),
      );
      expect(res.status).toBe(200);
      expect(res.headers.get('transfer-encoding')).toBe('chunked');
      const reader = res.body!.getReader();
      let received = 0;
      // More than one 64 KiB write of rows: rows have arrived, not only the header.
      while (received < 70_000) {
        const next = await inTime(reader.read());
        if (next.done) throw new Error('the body ended before the last row was released');
        chunks.push(next.value);
        received += next.value.byteLength;
      }
      const early = Buffer.concat(chunks).toString('utf8');
      expect(early.startsWith('\uFEFFDeviceName,DeviceKey,')).toBe(true);
      expect(early).toContain('STREAM-PC-00000,');
      expect(gate().rowsRead).toBe(STREAM_ROWS - 1);

      gate().open();
      for (;;) {
        const next = await reader.read();
        if (next.done) break;
        chunks.push(next.value);
      }
    } finally {
      gate().open();
    }
    const lines = Buffer.concat(chunks).toString('utf8').split('\r\n').slice(0, -1);
    expect(lines).toHaveLength(STREAM_ROWS + 1);
    expect(lines.at(-1)).toMatch(new RegExp(`^STREAM-PC-${String(STREAM_ROWS - 1).padStart(5, '0')},`));
  });
});
