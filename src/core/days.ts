// Calendar days in a time zone: the history's days are UTC unless the config names another zone.
// Intl gives a zone's offset at an instant; local midnight is found from it, so days around a
// daylight-saving change are 23 or 25 hours long, as people live them.
const formatters = new Map<string, Intl.DateTimeFormat>();
function parts(tz: string, ms: number): { y: number; m: number; d: number; h: number; mi: number; s: number } {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(tz, f);
  }
  const p: Record<string, number> = {};
  for (const x of f.formatToParts(ms)) if (x.type !== 'literal') p[x.type] = Number(x.value);
  return { y: p.year!, m: p.month!, d: p.day!, h: p.hour! % 24, mi: p.minute!, s: p.second! };
}

/** Whether Intl knows the zone. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** The zone's offset from UTC at an instant, ms (east positive). */
export function offsetAt(tz: string, ms: number): number {
  if (tz === 'UTC') return 0;
  const p = parts(tz, ms);
  return Date.UTC(p.y, p.m - 1, p.d, p.h, p.mi, p.s) - Math.floor(ms / 1000) * 1000;
}

/** The local calendar date of an instant. */
export function localDate(tz: string, ms: number): { y: number; m: number; d: number } {
  if (tz === 'UTC') {
    const t = new Date(ms);
    return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
  }
  const p = parts(tz, ms);
  return { y: p.y, m: p.m, d: p.d };
}

/** The instant local midnight starts that date (month and day may overflow, as Date.UTC allows). */
export function midnight(tz: string, y: number, m: number, d: number): number {
  const guess = Date.UTC(y, m - 1, d);
  if (tz === 'UTC') return guess;
  const first = guess - offsetAt(tz, guess);
  return guess - offsetAt(tz, first);
}

/** Start of the local day holding `ms`. */
export function dayStart(tz: string, ms: number): number {
  const { y, m, d } = localDate(tz, ms);
  return midnight(tz, y, m, d);
}

/** Start of the local month holding `ms`. */
export function monthStart(tz: string, ms: number): number {
  const { y, m } = localDate(tz, ms);
  return midnight(tz, y, m, 1);
}

/** "2024-12-11": the local date of an instant. */
export function isoDate(tz: string, ms: number): string {
  const { y, m, d } = localDate(tz, ms);
  return `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/** The local days from the first of the month eleven months before `now`'s through `now`'s day. */
export function lastTwelveMonths(tz: string, now: number): { date: string; start: number; end: number }[] {
  const { y, m, d } = localDate(tz, now);
  const out: { date: string; start: number; end: number }[] = [];
  for (let i = 0; ; i++) {
    // Day i after the first of the month 11 months back; Date.UTC normalises the overflow.
    const base = new Date(Date.UTC(y, m - 1 - 11, 1 + i));
    const start = midnight(tz, base.getUTCFullYear(), base.getUTCMonth() + 1, base.getUTCDate());
    const end = midnight(tz, base.getUTCFullYear(), base.getUTCMonth() + 1, base.getUTCDate() + 1);
    out.push({ date: base.toISOString().slice(0, 10), start, end });
    if (base.getUTCFullYear() === y && base.getUTCMonth() + 1 === m && base.getUTCDate() === d) break;
  }
  return out;
}
