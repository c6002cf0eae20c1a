// Expansion: each outbox event becomes one delivery per target, in one transaction with marking the
// event expanded and moving the rules' open alerts, so a crash half-way leaves nothing half-done.
// Targets: the channels of the operator rules that match, and the subscribers who follow the
// components concerned. Idempotency keys are derived from (event, target): expanding twice
// (two workers, a retry) inserts nothing new.
import { createHash } from 'node:crypto';
import type { NotifyConfig } from '../config/schema.js';
import type { Store } from '../store/store.js';
import {
  claimReminder,
  componentNames,
  componentsInMaintenance,
  deleteRuleState,
  enqueueNotifyEvent,
  getRuleState,
  insertDeliveries,
  lockUnexpandedEvents,
  markEventsExpanded,
  openRuleStates,
  putRuleState,
  type ComponentStatusPayload,
  type IncidentPayload,
  type NewDelivery,
  type NotifyEvent,
} from '../store/outbox.js';
import { activeSubscriptionsFor } from '../store/subscriptions.js';
import { decideComponent, dueReminders, incidentAction, ruleMatchesComponent, ruleMatchesGateway, ruleMatchesIncident } from './rules.js';

export function idempotencyKey(...parts: Array<string | number>): string {
  return 'vigie-' + createHash('sha256').update(parts.join('|')).digest('hex').slice(0, 32);
}

export interface ExpandOptions {
  notify: NotifyConfig;
  /** Whether e-mail subscribers can be written to (an e-mail channel is configured and valid). */
  emailReady: boolean;
}

/** Expands up to `limit` events; returns how many. */
export async function expandEvents(store: Store, o: ExpandOptions, now: number, limit = 50): Promise<number> {
  return store.db.transaction().execute(async (trx) => {
    const events = await lockUnexpandedEvents(trx, store.engine, limit);
    for (const ev of events) {
      const out: NewDelivery[] = [];
      const toChannels = (channels: readonly string[], action: string, rule: string) => {
        for (const ch of channels) {
          const target = `channel:${ch}`;
          out.push({ eventId: ev.id, target, action, orderKey: `${target}|${ev.subject}`, idempotencyKey: idempotencyKey(ev.id, target), context: { rule } });
        }
      };
      if (ev.kind === 'component_status') {
        const p = ev.payload as ComponentStatusPayload;
        const maint = o.notify.rules.some((r) => r.quiet_during_maintenance) ? await componentsInMaintenance(trx, [p.componentId]) : new Set<string>();
        for (const rule of o.notify.rules) {
          if (!ruleMatchesComponent(rule, p.componentId)) continue;
          const open = await getRuleState(trx, rule.name, p.componentId);
          const d = decideComponent(rule, open, p, maint.has(p.componentId) || p.from === 'under_maintenance');
          if (d.state === 'open') await putRuleState(trx, { rule: rule.name, componentId: p.componentId, status: p.to, openedAt: Math.round(open?.openedAt ?? p.at), lastSentAt: Math.round(ev.at) });
          if (d.state === 'close') await deleteRuleState(trx, rule.name, p.componentId);
          if (d.action) toChannels(rule.channels, d.action, rule.name);
        }
      } else if (ev.kind === 'incident' || ev.kind === 'maintenance') {
        const p = ev.payload as IncidentPayload;
        for (const rule of o.notify.rules) if (ruleMatchesIncident(rule, p)) toChannels(rule.channels, ev.kind === 'maintenance' ? 'notice' : incidentAction(p), rule.name);
      } else if (ev.kind === 'gateway') {
        // The gateway's failovers and failbacks: to rules that ask for them, never to subscribers (they follow providers, not our traffic).
        const p = ev.payload as { kind?: string };
        for (const rule of o.notify.rules) if (ruleMatchesGateway(rule, ev.componentIds)) toChannels(rule.channels, p.kind === 'failback' ? 'resolve' : 'trigger', rule.name);
      } else if (ev.kind === 'reminder') {
        const rule = o.notify.rules.find((r) => r.name === (ev.payload as { rule?: string }).rule);
        if (rule) toChannels(rule.channels, 'reminder', rule.name);
      }
      if (ev.kind !== 'reminder' && ev.kind !== 'gateway' && o.notify.subscriptions.enabled) {
        for (const s of await activeSubscriptionsFor(trx, ev.componentIds)) {
          if (s.kind === 'email' && !o.emailReady) continue;
          if (s.kind === 'webhook' && !o.notify.subscriptions.webhooks) continue;
          const target = `sub:${s.id}`;
          out.push({ eventId: ev.id, target, action: 'notice', orderKey: `${target}|${ev.subject}`, idempotencyKey: idempotencyKey(ev.id, target) });
        }
      }
      await insertDeliveries(trx, out, now);
    }
    await markEventsExpanded(trx, events.map((e) => e.id), now);
    return events.length;
  });
}

/** Reminders for open alerts whose rule asks for them: one reminder event each, claimed atomically. */
export async function enqueueReminders(store: Store, notify: NotifyConfig, now: number): Promise<number> {
  if (!notify.rules.some((r) => r.reminder_every !== undefined)) return 0;
  const due = dueReminders(notify.rules, await openRuleStates(store.db), now);
  let n = 0;
  for (const s of due) {
    await store.db.transaction().execute(async (trx) => {
      if (!(await claimReminder(trx, s, now))) return;
      const payload: ComponentStatusPayload & { rule: string; since: number } = {
        rule: s.rule,
        since: s.openedAt,
        ...(await componentNames(trx, s.componentId)),
        from: s.status as ComponentStatusPayload['from'],
        to: s.status as ComponentStatusPayload['to'],
        at: now,
        reason: 'reminder',
      };
      await enqueueNotifyEvent(trx, { kind: 'reminder', subject: `component:${s.componentId}`, componentIds: [s.componentId], payload, at: now });
      n++;
    });
  }
  return n;
}

export type { NotifyEvent };
