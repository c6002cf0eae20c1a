// Which times Vigie accepts and which it can show. Two ranges, for two jobs:
// - at the edge (admin API bodies and queries) a time must be a plausible one for a status page,
//   years 2000 to 2100, so a typo or a hostile value is refused with a 400 before it is stored;
// - when showing what is already stored, anything a JavaScript Date can hold is shown as it is, and
//   anything beyond (8.64e15 ms either side of 1970, NaN, Infinity) must be left out, because
//   `new Date(x).toISOString()` and Intl throw on it and one such row would take every page down.

/** 2000-01-01T00:00:00Z */
export const MIN_INPUT_TIME_MS = Date.UTC(2000, 0, 1);
/** 2100-01-01T00:00:00Z */
export const MAX_INPUT_TIME_MS = Date.UTC(2100, 0, 1);

export const INPUT_TIME_RANGE_TEXT = 'from 2000-01-01T00:00:00Z to 2100-01-01T00:00:00Z';

/** Accepted at the edge: an integer millisecond time within years 2000..2100. */
export function isInputTime(ms: number): boolean {
  return Number.isInteger(ms) && ms >= MIN_INPUT_TIME_MS && ms <= MAX_INPUT_TIME_MS;
}

/** The largest distance from the epoch a JavaScript Date can represent (ECMA-262 §21.4.1.1). */
const DATE_LIMIT_MS = 8.64e15;

/** A time a Date (and so toISOString, Intl) can represent. */
export function isShowableTime(ms: unknown): ms is number {
  return typeof ms === 'number' && Number.isFinite(ms) && Math.abs(ms) <= DATE_LIMIT_MS;
}

/** ISO 8601 of a stored time, or null when it cannot be one (never throws). */
export function isoOrNull(ms: number | null | undefined): string | null {
  return isShowableTime(ms) ? new Date(ms).toISOString() : null;
}
