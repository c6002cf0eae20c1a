// TCP probe: connect (timed), optionally send a line, optionally wait for text the peer must send
// back (a banner such as "SSH-2.0", or the answer to `send`). A port that accepts and never
// speaks fails as 'timeout' while waiting for the expected text; one that closes first fails as
// 'assertion' naming what it sent. What was read is capped at 64 KiB.
import type { TcpTarget } from '../config/schema.js';
import { firstFailure } from './conditions.js';
import { connectTo } from './connect.js';
import { readUntil } from './read.js';
import { type Run, fail, runProbe } from './run.js';
import type { Probe, ProbeContext } from './types.js';

export const tcpProbe: Probe<TcpTarget> = (target, ctx) => runProbe(ctx, (run) => check(run, target, ctx));

async function check(run: Run, t: TcpTarget, ctx: ProbeContext) {
  const socket = await connectTo(run, { host: t.host, port: t.port, lookup: ctx.lookup });
  if (t.send !== undefined) socket.write(t.send);
  let received = '';
  if (t.expect !== undefined) {
    run.where = `waiting for ${JSON.stringify(t.expect)} from ${t.host}:${t.port}`;
    const r = await readUntil(run, socket, (buf) => buf.toString('utf8').includes(t.expect!));
    received = r.data.toString('utf8');
    if (!r.matched) fail('assertion', `expected ${JSON.stringify(t.expect)}, but the peer ${r.reason}${received ? ` after sending ${JSON.stringify(clip(received))}` : ' without sending anything'}`);
  }
  const failed = firstFailure(t.conditions, { connected: true, responseTimeMs: run.elapsed(), body: received, ...(run.details.ip ? { ip: run.details.ip } : {}) });
  return failed ? fail('assertion', failed) : undefined;
}

function clip(s: string): string {
  return s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
