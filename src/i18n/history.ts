// Words of the outage history (src/analytics, /services/<id>/history), in English and French: the
// generated sentences and the page's labels. Kept apart from en.ts/fr.ts so this feature's keys
// change in one file; the durations, dates and cause names come from the shared messages.
import type { IncidentSentenceFacts, ServiceSentenceFacts } from '../analytics/sentences.js';
import { type Lang, MESSAGES, day } from './index.js';

const DAY = 86_400_000;

/** "6 h 02 min", "45 min", "3 d 4 h": minutes padded after hours, as a clock reads. */
export function clockDuration(lang: Lang, ms: number): string {
  const u = MESSAGES[lang].durations;
  const min = Math.round(Math.abs(ms) / 60_000);
  if (min < 1) return `${Math.round(Math.abs(ms) / 1000)} ${u.s}`;
  if (min < 60) return `${min} ${u.min}`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} ${u.h} ${String(min % 60).padStart(2, '0')} ${u.min}`;
  return `${Math.floor(h / 24)} ${u.d} ${h % 24} ${u.h}`;
}

const EN_ORD = ['First', 'Second', 'Third', 'Fourth', 'Fifth', 'Sixth', 'Seventh', 'Eighth', 'Ninth', 'Tenth'];
const FR_ORD = ['Première', 'Deuxième', 'Troisième', 'Quatrième', 'Cinquième', 'Sixième', 'Septième', 'Huitième', 'Neuvième', 'Dixième'];
function ordinal(lang: Lang, n: number): string {
  if (lang === 'fr') return FR_ORD[n - 1] ?? `${n}e`;
  if (EN_ORD[n - 1]) return EN_ORD[n - 1]!;
  const t = n % 100;
  return `${n}${t >= 11 && t <= 13 ? 'th' : ({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[n % 10] ?? 'th'}`;
}
/** "de ChatGPT", "d’OpenAI". */
const deFr = (name: string) => (/^[aeiouyàâéèêëîïôûüh]/i.test(name) && !/^h/i.test(name) ? `d’${name}` : `de ${name}`);

/** "14 days ago", "5 h 20 min ago", "on 4 Jun 2024". */
function ago(lang: Lang, agoMs: number, at: number): string {
  if (agoMs < 2 * DAY) return lang === 'fr' ? `il y a ${clockDuration(lang, agoMs)}` : `${clockDuration(lang, agoMs)} ago`;
  if (agoMs < 60 * DAY) {
    // Whole days gone, as people count them: 14 d 19 h is "14 days ago".
    const d = Math.floor(agoMs / DAY);
    return lang === 'fr' ? `il y a ${d} jours` : `${d} days ago`;
  }
  return lang === 'fr' ? `le ${day(lang, at)}` : `on ${day(lang, at)}`;
}

export function incidentSentenceText(lang: Lang, f: IncidentSentenceFacts): string {
  const p = f.previous;
  if (lang === 'fr') {
    const what = `panne${f.major ? ' majeure' : ''} ${deFr(f.service)}`;
    if (!p) return `Première ${what} enregistrée par Vigie.`;
    const lasted = p.durationMs === null ? 'est toujours en cours' : `a duré ${clockDuration(lang, p.durationMs)}`;
    return `${ordinal(lang, f.rankThisMonth)} ${what} ce mois-ci\u202f; ${f.rankThisMonth > 1 ? 'la dernière' : 'la précédente'}, ${ago(lang, p.agoMs, p.start)}, ${lasted}.`;
  }
  const what = `${f.major ? 'major ' : ''}outage of ${f.service}`;
  if (!p) return `First ${what} recorded by Vigie.`;
  const lasted = p.durationMs === null ? 'is still going on' : `lasted ${clockDuration(lang, p.durationMs)}`;
  return `${ordinal(lang, f.rankThisMonth)} ${what} this month; ${f.rankThisMonth > 1 ? 'the last one' : 'the previous one'}, ${ago(lang, p.agoMs, p.start)}, ${lasted}.`;
}

export function serviceSentenceText(lang: Lang, f: ServiceSentenceFacts): string {
  const l = f.last;
  if (lang === 'fr') {
    if (!l) return `Aucune panne ${deFr(f.service)} enregistrée par Vigie.`;
    const count = `${f.outages30d} panne${f.outages30d > 1 ? 's' : ''} sur les 30 derniers jours${f.majorOutages30d > 0 ? ` (dont ${f.majorOutages30d} majeure${f.majorOutages30d > 1 ? 's' : ''})` : ''}`;
    if (l.ongoing) return `Panne${l.major ? ' majeure' : ''} ${deFr(f.service)} en cours depuis ${clockDuration(lang, l.agoMs)}\u202f; ${count}.`;
    return `Dernière panne ${deFr(f.service)}\u00a0: ${ago(lang, l.agoMs, l.start)}, elle a duré ${clockDuration(lang, l.durationMs ?? 0)}\u202f; ${count}.`;
  }
  if (!l) return `No outage of ${f.service} recorded by Vigie.`;
  const count = `${f.outages30d} outage${f.outages30d === 1 ? '' : 's'} in the last 30 days${f.majorOutages30d > 0 ? ` (${f.majorOutages30d} major)` : ''}`;
  if (l.ongoing) return `${l.major ? 'Major outage' : 'Outage'} of ${f.service} going on for ${clockDuration(lang, l.agoMs)}; ${count}.`;
  return `Last outage of ${f.service}: ${ago(lang, l.agoMs, l.start)}, it lasted ${clockDuration(lang, l.durationMs ?? 0)}; ${count}.`;
}

export const historyEn = {
  title: (name: string) => `${name}: outage history`,
  link: 'Outage history',
  reliability: 'Reliability',
  component: 'Component',
  window: (d: number) => `Last ${d} days`,
  outages: 'Outages',
  majorOutages: 'of which major',
  downtime: 'Downtime',
  availability: 'Availability',
  mttd: 'Mean / median time to detect',
  mtta: 'Mean / median vendor acknowledgement',
  mttr: 'Mean / median time to resolve',
  neverAcknowledged: 'Never acknowledged by the vendor',
  none: '—',
  slo: 'Objective',
  sloTarget: (pct: string, days: number) => `${pct} over ${days} days`,
  budgetLeft: 'Error budget left',
  burnRate: 'Burn rate (window / last 24 h)',
  sloState: { met: 'met', at_risk: 'at risk', breached: 'missed' } as Record<'met' | 'at_risk' | 'breached', string>,
  calendar: 'Last 12 months',
  calendarNote: (tz: string) => `Each square is a day (${tz}), coloured by the worst status seen that day.`,
  causes: 'Causes',
  causeRow: (n: number) => `${n} outage${n === 1 ? '' : 's'}`,
  recentOutages: 'Outages in the last 12 months',
  noOutages: 'No outage in the last 12 months.',
  started: 'Started',
  lasted: 'Duration',
  dependsOn: 'Depends on',
  downstream: 'Integrations affected downstream',
  upstreamDown: (dep: string) => `${dep} is having an outage at the same time: it is the likely reason.`,
  upstreamNow: (who: string, dep: string) => `${who} depends on ${dep}, which is having an outage now.`,
  vendorHonesty: 'Vendor acknowledgement',
  honestyAcked: (a: number, n: number) => `acknowledged ${a} of ${n} outages`,
  honestyLag: 'median / worst lag',
  honestyNever: 'never acknowledged',
  honestyGreen: 'said “operational” while Vigie observed an outage',
  grade: 'Grade',
  gradeNone: 'not enough outages to grade',
  export: 'Export',
  timeline: 'All services on one time axis',
  correlated: 'Outages at the same time',
  legend: { operational: 'No problem', degraded_performance: 'Degraded', partial_outage: 'Partial outage', major_outage: 'Major outage', under_maintenance: 'Maintenance', none: 'Not tracked' },
  badParam: 'bad parameter',
};
export type HistoryMessages = typeof historyEn;

export const historyFr: HistoryMessages = {
  title: (name) => `${name}\u00a0: historique des pannes`,
  link: 'Historique des pannes',
  reliability: 'Fiabilité',
  component: 'Composant',
  window: (d) => `${d} derniers jours`,
  outages: 'Pannes',
  majorOutages: 'dont majeures',
  downtime: 'Indisponibilité',
  availability: 'Disponibilité',
  mttd: 'Délai de détection moyen / médian',
  mtta: 'Délai de reconnaissance par l’éditeur moyen / médian',
  mttr: 'Délai de résolution moyen / médian',
  neverAcknowledged: 'Jamais reconnues par l’éditeur',
  none: '—',
  slo: 'Objectif',
  sloTarget: (pct, days) => `${pct} sur ${days} jours`,
  budgetLeft: 'Marge d’erreur restante',
  burnRate: 'Rythme de consommation (fenêtre / dernières 24 h)',
  sloState: { met: 'tenu', at_risk: 'menacé', breached: 'manqué' },
  calendar: '12 derniers mois',
  calendarNote: (tz) => `Chaque case est un jour (${tz}), colorée selon le pire état observé ce jour-là.`,
  causes: 'Causes',
  causeRow: (n) => `${n} panne${n > 1 ? 's' : ''}`,
  recentOutages: 'Pannes des 12 derniers mois',
  noOutages: 'Aucune panne ces 12 derniers mois.',
  started: 'Début',
  lasted: 'Durée',
  dependsOn: 'Dépend de',
  downstream: 'Intégrations touchées en aval',
  upstreamDown: (dep) => `${dep} est en panne au même moment\u00a0: c’en est la cause probable.`,
  upstreamNow: (who, dep) => `${who} dépend de ${dep}, en panne en ce moment.`,
  vendorHonesty: 'Reconnaissance par l’éditeur',
  honestyAcked: (a, n) => `${a} panne${a > 1 ? 's' : ''} reconnue${a > 1 ? 's' : ''} sur ${n}`,
  honestyLag: 'délai médian / pire',
  honestyNever: 'jamais reconnues',
  honestyGreen: 'temps affiché « opérationnel » pendant une panne observée par Vigie',
  grade: 'Note',
  gradeNone: 'pas assez de pannes pour noter',
  export: 'Export',
  timeline: 'Tous les services sur le même axe de temps',
  correlated: 'Pannes simultanées',
  legend: { operational: 'Aucun problème', degraded_performance: 'Dégradé', partial_outage: 'Panne partielle', major_outage: 'Panne majeure', under_maintenance: 'Maintenance', none: 'Non suivi' },
  badParam: 'paramètre invalide',
};

export const HISTORY_MESSAGES: Record<Lang, HistoryMessages> = { en: historyEn, fr: historyFr };
