import type { NextRun, SyncJobOutcome } from '../domain/sync/schedule.ts';

/**
 * When a calendar is next due, given how its sync ended. Pure: time and randomness come in.
 *
 * Retries use exponential backoff with *full jitter* (delay uniform in [0, base·2^(n-1)], capped):
 * after an iCloud outage every calendar fails at once, and jitter spreads their retries instead of
 * hammering the recovering server in lockstep. A server's Retry-After is a floor, itself capped so a
 * bogus header cannot park a calendar for days.
 */

export const RETRY_BASE_MS = 30_000;
export const RETRY_CAP_MS = 60 * 60_000;
/** A halted calendar (refused answer, blocked address) is looked at again this often: its data may have changed. */
export const HALT_RECHECK_MS = 24 * 60 * 60_000;

export interface BackoffOptions {
  pollMs: number;
  /** Uniform in [0, 1), like Math.random. */
  random: () => number;
  now: Date;
  baseMs?: number;
  capMs?: number;
}

/** The backoff ceiling for the n-th consecutive failure (n ≥ 1): base·2^(n-1), capped. */
export function backoffCeilingMs(failures: number, baseMs = RETRY_BASE_MS, capMs = RETRY_CAP_MS): number {
  const exponent = Math.min(Math.max(failures - 1, 0), 30); // 2^30·base is far past any cap
  return Math.min(capMs, baseMs * 2 ** exponent);
}

export function nextRunAfter(outcome: SyncJobOutcome, failures: number, options: BackoffOptions): NextRun {
  const { now } = options;
  switch (outcome.status) {
    case 'ok':
      return { at: new Date(now.getTime() + options.pollMs), failures: 0 };
    case 'stop':
      return { at: null, failures: failures + 1 };
    case 'halt':
      return { at: new Date(now.getTime() + HALT_RECHECK_MS), failures: failures + 1 };
    case 'retry': {
      const count = failures + 1;
      const capMs = options.capMs ?? RETRY_CAP_MS;
      const ceiling = backoffCeilingMs(count, options.baseMs ?? RETRY_BASE_MS, capMs);
      const jittered = Math.floor(clampUnit(options.random()) * ceiling);
      const floor = Math.min(Math.max(outcome.retryAfterMs ?? 0, 0), capMs);
      return { at: new Date(now.getTime() + Math.max(jittered, floor)), failures: count };
    }
  }
}

/** A misbehaving random source must not push the delay outside [0, ceiling). */
function clampUnit(value: number): number {
  if (!Number.isFinite(value) || value < 0) return 0;
  return Math.min(value, 1);
}
