// Operator alert rules: which components and statuses alert which channels, when an alert opens,
// changes, is reminded and resolves, and the quiet during maintenance. Pure decisions; the caller
// keeps the open alerts in notify_rule_state within the expansion transaction.
import type { NotifyRuleConfig } from '../config/schema.js';
import type { ComponentStatus } from '../core/status.js';
import type { ComponentStatusPayload, IncidentPayload, RuleState } from '../store/outbox.js';
import type { MessageAction } from './types.js';

/** "service/component", "service/*" or "service"; no patterns = every component. */
export function ruleMatchesComponent(rule: Pick<NotifyRuleConfig, 'components'>, componentId: string): boolean {
  if (rule.components.length === 0) return true;
  const service = componentId.split('/')[0];
  return rule.components.some((p) => p === componentId || p === service || (p.endsWith('/*') && p.slice(0, -2) === service));
}

export interface ComponentDecision {
  /** The message to send, if any. */
  action?: Extract<MessageAction, 'trigger' | 'update' | 'resolve'>;
  /** What happens to the rule's open alert for this component. */
  state: 'open' | 'close' | 'keep';
}

/**
 * A component changed status. Entering the rule's statuses opens an alert (trigger); moving between
 * them updates it; leaving them resolves it (message only when `resolved` is on). With
 * quiet_during_maintenance, nothing is said while the component is under maintenance.
 */
export function decideComponent(rule: NotifyRuleConfig, open: RuleState | undefined, p: Pick<ComponentStatusPayload, 'from' | 'to'>, inMaintenance: boolean): ComponentDecision {
  if (!rule.events.includes('component')) return { state: 'keep' };
  if (rule.quiet_during_maintenance && (inMaintenance || p.to === 'under_maintenance')) return { state: 'keep' };
  const matches = (rule.statuses as readonly ComponentStatus[]).includes(p.to);
  if (matches && !open) return { action: 'trigger', state: 'open' };
  if (matches && open) return open.status === p.to ? { state: 'keep' } : { action: 'update', state: 'open' };
  if (!matches && open) return rule.resolved ? { action: 'resolve', state: 'close' } : { state: 'close' };
  return { state: 'keep' };
}

/** Whether an incident or maintenance event concerns this rule. */
export function ruleMatchesIncident(rule: NotifyRuleConfig, p: IncidentPayload): boolean {
  if (!rule.events.includes(p.kind)) return false;
  if (rule.components.length === 0 || p.components.length === 0) return true;
  return p.components.some((c) => ruleMatchesComponent(rule, c.id));
}

/** Whether a gateway failover/failback concerns this rule: it asks for gateway events, and its components (if any) include the provider's. */
export function ruleMatchesGateway(rule: NotifyRuleConfig, componentIds: readonly string[]): boolean {
  if (!(rule.events as readonly string[]).includes('gateway')) return false;
  if (rule.components.length === 0 || componentIds.length === 0) return true;
  return componentIds.some((c) => ruleMatchesComponent(rule, c));
}

export function incidentAction(p: IncidentPayload): Extract<MessageAction, 'trigger' | 'update' | 'resolve'> {
  if (['resolved', 'postmortem', 'completed'].includes(p.status)) return 'resolve';
  return p.updates.length <= 1 ? 'trigger' : 'update';
}

/** Open alerts due for a reminder at `now`. */
export function dueReminders(rules: readonly NotifyRuleConfig[], open: readonly RuleState[], now: number): RuleState[] {
  const every = new Map(rules.filter((r) => r.reminder_every !== undefined).map((r) => [r.name, r.reminder_every!]));
  return open.filter((s) => every.has(s.rule) && now - s.lastSentAt >= every.get(s.rule)!);
}
