// E-mail over SMTP with nodemailer: plain text + HTML, in the channel's (or subscriber's) locale.
// The Message-ID is built from the idempotency key, so a resend after a crash is the same message
// to any mail system that drops duplicates; subscriber mail carries List-Unsubscribe (+ -Post, RFC 8058).
import nodemailer, { type Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport/index.js';
import { z } from 'zod';
import { emailBodies } from '../messages.js';
import type { ChannelDef } from '../types.js';
import { channelSchema } from './common.js';

const address = z.email({ error: 'must be an e-mail address' });

export const emailSchema = channelSchema('email', {
  smtp: z.strictObject({
    host: z.string().min(1),
    port: z.number().int().min(1).max(65535).default(587),
    /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
    secure: z.boolean().default(false),
    require_tls: z.boolean().default(false),
    user: z.string().optional(),
    pass: z.string().optional(),
  }),
  from: z.string().min(3),
  /** Operator recipients (for alert rules); subscriber mail goes to each subscriber. */
  to: z.union([address, z.array(address).min(1)]).optional().transform((v) => (v === undefined ? [] : Array.isArray(v) ? v : [v])),
});
export type EmailConfig = z.output<typeof emailSchema>;

const transports = new WeakMap<EmailConfig, Transporter<SMTPTransport.SentMessageInfo>>();

function transportFor(cfg: EmailConfig, timeoutMs: number) {
  let t = transports.get(cfg);
  if (!t) {
    t = nodemailer.createTransport({
      host: cfg.smtp.host,
      port: cfg.smtp.port,
      secure: cfg.smtp.secure,
      requireTLS: cfg.smtp.require_tls,
      ...(cfg.smtp.user !== undefined ? { auth: { user: cfg.smtp.user, pass: cfg.smtp.pass ?? '' } } : {}),
      pool: true,
      maxConnections: 4,
      connectionTimeout: timeoutMs,
      greetingTimeout: timeoutMs,
      socketTimeout: timeoutMs,
      // Loopback test servers use self-signed certificates; real ones are verified.
      tls: { rejectUnauthorized: !['127.0.0.1', 'localhost', '::1'].includes(cfg.smtp.host) },
    });
    transports.set(cfg, t);
  }
  return t;
}

export const email: ChannelDef<EmailConfig> = {
  type: 'email',
  schema: emailSchema,
  async send(cfg, m, ctx) {
    const to = m.recipient ? [m.recipient] : cfg.to;
    if (to.length === 0) return { ok: false, error: 'no recipient: set "to" on this email channel' };
    const b = emailBodies(m);
    const domain = /@([^>\s]+)>?\s*$/.exec(cfg.from)?.[1] ?? 'vigie.local';
    try {
      const info = await transportFor(cfg, ctx.timeoutMs).sendMail({
        from: cfg.from,
        to,
        subject: b.subject,
        text: b.text,
        html: b.html,
        messageId: `<${ctx.idempotencyKey}@${domain}>`,
        headers: {
          'X-Vigie-Idempotency-Key': ctx.idempotencyKey,
          ...(m.unsubscribeUrl ? { 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
        },
        ...(m.unsubscribeUrl ? { list: { unsubscribe: { url: m.unsubscribeUrl, comment: 'Unsubscribe' } } } : {}),
      });
      const code = Number(/^(\d{3})/.exec(info.response ?? '')?.[1] ?? 250);
      return { ok: true, status: code, response: info.response };
    } catch (err) {
      const e = err as { responseCode?: number; response?: string; message?: string; code?: string };
      return {
        ok: false,
        ...(e.responseCode ? { status: e.responseCode } : {}),
        ...(e.responseCode !== undefined && e.responseCode >= 500 ? { permanent: true } : {}),
        ...(e.response ? { response: e.response } : {}),
        error: `${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`,
      };
    }
  },
  close(cfg) {
    transports.get(cfg)?.close();
    transports.delete(cfg);
  },
};
