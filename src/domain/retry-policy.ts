import { HOUR_MS, SECOND_MS } from './time.ts';

/**
 * The one retry policy of every background sender (decision 0006): the scheduler's calendar syncs,
 * the calendar outbox dispatcher, the e-mail sender and the webhook sender. Pure: the random source
 * comes in, so tests that need exact times inject one.
 *
 * Exponential backoff with *full jitter* (delay uniform in [0, base·2^(n-1)], capped): after an
 * iCloud or mail-server outage every row fails at once, and jitter spreads their retries instead of
 * hammering the recovering server in lockstep. A server's Retry-After is a floor, itself capped so a
 * bogus header cannot park work for days.
 */

export interface RetryLimits {
  baseMs: number;
  capMs: number;
}

export const RETRY_BASE_MS = 30 * SECOND_MS;
export const RETRY_CAP_MS = HOUR_MS;
export const DEFAULT_RETRY: RetryLimits = { baseMs: RETRY_BASE_MS, capMs: RETRY_CAP_MS };

/** When the `attempt`-th consecutive failure (≥ 1) may be tried again; `retryAfterMs` is the server's wish, if any. */
export type RetryAt = (attempt: number, now: Date, retryAfterMs?: number | null) => Date;

/** The backoff ceiling for the n-th consecutive failure (n ≥ 1): base·2^(n-1), capped. */
export function backoffCeilingMs(failures: number, limits: RetryLimits = DEFAULT_RETRY): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30); // 2^30·base is far past any cap
  return Math.min(limits.capMs, limits.baseMs * 2 ** exponent);
}

/** How long to wait after the `attempt`-th consecutive failure: jittered below the ceiling, never below Retry-After. */
export function retryDelayMs(
  attempt: number,
  retryAfterMs: number | null,
  random: () => number,
  limits: RetryLimits = DEFAULT_RETRY,
): number {
  const jittered = Math.floor(clampUnit(random()) * backoffCeilingMs(attempt, limits));
  const floor = Math.min(Math.max(retryAfterMs ?? 0, 0), limits.capMs);
  return Math.max(jittered, floor);
}

/** The policy bound to a random source and limits, as the senders take it. */
export function retryAtWith(random: () => number, limits: RetryLimits = DEFAULT_RETRY): RetryAt {
  return (attempt, now, retryAfterMs = null) => new Date(now.getTime() + retryDelayMs(attempt, retryAfterMs, random, limits));
}

/**
 * Retry-After is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Anything else is
 * ignored rather than guessed at: the caller's own backoff then applies.
 */
export function parseRetryAfter(value: string | null, now: Date = new Date()): number | null {
  if (value === null) return null;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Only accept something that names a date: Date.parse also accepts bare numbers like "-5".
  if (!/[a-z]/i.test(trimmed)) return null;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return null;
  return Math.max(0, at - now.getTime());
}

/** A misbehaving random source must not push the delay outside [0, ceiling]. */
function clampUnit(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return Math.min(value, 1);
}
