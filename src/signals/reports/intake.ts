// Crowd reports, end to end: intake (validation, identity, proof of work, limits, group-committed
// writes), the per-service signal ticking on the clock, rejections counted by reason, moderation.
// The web routes and the app talk to this class; it talks to the store through src/store/reports.ts.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { ReportsConfig, ServiceReportsConfig, VigieConfig } from '../../config/schema.js';
import type { Clock, TimerHandle } from '../../core/time.js';
import {
  type CommentStatus,
  type ReportRow,
  type StoredComment,
  insertReports,
  insertRejections,
  listComments,
  recentReportKeys,
  rejectionTotals,
  reportMinuteCounts,
  setCommentStatus,
} from '../../store/reports.js';
import type { Store } from '../../store/store.js';
import { Gate } from './gate.js';
import { Identity } from './identity.js';
import { FormTokens, ProofOfWork } from './pow.js';
import { type CrowdLevel, DEFAULT_FALSE_ALARMS, type LevelChange, type LevelSettings, ServiceSignal } from './signal.js';
import { type FalseAlarmRate, parseFalseAlarms } from '../../detect/anomaly/alarms.js';
import { GroupCommitWriter } from './writer.js';

export type { CrowdLevel, LevelChange } from './signal.js';

export const REJECT_STATUS = {
  unknown_service: 404,
  reports_disabled: 404,
  invalid_body: 400,
  invalid_category: 400,
  comment_too_long: 400,
  invalid_region: 400,
  pow_missing: 400,
  pow_invalid: 403,
  pow_expired: 403,
  pow_reused: 403,
  token_invalid: 403,
  token_expired: 403,
  rate_limited_reporter: 429,
  rate_limited_prefix: 429,
  duplicate: 409,
  store_unavailable: 503,
} as const;
export type RejectReason = keyof typeof REJECT_STATUS;

export interface Rejection {
  ok: false;
  status: number;
  reason: RejectReason;
  message: string;
  retryAfterS?: number;
}
export interface Acceptance {
  ok: true;
  counted: boolean;
  at: number;
  category: string;
  commentHeld: boolean;
}
export type SubmitResult = Acceptance | Rejection;

export interface ReportInput {
  category?: unknown;
  comment?: unknown;
  region?: unknown;
  /** API: the solved hashcash. */
  pow?: unknown;
  /** Form: the signed token from the page. */
  token?: unknown;
}

export interface Requester {
  address: string;
  userAgent: string;
}

interface ServiceInfo {
  id: string;
  name: string;
  cfg: ServiceReportsConfig;
}

const MIN = 60_000;
const TICK_MS = 15_000;
/**
 * Stored minutes fed to the crowd level at start. The detector's memories are days (the daily profile
 * about 4, the level hours), so 8 days reach the state weeks would, at a fifth of the start-up cost.
 */
const CROWD_HISTORY_MS = 8 * 86_400_000;
/** Minutes replayed through the level at start: the longest window (1 h) would do, hold and cool are minutes. */
const REPLAY_MIN = 60;
const REGION = /^[a-z][a-z0-9-]{1,23}$/;
// Control characters (tab and newline kept), bidi overrides and zero-width characters.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g;

const MESSAGES: Record<RejectReason, string> = {
  unknown_service: 'no such service',
  reports_disabled: 'this service does not take reports',
  invalid_body: 'the body must be a JSON object',
  invalid_category: 'unknown category',
  comment_too_long: 'the comment is too long',
  invalid_region: 'region must be a short lowercase name such as "europe" or "us"',
  pow_missing: 'a proof of work is required: GET /api/reports/challenge, then send pow: { challenge, nonce }',
  pow_invalid: 'the proof of work does not check out',
  pow_expired: 'the challenge has expired; fetch a new one',
  pow_reused: 'this proof of work was already used',
  token_invalid: 'the form token is not valid; reload the page and try again',
  token_expired: 'the form has expired; reload the page and try again',
  rate_limited_reporter: 'too many reports from you; try again later',
  rate_limited_prefix: 'too many reports from your network; try again later',
  duplicate: 'you already reported this service recently; thank you',
  store_unavailable: 'reports cannot be stored right now; try again shortly',
};

/** Comment text as we keep it: NFC, no control/bidi/zero-width characters, trimmed, at most 3 newlines in a row. */
export function sanitizeComment(text: string): string {
  return text.normalize('NFC').replace(UNSAFE, '').replace(/\r\n?/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

export interface CrowdReportsOptions {
  store: Store;
  clock: Clock;
  log: Logger;
  config: VigieConfig;
  /** Called on every service level change (weight 0 services too; the caller checks weight()). */
  onLevel?: (c: LevelChange) => void;
  /** Where repeated store failures are counted and logged once (src/store/health.ts); else each is logged. */
  faults?: { report(where: string, err: unknown): void };
  /** Each report accepted and stored here (a cluster node tells the other nodes, which take it with heard()). */
  onAccepted?: (r: HeardReport) => void;
}

/** An accepted report as other cluster nodes learn it: enough for their signal and their dedup. */
export interface HeardReport {
  serviceId: string;
  category: string;
  at: number;
  counted: boolean;
  reporterKey: number;
  prefixKey: number;
}

export class CrowdReports {
  private readonly store: Store;
  private readonly clock: Clock;
  private readonly log: Logger;
  private settings!: ReportsConfig;
  private services = new Map<string, ServiceInfo>();
  private falseAlarms: FalseAlarmRate = DEFAULT_FALSE_ALARMS;
  private signals = new Map<string, ServiceSignal>();
  private identity!: Identity;
  private pow!: ProofOfWork;
  private forms!: FormTokens;
  private gate!: Gate;
  private secretText: string | undefined;
  private readonly writer: GroupCommitWriter<ReportRow>;
  /** Rejections by service and reason since the store was created, and those not yet written. */
  private rejected = new Map<string, Map<string, number>>();
  private unsaved = new Map<string, number>();
  private acceptedSinceStart = 0;
  private timer: TimerHandle | undefined;
  private stopped = false;
  private flushing: Promise<void> = Promise.resolve();

  constructor(private readonly opts: CrowdReportsOptions) {
    this.store = opts.store;
    this.clock = opts.clock;
    this.log = opts.log;
    this.writer = new GroupCommitWriter<ReportRow>({ write: (rows) => insertReports(this.store.db, rows) });
    this.configure(opts.config);
  }

  /** Applies a config (at start and on reload): services, categories, limits. Keeps learned state. */
  configure(config: VigieConfig): void {
    const r = config.reports;
    if (this.secretText === undefined || (r.salt !== undefined && r.salt !== this.secretText)) {
      const secret = r.salt !== undefined ? Buffer.from(r.salt) : randomBytes(32);
      if (r.salt === undefined) this.log.warn('reports.salt is not set: reporter hashes use a random secret, so dedup restarts with the process');
      this.secretText = r.salt ?? secret.toString('hex');
      this.identity = new Identity(secret);
      this.forms = new FormTokens(secret);
      this.pow = new ProofOfWork(secret, r.pow_difficulty);
    } else if (this.pow.difficulty !== r.pow_difficulty) this.pow = new ProofOfWork(Buffer.from(this.secretText), r.pow_difficulty);
    const limits = { windowMs: r.dedup_window, perReporterPerMinute: r.per_reporter_per_minute, perPrefixPerMinute: r.per_prefix_per_minute, prefixCap: r.prefix_cap };
    if (!this.gate || JSON.stringify(this.gate.limits) !== JSON.stringify(limits)) this.gate = new Gate(limits);
    this.settings = r;
    const now = this.clock.now();
    this.falseAlarms = parseFalseAlarms(config.detection.false_alarms) ?? DEFAULT_FALSE_ALARMS;
    this.services = new Map(config.services.map((s) => [s.id, { id: s.id, name: s.name, cfg: s.reports }]));
    for (const s of this.services.values()) {
      const ls = levelSettings(s.cfg, this.falseAlarms);
      const sig = this.signals.get(s.id);
      if (sig) {
        sig.setSettings(ls);
        sig.setCategories(s.cfg.categories, now);
      } else this.signals.set(s.id, new ServiceSignal(s.id, s.cfg.categories, ls, now));
    }
  }

  get trustProxy(): boolean {
    return this.settings.trust_proxy;
  }

  get moderatorToken(): string | undefined {
    return this.settings.moderator_token;
  }

  get commentMax(): number {
    return this.settings.comment_max;
  }

  service(id: string): { id: string; name: string; categories: string[]; enabled: boolean; weight: number } | undefined {
    const s = this.services.get(id);
    return s && { id: s.id, name: s.name, categories: s.cfg.categories, enabled: s.cfg.enabled, weight: s.cfg.weight };
  }

  serviceIds(): string[] {
    return [...this.services.keys()];
  }

  /** Rebuilds the signal's history, the dedup window and prefix caps, and rejection totals from the store. */
  async load(): Promise<void> {
    const now = this.clock.now();
    const counts = await reportMinuteCounts(this.store.db, now - CROWD_HISTORY_MS);
    const first = new Map<string, number>();
    for (const c of counts) if (!first.has(c.serviceId)) first.set(c.serviceId, c.minute);
    for (const s of this.services.values()) {
      const start = first.get(s.id);
      if (start === undefined) continue;
      const sig = new ServiceSignal(s.id, s.cfg.categories, levelSettings(s.cfg, this.falseAlarms), start * MIN);
      this.signals.set(s.id, sig);
    }
    // The last minutes are replayed through the level, minute by minute, so a restart in the middle of
    // a surge comes back at the level it had (and since when) instead of "none" for `hold` or longer.
    const nowMin = Math.floor(now / MIN);
    const replayFrom = nowMin - REPLAY_MIN;
    let i = 0;
    for (; i < counts.length && counts[i]!.minute < replayFrom; i++) this.signals.get(counts[i]!.serviceId)?.add(counts[i]!.category, counts[i]!.minute * MIN, counts[i]!.n);
    for (let m = replayFrom; m <= nowMin; m++) {
      for (; i < counts.length && counts[i]!.minute === m; i++) this.signals.get(counts[i]!.serviceId)?.add(counts[i]!.category, m * MIN, counts[i]!.n);
      const at = m === nowMin ? now : (m + 1) * MIN - 1;
      for (const [id, sig] of this.signals) if (this.services.has(id) && first.has(id)) sig.evaluate(at);
    }
    for (const sig of this.signals.values()) sig.total.advanceTo(nowMin);
    for (const [id, sig] of this.signals) {
      const v = sig.state.view();
      if (v.level === 'none' || !this.services.has(id)) continue;
      const restored: LevelChange = { serviceId: id, from: 'none', to: v.level, at: v.since, score: v.score, reason: `restored at start from the stored counts: ${v.observed} reports in ${sig.levelSettings.windowMinutes} min, ${v.expected.toFixed(1)} expected` };
      this.log.info({ service: id, level: v.level, since: v.since }, 'crowd report level restored');
      this.opts.onLevel?.(restored);
    }
    for (const k of await recentReportKeys(this.store.db, now - 2 * this.settings.dedup_window))
      this.gate.restore(k.serviceId, parseInt(k.reporter.slice(0, 12), 16), parseInt(k.prefix.slice(0, 12), 16), k.at, k.counted);
    for (const r of await rejectionTotals(this.store.db)) this.bump(this.rejected, r.serviceId, r.reason, r.n);
    this.log.info({ minutes: counts.length }, 'crowd reports loaded');
  }

  /** Ticks the signal on the clock: levels are re-evaluated every 15 s (clock time). */
  start(): void {
    const next = () => {
      if (this.stopped) return;
      const at = (Math.floor(this.clock.now() / TICK_MS) + 1) * TICK_MS;
      this.timer = this.clock.at(at, () => {
        try {
          this.tick(this.clock.now());
        } catch (err) {
          this.log.error({ err }, 'crowd signal tick failed');
        }
        next();
      });
    };
    next();
  }

  /** Evaluates every service at `now`; returns (and reports to onLevel) the level changes. */
  tick(now: number): LevelChange[] {
    const changes: LevelChange[] = [];
    for (const [id, sig] of this.signals) {
      if (!this.services.has(id)) continue;
      const c = sig.evaluate(now);
      if (c) changes.push(c);
    }
    for (const c of changes) {
      this.log.info({ service: c.serviceId, from: c.from, to: c.to, reason: c.reason }, 'crowd report level changed');
      this.opts.onLevel?.(c);
    }
    this.flushRejections(now);
    return changes;
  }

  level(serviceId: string): CrowdLevel {
    return this.signals.get(serviceId)?.state.level ?? 'none';
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.timer?.cancel();
    await this.writer.close();
    this.flushRejections(this.clock.now());
    await this.flushing;
  }

  challenge() {
    return this.pow.challenge(this.clock.now());
  }

  formToken(who: Requester): string {
    const now = this.clock.now();
    return this.forms.issue(this.identity.identify(who.address, who.userAgent, now).reporter, now);
  }

  /**
   * Takes one report. Accepted reports are committed to the store before this resolves. `demo` is the
   * replayed crowd of `vigie demo` (src/demo/crowd.ts): no proof of work or form token (there is no browser
   * to pay for it), but the same validation, identity, limits, dedup and prefix caps, and stored as `demo`.
   */
  async submit(serviceId: string, input: ReportInput, via: 'api' | 'form' | 'demo', who: Requester): Promise<SubmitResult> {
    const now = this.clock.now();
    const svc = this.services.get(serviceId);
    if (!svc) return this.reject('*', 'unknown_service');
    if (!svc.cfg.enabled) return this.reject(svc.id, 'reports_disabled');
    if (input === null || typeof input !== 'object' || Array.isArray(input)) return this.reject(svc.id, 'invalid_body');
    const category = input.category;
    if (typeof category !== 'string' || !svc.cfg.categories.includes(category))
      return this.reject(svc.id, 'invalid_category', `category must be one of: ${svc.cfg.categories.join(', ')}`);
    let comment: string | null = null;
    if (input.comment !== undefined && input.comment !== null && input.comment !== '') {
      if (typeof input.comment !== 'string') return this.reject(svc.id, 'invalid_body', 'comment must be text');
      const clean = sanitizeComment(input.comment);
      if ([...clean].length > this.settings.comment_max) return this.reject(svc.id, 'comment_too_long', `the comment is too long (at most ${this.settings.comment_max} characters)`);
      if (clean !== '') comment = clean;
    }
    let region: string | null = null;
    if (input.region !== undefined && input.region !== null && input.region !== '') {
      if (typeof input.region !== 'string' || !REGION.test(input.region)) return this.reject(svc.id, 'invalid_region');
      region = input.region;
    }
    const id = this.identity.identify(who.address, who.userAgent, now);
    if (via === 'api') {
      const p = input.pow as { challenge?: unknown; nonce?: unknown } | undefined;
      const v = p && typeof p === 'object' ? this.pow.verify(p.challenge, svc.id, p.nonce, now) : 'pow_missing';
      if (v !== 'ok') return this.reject(svc.id, v);
    } else if (via === 'form') {
      const v = this.forms.verify(input.token, id.reporter, now);
      if (v !== 'ok') return this.reject(svc.id, v);
    }
    const g = this.gate.admit(svc.id, id.reporterKey, id.prefixKey, now);
    if (!g.ok) return this.reject(svc.id, g.reason, undefined, g.retryAfterS);
    const row: ReportRow = {
      service_id: svc.id,
      category,
      at: now,
      region,
      reporter: id.reporter,
      prefix: id.prefix,
      counted: g.counted ? 1 : 0,
      source: via,
      comment,
      comment_status: comment === null ? null : 'pending',
    };
    try {
      await this.writer.add(row);
    } catch (err) {
      this.gate.undo(svc.id, id.reporterKey, id.prefixKey, g.counted, now);
      if (this.opts.faults) this.opts.faults.report('crowd reports write', err);
      else this.log.error({ err: err instanceof Error ? err.message : String(err) }, 'could not store crowd reports');
      return this.reject(svc.id, 'store_unavailable', undefined, 5);
    }
    this.acceptedSinceStart++;
    if (g.counted) this.signals.get(svc.id)?.add(category, now);
    this.opts.onAccepted?.({ serviceId: svc.id, category, at: now, counted: g.counted, reporterKey: id.reporterKey, prefixKey: id.prefixKey });
    return { ok: true, counted: g.counted, at: now, category, commentHeld: comment !== null };
  }

  /** A report another cluster node accepted and stored: counted here as if taken here (signal, dedup, prefix caps). */
  heard(r: HeardReport): void {
    const svc = this.services.get(r.serviceId);
    if (!svc || !svc.cfg.categories.includes(r.category) || !Number.isFinite(r.at) || !Number.isFinite(r.reporterKey) || !Number.isFinite(r.prefixKey)) return;
    this.gate.restore(svc.id, r.reporterKey, r.prefixKey, r.at, r.counted);
    this.acceptedSinceStart++;
    if (r.counted) this.signals.get(svc.id)?.add(r.category, r.at);
  }

  /** Counts and describes a rejection (the routes use it for bodies Fastify itself refused). */
  reject(serviceId: string, reason: RejectReason, message?: string, retryAfterS?: number): Rejection {
    this.bump(this.rejected, serviceId, reason, 1);
    const k = `${serviceId}\u0000${reason}`;
    this.unsaved.set(k, (this.unsaved.get(k) ?? 0) + 1);
    return { ok: false, status: REJECT_STATUS[reason], reason, message: message ?? MESSAGES[reason], ...(retryAfterS !== undefined ? { retryAfterS } : {}) };
  }

  private bump(m: Map<string, Map<string, number>>, serviceId: string, reason: string, n: number): void {
    let r = m.get(serviceId);
    if (!r) m.set(serviceId, (r = new Map()));
    r.set(reason, (r.get(reason) ?? 0) + n);
  }

  private flushRejections(now: number): void {
    if (this.unsaved.size === 0) return;
    const minute = Math.floor(now / MIN);
    const rows = [...this.unsaved].map(([k, count]) => {
      const [service_id = '*', reason = ''] = k.split('\u0000');
      return { service_id, minute, reason, count };
    });
    this.unsaved.clear();
    this.flushing = this.flushing
      .then(() => insertRejections(this.store.db, rows))
      .catch((err) => (this.opts.faults ? this.opts.faults.report('report rejections write', err) : this.log.error({ err }, 'could not store report rejections')));
  }

  rejections(serviceId?: string): Record<string, number> {
    const out: Record<string, number> = {};
    const add = (m: Map<string, number> | undefined) => {
      for (const [r, n] of m ?? []) out[r] = (out[r] ?? 0) + n;
    };
    if (serviceId !== undefined) add(this.rejected.get(serviceId));
    else for (const m of this.rejected.values()) add(m);
    return out;
  }

  get accepted(): number {
    return this.acceptedSinceStart;
  }

  /** What the page and the JSON API show for one service. */
  view(serviceId: string): ReportsView | undefined {
    const svc = this.services.get(serviceId);
    const sig = this.signals.get(serviceId);
    if (!svc || !sig) return undefined;
    const now = this.clock.now();
    const h = sig.total.history(now);
    const st = sig.state.view();
    const categories = [...sig.byCategory]
      .map(([category, series]) => {
        const cs = sig.categoryStates.get(category)!.view();
        return { category, lastHour: series.recent(now, 60), level: cs.level, score: cs.score };
      })
      .filter((c) => svc.cfg.categories.includes(c.category) || c.lastHour > 0)
      .sort((a, b) => b.lastHour - a.lastHour || svc.cfg.categories.indexOf(a.category) - svc.cfg.categories.indexOf(b.category));
    return {
      serviceId: svc.id,
      serviceName: svc.name,
      now,
      level: st.level,
      since: st.since,
      score: st.score,
      window: { minutes: sig.levelSettings.windowMinutes, observed: st.observed, expected: st.expected, z: st.z },
      lastHour: sig.total.recent(now, 60),
      categories,
      series: { from: h.from, stepMs: MIN, counts: h.counts, expected: h.expected, spread: h.spread },
      rejected: this.rejections(serviceId),
      categoryList: svc.cfg.categories,
    };
  }

  comments(opts: { status?: CommentStatus; serviceId?: string; limit?: number }): Promise<StoredComment[]> {
    return listComments(this.store.db, opts);
  }

  moderate(id: number, status: CommentStatus): Promise<boolean> {
    return setCommentStatus(this.store.db, id, status);
  }
}

export interface ReportsView {
  serviceId: string;
  serviceName: string;
  now: number;
  level: CrowdLevel;
  since: number;
  score: number;
  window: { minutes: number; observed: number; expected: number; z: number };
  lastHour: number;
  categories: { category: string; lastHour: number; level: CrowdLevel; score: number }[];
  series: { from: number; stepMs: number; counts: number[]; expected: number[]; spread: number[] };
  rejected: Record<string, number>;
  categoryList: string[];
}

function levelSettings(c: ServiceReportsConfig, falseAlarms: FalseAlarmRate): LevelSettings {
  return { windowMinutes: Math.max(1, Math.round(c.window / MIN)), holdMs: c.hold, coolMs: c.cool, minReports: c.min_reports, weight: c.weight, falseAlarms };
}
