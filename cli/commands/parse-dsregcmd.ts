/**
 * `resetready parse-dsregcmd <file|->`: lets an admin check what the service will read from one capture.
 * Input is read as bytes so a PowerShell 5.1 `>` redirect (UTF-16LE) parses as-is.
 * Exit 0 parsed, 1 the input is not dsregcmd output, 2 usage or unreadable input.
 */
import { readFile } from 'node:fs/promises';
import { parseDsregcmd } from '../../shared/dsregcmd/parse.js';
import { hasDsregcmdStructure } from '../../shared/dsregcmd/structure.js';

export interface CommandIo {
  stdin: AsyncIterable<Uint8Array | string>;
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

export const USAGE = 'usage: resetready parse-dsregcmd <file|->   (- reads standard input)\n';

export async function run(args: string[], io: CommandIo = process): Promise<number> {
  if (args.length === 1 && (args[0] === '--help' || args[0] === '-h')) {
    io.stdout.write(USAGE);
    return 0;
  }
  if (args.length !== 1 || args[0] === '') {
    io.stderr.write(`parse-dsregcmd: expected exactly one file path or -\n${USAGE}`);
    return 2;
  }
  const source = args[0]!;
  let bytes: Uint8Array;
  try {
    bytes = source === '-' ? await readAll(io.stdin) : await readFile(source);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
    io.stderr.write(
      `parse-dsregcmd: cannot read ${source === '-' ? 'standard input' : `"${source}"`}: ${reason}\n`,
    );
    return 2;
  }
  const status = parseDsregcmd(bytes);
  if (!hasDsregcmdStructure(status)) {
    // Exit 1, no JSON: printing joinType notJoined for a PNG would read as a real answer.
    const what = source === '-' ? 'standard input' : `"${source}"`;
    io.stderr.write(
      `parse-dsregcmd: ${what} is not dsregcmd /status output: none of its lines is a dsregcmd field ` +
        '(such as "AzureAdJoined : YES" or "CanReset : DestructiveOnly"). Capture it with ' +
        '"dsregcmd /status > status.txt" in the user\'s own session.\n',
    );
    return 1;
  }
  const out = {
    joinType: status.joinType,
    deviceId: status.deviceId,
    tenantId: status.tenantId,
    tenantName: status.tenantName,
    deviceName: status.deviceName,
    ngcSet: status.ngcSet,
    ngcKeyId: status.ngcKeyId,
    canReset: status.canReset,
    canResetRaw: status.canResetRaw,
    userContext: status.userContext,
    sections: status.sections,
    fields: status.fields,
    warnings: status.warnings,
  };
  io.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  return 0;
}

async function readAll(stream: AsyncIterable<Uint8Array | string>): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.from(chunk));
  return Buffer.concat(chunks);
}
