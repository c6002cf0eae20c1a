// Each channel against a real local receiver that checks the request's shape: path, headers and the
// platform's JSON fields. Base URLs point at 127.0.0.1; no real host is ever contacted.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createHttpClient } from '../src/notify/http.js';
import { buildMessage } from '../src/notify/messages.js';
import { CHANNELS, prepareChannels } from '../src/notify/registry.js';
import { verifyBody } from '../src/notify/signing.js';
import type { Message, MessageAction, SendContext } from '../src/notify/types.js';
import type { NotifyEvent } from '../src/store/outbox.js';
import { mailPart, startRecorder, startSmtp, type Recorder } from './helpers/receivers.js';

const AT = Date.UTC(2024, 11, 11, 23, 7);
const page = { id: 'pg1', title: 'Acme status', url: 'http://127.0.0.1:9/status', indicator: 'major', description: 'Partial System Outage' };
const event: NotifyEvent = {
  id: 7,
  kind: 'component_status',
  subject: 'component:acme/api',
  componentIds: ['acme/api'],
  at: AT,
  createdAt: AT,
  payload: { componentId: 'acme/api', componentName: 'API', serviceId: 'acme', serviceName: 'Acme', from: 'operational', to: 'major_outage', at: AT, reason: '2 of 2 regions failing' },
};
const incident: NotifyEvent = {
  id: 8,
  kind: 'incident',
  subject: 'incident:inc123',
  componentIds: ['acme/api'],
  at: AT,
  createdAt: AT,
  payload: {
    incidentId: 'inc123',
    kind: 'incident',
    name: 'API errors',
    status: 'identified',
    impact: 'major',
    createdAt: AT - 60_000,
    updatedAt: AT,
    resolvedAt: null,
    scheduledFor: null,
    scheduledUntil: null,
    update: { id: 'u2', status: 'identified', body: 'A bad deploy; rolling back.', at: AT },
    updates: [
      { id: 'u2', status: 'identified', body: 'A bad deploy; rolling back.', at: AT },
      { id: 'u1', status: 'investigating', body: 'Looking into it.', at: AT - 60_000 },
    ],
    components: [{ id: 'acme/api', name: 'API', serviceId: 'acme', serviceName: 'Acme', status: 'major_outage' }],
  },
};

const msg = (action: MessageAction = 'trigger', ev: NotifyEvent = event, locale: 'en' | 'fr' = 'en'): Message => buildMessage({ event: ev, action, locale, page, now: AT });
const http = createHttpClient();
const ctx = (key = 'vigie-abc'): SendContext => ({ idempotencyKey: key, deliveryId: 1, attempt: 1, timeoutMs: 5000, secret: 'notify-secret-0123456789', http, now: Date.now() });

function channel(type: string, cfg: Record<string, unknown>) {
  const { channels, problems } = prepareChannels({ x: { type, ...cfg } });
  assert.deepEqual(problems, []);
  return channels.get('x')!;
}

describe('notify channels against local receivers', () => {
  let rec: Recorder;
  before(async () => {
    rec = await startRecorder();
  });
  after(async () => {
    await rec.close();
    await http.close();
  });
  const last = () => rec.requests[rec.requests.length - 1]!;

  it('http: 4xx refusals are permanent except 408, 425 and 429; 5xx and network errors are not', async () => {
    const verdict: Record<number, boolean | undefined> = {};
    for (const status of [400, 401, 404, 408, 410, 425, 429, 500, 503]) {
      rec.respond = () => ({ status, body: 'x' });
      const r = await http.post(`${rec.origin}/s`, '{}', {}, 2000);
      assert.equal(r.ok, false);
      verdict[status] = r.permanent;
    }
    rec.respond = () => undefined;
    assert.deepEqual(verdict, { 400: true, 401: true, 404: true, 408: undefined, 410: true, 425: undefined, 429: undefined, 500: undefined, 503: undefined });
    assert.equal((await http.post('http://127.0.0.1:9/', '{}', {}, 2000)).permanent, undefined, 'connection refused is retried');
  });

  it('webhook: JSON body, idempotency key, HMAC-SHA256 signature over timestamp.body that verifies', async () => {
    const ch = channel('webhook', { url: `${rec.origin}/hook`, secret: 'whsec-0123456789abcdef' });
    const r = await ch.def.send(ch.cfg, msg(), ctx('vigie-k1'));
    assert.equal(r.ok, true);
    const req = last();
    assert.equal(req.method, 'POST');
    assert.equal(req.url, '/hook');
    assert.match(String(req.headers['content-type']), /application\/json/);
    assert.equal(req.headers['idempotency-key'], 'vigie-k1');
    assert.equal(req.json.type, 'component_status');
    assert.equal(req.json.action, 'trigger');
    assert.equal(req.json.status, 'major_outage');
    assert.equal(req.json.event.componentId, 'acme/api');
    const sig = String(req.headers['x-vigie-signature']);
    assert.match(sig, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.equal(req.headers['x-vigie-timestamp'], /t=(\d+)/.exec(sig)![1]);
    assert.equal(verifyBody('whsec-0123456789abcdef', req.body, sig, Date.now()), true);
    assert.equal(verifyBody('whsec-0123456789abcdef', req.body + ' ', sig, Date.now()), false, 'a changed body fails');
    assert.equal(verifyBody('whsec-0123456789abcdef', req.body, sig, Date.now() + 10 * 60_000), false, 'a replay ten minutes later fails');
  });

  it('webhook, statuspage format: component_update and incident shapes as Statuspage sends them', async () => {
    const ch = channel('webhook', { url: `${rec.origin}/sp`, format: 'statuspage' });
    await ch.def.send(ch.cfg, msg(), ctx());
    const c = last().json;
    assert.deepEqual(Object.keys(c).sort(), ['component', 'component_update', 'meta', 'page']);
    assert.equal(c.page.status_indicator, 'major');
    assert.equal(c.component_update.old_status, 'operational');
    assert.equal(c.component_update.new_status, 'major_outage');
    assert.equal(c.component_update.component_id, c.component.id);
    assert.equal(c.component.status, 'major_outage');
    assert.equal(c.component.name, 'API');
    await ch.def.send(ch.cfg, msg('update', incident), ctx());
    const i = last().json;
    assert.deepEqual(Object.keys(i).sort(), ['incident', 'meta', 'page']);
    assert.equal(i.incident.id, 'inc123');
    assert.equal(i.incident.status, 'identified');
    assert.equal(i.incident.impact, 'major');
    assert.equal(i.incident.incident_updates.length, 2);
    assert.equal(i.incident.incident_updates[0].body, 'A bad deploy; rolling back.');
    assert.match(i.incident.shortlink, /\/incidents\/inc123$/);
  });

  it('slack: text fallback and Block Kit blocks', async () => {
    const ch = channel('slack', { url: `${rec.origin}/services/T0/B0/x` });
    await ch.def.send(ch.cfg, msg(), ctx());
    const b = last().json;
    assert.equal(last().url, '/services/T0/B0/x');
    assert.equal(b.text, 'Acme API: Major Outage');
    assert.equal(b.blocks[0].type, 'header');
    assert.equal(b.blocks[1].text.type, 'mrkdwn');
    assert.ok(b.blocks.some((x: any) => x.type === 'section' && Array.isArray(x.fields)));
    assert.match(b.blocks.at(-1).elements[0].text, /^<http:\/\/127\.0\.0\.1:9\/status\/\|Status page>$/);
  });

  it('discord: one embed with integer colour and fields, mentions disabled, wait=true', async () => {
    const ch = channel('discord', { url: `${rec.origin}/api/webhooks/1/abc` });
    await ch.def.send(ch.cfg, msg(), ctx());
    assert.equal(last().url, '/api/webhooks/1/abc?wait=true');
    const b = last().json;
    assert.deepEqual(b.allowed_mentions, { parse: [] });
    assert.equal(b.embeds.length, 1);
    assert.equal(typeof b.embeds[0].color, 'number');
    assert.equal(b.embeds[0].title, 'Acme API: Major Outage');
    assert.equal(b.embeds[0].timestamp, new Date(AT).toISOString());
    assert.ok(b.embeds[0].fields.length >= 2);
  });

  it('teams (workflows): a message with one Adaptive Card attachment', async () => {
    const ch = channel('teams', { url: `${rec.origin}/workflows/x` });
    await ch.def.send(ch.cfg, msg(), ctx());
    const b = last().json;
    assert.equal(b.type, 'message');
    assert.equal(b.attachments[0].contentType, 'application/vnd.microsoft.card.adaptive');
    assert.equal(b.attachments[0].content.type, 'AdaptiveCard');
    assert.equal(b.attachments[0].content.body[0].text, 'Acme API: Major Outage');
    assert.ok(b.attachments[0].content.body.some((x: any) => x.type === 'FactSet'));
    assert.equal(b.attachments[0].content.actions[0].type, 'Action.OpenUrl');
  });

  it('telegram: sendMessage with chat_id and HTML text; ok:false is a failure', async () => {
    const ch = channel('telegram', { bot_token: '123456:ABC-def_g', chat_id: -1001, base_url: rec.origin });
    rec.respond = () => ({ body: '{"ok":true,"result":{"message_id":1}}' });
    const r = await ch.def.send(ch.cfg, msg('trigger', event, 'fr'), ctx());
    assert.equal(r.ok, true);
    assert.equal(last().url, '/bot123456:ABC-def_g/sendMessage');
    assert.equal(last().json.chat_id, -1001);
    assert.equal(last().json.parse_mode, 'HTML');
    assert.match(last().json.text, /^<b>Acme API: Panne majeure<\/b>/);
    rec.respond = () => ({ status: 200, body: '{"ok":false,"description":"chat not found"}' });
    const bad = await ch.def.send(ch.cfg, msg(), ctx());
    assert.equal(bad.ok, false);
    rec.respond = () => undefined;
  });

  it('ntfy: JSON publishing to the server root, priority and tags from the severity, bearer token', async () => {
    const ch = channel('ntfy', { base_url: rec.origin, topic: 'vigie-alerts', token: 'tk_abc' });
    await ch.def.send(ch.cfg, msg(), ctx());
    assert.equal(last().url, '/');
    assert.equal(last().headers.authorization, 'Bearer tk_abc');
    assert.deepEqual({ topic: last().json.topic, priority: last().json.priority, tags: last().json.tags }, { topic: 'vigie-alerts', priority: 5, tags: ['rotating_light'] });
    assert.equal(last().json.title, 'Acme API: Major Outage');
    assert.match(last().json.click, /^http:\/\/127\.0\.0\.1:9\/status/);
  });

  it('mattermost: markdown text and an attachment with colour', async () => {
    const ch = channel('mattermost', { url: `${rec.origin}/hooks/xyz`, channel: 'ops' });
    await ch.def.send(ch.cfg, msg(), ctx());
    assert.equal(last().json.channel, 'ops');
    assert.match(last().json.text, /^#### Acme API: Major Outage/);
    assert.match(last().json.attachments[0].color, /^#[0-9a-f]{6}$/);
  });

  it('google chat: text and one thread per alert', async () => {
    const ch = channel('googlechat', { url: `${rec.origin}/v1/spaces/AAA/messages?key=k&token=t` });
    await ch.def.send(ch.cfg, msg(), ctx());
    const u = new URL(last().url, rec.origin);
    assert.equal(u.searchParams.get('key'), 'k');
    assert.equal(u.searchParams.get('messageReplyOption'), 'REPLY_MESSAGE_FALLBACK_TO_NEW_THREAD');
    assert.equal(last().json.thread.threadKey, 'vigie-component-acme/api');
    assert.match(last().json.text, /^\*Acme API: Major Outage\*/);
  });

  it('pagerduty: Events v2 trigger with payload, then resolve with the same dedup key', async () => {
    const ch = channel('pagerduty', { routing_key: 'R0UT1NG', base_url: rec.origin });
    rec.respond = () => ({ status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"vigie-component-acme/api"}' });
    const r = await ch.def.send(ch.cfg, msg('trigger'), ctx());
    assert.equal(r.status, 202);
    const t = last().json;
    assert.equal(last().url, '/v2/enqueue');
    assert.equal(t.routing_key, 'R0UT1NG');
    assert.equal(t.event_action, 'trigger');
    assert.equal(t.dedup_key, 'vigie-component-acme/api');
    assert.equal(t.payload.severity, 'critical');
    assert.equal(t.payload.source, 'vigie');
    assert.equal(t.payload.summary, 'Acme API: Major Outage');
    assert.ok(t.payload.timestamp);
    await ch.def.send(ch.cfg, msg('resolve'), ctx());
    assert.deepEqual(last().json, { routing_key: 'R0UT1NG', event_action: 'resolve', dedup_key: 'vigie-component-acme/api' });
    rec.respond = () => undefined;
  });

  it('opsgenie: create alert with alias and GenieKey, close by alias', async () => {
    const ch = channel('opsgenie', { api_key: 'og-key', base_url: rec.origin });
    await ch.def.send(ch.cfg, msg('trigger', incident), ctx());
    assert.equal(last().url, '/v2/alerts');
    assert.equal(last().headers.authorization, 'GenieKey og-key');
    assert.equal(last().json.alias, 'vigie-incident-inc123');
    assert.equal(last().json.priority, 'P2');
    assert.ok(last().json.message.length <= 130);
    await ch.def.send(ch.cfg, msg('resolve', incident), ctx());
    assert.equal(last().url, '/v2/alerts/vigie-incident-inc123/close?identifierType=alias');
    assert.equal(last().json.source, 'Vigie');
  });

  it('email: plain text and HTML over a real SMTP server, localized, Message-ID from the idempotency key', async () => {
    const smtp = await startSmtp();
    try {
      const ch = channel('email', { smtp: { host: '127.0.0.1', port: smtp.port }, from: 'Vigie <vigie@example.test>', to: ['ops@example.test'], locale: 'fr' });
      const m = msg('trigger', event, 'fr');
      const r = await ch.def.send(ch.cfg, m, ctx('vigie-mail1'));
      assert.equal(r.ok, true, r.error);
      assert.equal(smtp.mails.length, 1);
      const mail = smtp.mails[0]!;
      assert.deepEqual(mail.to, ['ops@example.test']);
      assert.equal(mail.headers.get('message-id'), '<vigie-mail1@example.test>');
      assert.match(mail.headers.get('content-type') ?? '', /multipart\/alternative/);
      assert.match(mailPart(mail.raw, 'text/plain') ?? '', /Panne majeure/);
      assert.match(mailPart(mail.raw, 'text/html') ?? '', /<h1[^>]*>Acme API: Panne majeure<\/h1>/);
      // Subscriber mail: List-Unsubscribe and one-click.
      await ch.def.send(ch.cfg, { ...m, recipient: 'sub@example.test', unsubscribeUrl: 'http://127.0.0.1:9/subscriptions/unsubscribe?token=1.x' }, ctx('vigie-mail2'));
      const sub = smtp.mails[1]!;
      assert.deepEqual(sub.to, ['sub@example.test']);
      assert.match(sub.headers.get('list-unsubscribe') ?? '', /<http:\/\/127\.0\.0\.1:9\/subscriptions\/unsubscribe\?token=1\.x>/);
      assert.equal(sub.headers.get('list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
      // A refusal is a failure with the SMTP code.
      smtp.refuse = { code: 451, message: 'try later' };
      const bad = await ch.def.send(ch.cfg, m, ctx('vigie-mail3'));
      assert.equal(bad.ok, false);
      assert.equal(bad.status, 451);
      assert.equal(bad.permanent, undefined, 'a 4xx SMTP reply is worth retrying');
      smtp.refuse = { code: 550, message: 'no such mailbox' };
      const gone = await ch.def.send(ch.cfg, m, ctx('vigie-mail4'));
      assert.deepEqual([gone.status, gone.permanent], [550, true]);
      await ch.def.close?.(ch.cfg);
    } finally {
      await smtp.close();
    }
  });

  it('malformed channel configs are reported by channel name and field', () => {
    const { channels, problems } = prepareChannels({
      good: { type: 'slack', url: 'https://hooks.example.test/x' },
      badurl: { type: 'discord', url: 'not a url' },
      badsmtp: { type: 'email', smtp: { host: 'h', port: 'x' }, from: 'a@b.c' },
      typo: { type: 'ntfy', topic: 't', tokn: 'x' },
      what: { type: 'carrier-pigeon' },
    });
    assert.deepEqual([...channels.keys()], ['good']);
    const by = (c: string) => problems.filter((p) => p.channel === c).map((p) => `${p.field}: ${p.message}`);
    assert.match(by('badurl')[0]!, /^url: must be an http/);
    assert.match(by('badsmtp')[0]!, /^smtp\.port: /);
    assert.match(by('typo')[0]!, /unknown key "tokn"/);
    assert.match(by('what')[0]!, /^type: unknown channel type "carrier-pigeon"/);
    assert.equal(Object.keys(CHANNELS).length, 11);
  });
});
