// `vigie notify test CHANNEL --config FILE`: sends a test message through one configured channel,
// now, and prints what the receiver answered (as Uptime Kuma's Test button does).
import { formatConfigError, loadConfigFile } from '../config/load.js';
import { formatProblem } from '../notify/registry.js';
import { sendTestMessage } from '../notify/worker.js';
import { missingConfigHint } from './init.js';

export async function notifyTestCommand(channel: string, o: { config: string; to?: string }, out = process.stdout, err = process.stderr): Promise<number> {
  const hint = await missingConfigHint(o.config);
  if (hint) {
    err.write(`vigie: ${hint}\n`);
    return 1;
  }
  const loaded = await loadConfigFile(o.config);
  if (!loaded.ok) {
    err.write(loaded.errors.map(formatConfigError).join('\n') + '\n');
    return 1;
  }
  const c = loaded.config;
  const baseUrl = c.site.base_url ?? `http://${c.site.host}:${c.site.port}`;
  const r = await sendTestMessage(c.notify, channel, { title: c.site.title, baseUrl }, o.to ? { to: o.to } : {});
  if (!r.result) {
    err.write(r.problems.map(formatProblem).join('\n') + '\n');
    return 1;
  }
  const res = r.result;
  const answer = `${res.status !== undefined ? (r.type === 'email' ? `SMTP ${res.status}` : `HTTP ${res.status}`) : 'no answer'}`;
  const line = `${channel} (${r.type}): ${res.ok ? 'delivered' : 'failed'}: ${answer}${!res.ok && res.error ? ` (${res.error})` : ''}\n`;
  (res.ok ? out : err).write(line);
  if (res.response) out.write(`receiver answered: ${res.response.trim().slice(0, 1000)}\n`);
  return res.ok ? 0 : 1;
}
