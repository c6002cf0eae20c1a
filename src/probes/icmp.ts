// ICMP probe: one echo request through the system `ping` command (iputils or busybox), not a raw
// socket: Node has no ICMP sockets, and a raw socket would need CAP_NET_RAW for all of Vigie.
// `ping` gets that privilege on its own (setuid, file capabilities, or the kernel's
// net.ipv4.ping_group_range for unprivileged ICMP sockets).
//
// What can go wrong is a classified failure, never a crash:
//   no reply in time                  -> 'timeout'
//   unknown host                      -> 'dns'
//   network/host unreachable          -> 'connect'
//   `ping` not installed              -> 'protocol' ("ping is not installed ...")
//   `ping` lacks the ICMP privilege   -> 'protocol' ("ping is not permitted to send ICMP ...")
// The child is killed when the run ends (timeout or abort), so none outlives its check.
import { spawn } from 'node:child_process';
import type { IcmpTarget } from '../config/schema.js';
import { type Run, errorCode, fail, runProbe } from './run.js';
import type { Probe } from './types.js';

const SAFE_HOST = /^[A-Za-z0-9][A-Za-z0-9.:-]*$/;

/** The probe, running `command` (ping by default; tests pass a missing one). */
export function makeIcmpProbe(command = 'ping'): Probe<IcmpTarget> {
  return (target, ctx) => runProbe(ctx, (run) => check(run, target, command));
}

export const icmpProbe = makeIcmpProbe();

async function check(run: Run, t: IcmpTarget, command: string) {
  // Never let a target be read as an option of ping.
  if (!SAFE_HOST.test(t.host)) return fail('dns', `"${t.host}" is not a host name or an IP address`);
  const waitSeconds = Math.max(1, Math.ceil(run.timeoutMs / 1000));
  run.where = `waiting for an echo reply from ${t.host}`;
  const out = await new Promise<{ code: number | null; text: string; spawnError?: string }>((resolve) => {
    const child = spawn(command, ['-c', '1', '-W', String(waitSeconds), t.host], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let text = '';
    const take = (b: Buffer) => {
      if (text.length < 8192) text += b.toString('utf8');
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', (err) => resolve({ code: null, text, spawnError: errorCode(err) ?? err.message }));
    child.on('close', (code) => resolve({ code, text }));
    run.defer(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
  });
  if (out.spawnError === 'ENOENT') return fail('protocol', `ping is not installed (no "${command}" command on PATH); ICMP checks need it`);
  if (out.spawnError) return fail('protocol', `cannot run ${command}: ${out.spawnError}`);
  const text = out.text;
  const rtt = /time[=<]\s*([\d.]+)\s*ms/.exec(text);
  if (out.code === 0 && rtt) {
    run.details.rttMs = Number(rtt[1]);
    return undefined;
  }
  if (/operation not permitted|permission denied|socket: .*not permitted|cap_net_raw/i.test(text))
    return fail('protocol', `ping is not permitted to send ICMP here (it needs CAP_NET_RAW, setuid, or net.ipv4.ping_group_range): ${firstLine(text)}`);
  if (/unknown host|name or service not known|bad address|temporary failure in name resolution|cannot resolve/i.test(text))
    return fail('dns', `cannot resolve ${t.host}: ${firstLine(text)}`);
  if (/unreachable/i.test(text)) return fail('connect', `${t.host} is unreachable: ${firstLine(text, /unreachable/i)}`);
  if (out.code === 1 || /100% packet loss|0 received/i.test(text)) return fail('timeout', `no echo reply from ${t.host} within ${waitSeconds} s`);
  return fail('protocol', `ping exited with ${out.code}: ${firstLine(text)}`);
}

function firstLine(text: string, match?: RegExp): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return (match ? lines.find((l) => match.test(l)) : undefined) ?? lines[0] ?? 'no output';
}
