/**
 * A Functions app for the streaming test: the real /api/devices handler, HTTP streaming turned
 * on as the composition root does, over a row source that holds back its last row until the
 * test opens a gate (globalThis[STREAM_GATE]). If anything between the handler and the client
 * buffered the whole body, the client would never see a byte and the gate would never open.
 */
import { app } from '@azure/functions';
import { handleDevices } from '../../functions/devices.js';

export const STREAM_GATE = Symbol.for('resetready.test.streamGate');
export const STREAM_ROWS = 3000;

interface Gate {
  opened: Promise<void>;
  open(): void;
  rowsRead: number;
}

function gate(): Gate {
  const g = globalThis as typeof globalThis & { [STREAM_GATE]?: Gate };
  if (!g[STREAM_GATE]) {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    g[STREAM_GATE] = { opened, open, rowsRead: 0 };
  }
  return g[STREAM_GATE];
}

function row(i: number): Record<string, unknown> {
  const id = `${i.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
  return {
    rowKey: id,
    DeviceId: id,
    DeviceName: `STREAM-PC-${String(i).padStart(5, '0')}`,
    UserPrincipalName: `user${i}@contoso.example`,
    Posture: 'destructiveOnly',
    ReasonCodes: 'POLICY_NOT_TARGETED',
    PrimaryReason: 'POLICY_NOT_TARGETED',
    ComplianceState: 'compliant',
    JoinType: 'azureADJoined',
    OsVersion: '10.0.22631.4460',
    OsBuild: 22631,
    LeftIntune: false,
    UserCount: 1,
  };
}

async function* rows(): AsyncIterable<Record<string, unknown>> {
  const g = gate();
  for (let i = 0; i < STREAM_ROWS; i++) {
    if (i === STREAM_ROWS - 1) await g.opened;
    g.rowsRead = i + 1;
    yield row(i);
  }
}

app.setup({ enableHttpStream: true });

app.http('devices', {
  route: 'devices',
  methods: ['GET'],
  authLevel: 'function',
  handler: (request, context) =>
    handleDevices(request, context, {
      posture: {
        deviceRows: () => rows(),
        devicePage: async () => ({ rows: [] }),
        readSummary: async () => null,
      },
    }),
});
