import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { backoffCeilingMs, retryAtWith, retryDelayMs, RETRY_BASE_MS, RETRY_CAP_MS } from '../../../src/domain/retry-policy.ts';
import { nextRunAfter, type SyncJobOutcome } from '../../../src/domain/sync/schedule.ts';

const now = new Date('2025-03-01T10:00:00Z');
const pollMs = 60_000;
const transient = (retryAfterMs: number | null): SyncJobOutcome => ({
  status: 'retry',
  error: { code: 'server_error', message: '503' },
  retryAfterMs,
});
const delayOf = (at: Date | null) => (at === null ? null : at.getTime() - now.getTime());

describe('nextRunAfter', () => {
  it('ok: due again one poll interval later, failures reset', () => {
    const next = nextRunAfter({ status: 'ok' }, 5, { pollMs, random: () => 0.5, now });
    expect(next).toEqual({ at: new Date(now.getTime() + pollMs), failures: 0 });
  });

  it('stop: never due again by itself, the failure counted', () => {
    const next = nextRunAfter({ status: 'stop', error: { code: 'unauthorized', message: '401' } }, 2, { pollMs, random: () => 0.5, now });
    expect(next).toEqual({ at: null, failures: 3 });
  });

  it('retry: the first failure waits up to the 30 s base, the jitter deciding where', () => {
    expect(delayOf(nextRunAfter(transient(null), 0, { pollMs, random: () => 0, now }).at)).toBe(0);
    expect(delayOf(nextRunAfter(transient(null), 0, { pollMs, random: () => 0.5, now }).at)).toBe(15_000);
    expect(delayOf(nextRunAfter(transient(null), 0, { pollMs, random: () => 0.999999, now }).at)).toBe(29_999);
  });

  it('retry: the ceiling doubles per failure and stops at one hour', () => {
    expect([1, 2, 3, 4, 7, 8, 50, 5000].map((n) => backoffCeilingMs(n))).toEqual([
      30_000,
      60_000,
      120_000,
      240_000,
      1_920_000,
      RETRY_CAP_MS,
      RETRY_CAP_MS,
      RETRY_CAP_MS,
    ]);
    expect(delayOf(nextRunAfter(transient(null), 3, { pollMs, random: () => 0.5, now }).at)).toBe(120_000);
  });

  it('retry: never sooner than the server asked (Retry-After)', () => {
    const next = nextRunAfter(transient(90_000), 0, { pollMs, random: () => 0.1, now });
    expect(delayOf(next.at)).toBe(90_000);
    expect(next.failures).toBe(1);
  });

  it('retry: counts consecutive failures', () => {
    let failures = 0;
    for (let run = 0; run < 4; run++) failures = nextRunAfter(transient(null), failures, { pollMs, random: () => 0.5, now }).failures;
    expect(failures).toBe(4);
    expect(nextRunAfter({ status: 'ok' }, failures, { pollMs, random: () => 0.5, now }).failures).toBe(0);
  });

  it('property: a retry lands in [max(retryAfter, 0), max(retryAfter, base·2^n capped)]', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 200 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.option(fc.nat({ max: 2 * RETRY_CAP_MS }), { nil: null }),
        (failures, random, retryAfterMs) => {
          const next = nextRunAfter(transient(retryAfterMs), failures, { pollMs, random: () => random, now });
          const delay = delayOf(next.at);
          const ceiling = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.min(failures, 30));
          const floor = Math.min(retryAfterMs ?? 0, RETRY_CAP_MS);
          expect(next.failures).toBe(failures + 1);
          expect(delay).not.toBeNull();
          expect(delay!).toBeGreaterThanOrEqual(floor);
          expect(delay!).toBeLessThanOrEqual(Math.max(floor, ceiling));
          expect(Number.isInteger(delay)).toBe(true);
        },
      ),
    );
  });

  it('property: jitter spreads retries over the whole window, not a fixed point', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }), (failures) => {
        const at = (random: number) => delayOf(nextRunAfter(transient(null), failures, { pollMs, random: () => random, now }).at)!;
        const ceiling = backoffCeilingMs(failures + 1);
        expect(at(0)).toBe(0);
        expect(at(0.999999)).toBeGreaterThan(ceiling * 0.99);
        expect(at(0.25)).toBeLessThan(at(0.75));
      }),
    );
  });

  it('a random source out of [0, 1) cannot push the delay outside the window', () => {
    expect(delayOf(nextRunAfter(transient(null), 0, { pollMs, random: () => -3, now }).at)).toBe(0);
    expect(delayOf(nextRunAfter(transient(null), 0, { pollMs, random: () => 7, now }).at)).toBe(30_000);
    expect(delayOf(nextRunAfter(transient(null), 0, { pollMs, random: () => Number.NaN, now }).at)).toBe(0);
  });
});

describe('retryDelayMs / retryAtWith: the policy every sender uses (outbox dispatcher, e-mail, webhooks)', () => {
  it('jitters below a ceiling that doubles per attempt and is capped', () => {
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, null, () => 0.5))).toEqual([15_000, 30_000, 60_000, 120_000]);
    expect(retryDelayMs(50, null, () => 0.5)).toBe(RETRY_CAP_MS / 2);
    expect(retryDelayMs(3, null, () => 0.5, { baseMs: 1_000, capMs: 2_000 })).toBe(1_000);
  });

  it('never comes sooner than Retry-After, itself capped', () => {
    expect(retryDelayMs(1, 600_000, () => 0.5)).toBe(600_000);
    expect(retryDelayMs(1, 10 * RETRY_CAP_MS, () => 0.5)).toBe(RETRY_CAP_MS);
    expect(retryDelayMs(1, 5 * RETRY_CAP_MS, () => 0.5, { baseMs: RETRY_BASE_MS, capMs: 4 * RETRY_CAP_MS })).toBe(4 * RETRY_CAP_MS);
  });

  it('bound to a random source: the n-th attempt is due at now + delay, the server’s wish as a floor', () => {
    const retryAt = retryAtWith(() => 0.5);
    expect(retryAt(1, now).getTime() - now.getTime()).toBe(15_000);
    expect(retryAt(1, now, 90_000).getTime() - now.getTime()).toBe(90_000);
    expect(retryAt(2, now, null).getTime() - now.getTime()).toBe(30_000);
  });
});
