import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inject } from 'vitest';
import { acquireLock, acquireSlot, lockKey, slotKey, whileHolding } from '../../../src/jobs/redis-leases.ts';
import { waitFor } from '../../support/wait-for.ts';

describe('Redis leases (real Redis)', () => {
  let redis: Redis;
  const key = (name: string) => `test-leases:${randomUUID()}:${name}`;

  beforeAll(() => {
    redis = new Redis(inject('redisUrl'));
  });
  afterAll(async () => {
    await redis.quit();
  });

  it('a lock has one holder; release by a stale token frees nothing', async () => {
    const k = key('lock');
    const first = await acquireLock(redis, k, 10_000);
    expect(first).not.toBeNull();
    expect(await acquireLock(redis, k, 10_000)).toBeNull();

    expect(first!.key).toBe(lockKey(k));
    expect(await redis.get(first!.key)).toBe(first!.token);

    // A holder whose lease expired and was taken over must not free the new holder's lock.
    await redis.set(first!.key, 'someone-else', 'PX', 10_000);
    await first!.release();
    expect(await redis.get(first!.key)).toBe('someone-else');
    expect(await first!.renew()).toBe(false);

    await redis.del(first!.key);
    const second = await acquireLock(redis, k, 10_000);
    expect(second).not.toBeNull();
    await second!.release();
    expect(await redis.exists(second!.key)).toBe(0);
  });

  it('renewing extends the lock; an unrenewed lock expires by itself', async () => {
    const k = key('ttl');
    const lease = await acquireLock(redis, k, 10_000);
    // The lock is about to run out (as if most of its ttl had passed); renewing gives it its full ttl
    // again. No wall-clock margin to lose on a loaded machine: 1 s left vs. ~10 s after renewing.
    await redis.pexpire(lease!.key, 1_000);
    expect(await lease!.renew()).toBe(true);
    expect(await redis.pttl(lease!.key)).toBeGreaterThan(1_000);
    const short = key('ttl-unrenewed');
    expect(await acquireLock(redis, short, 200)).not.toBeNull();
    await waitFor(async () => (await redis.exists(lockKey(short))) === 0, 'the lock to expire');
    expect(await acquireLock(redis, short, 10_000)).not.toBeNull();
  });

  it('a semaphore grants `limit` slots, frees one on release, and reclaims expired ones', async () => {
    const k = key('slots');
    const a = await acquireSlot(redis, k, 2, 10_000);
    const b = await acquireSlot(redis, k, 2, 10_000);
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(await acquireSlot(redis, k, 2, 10_000)).toBeNull();

    await a!.release();
    const c = await acquireSlot(redis, k, 2, 10_000);
    expect(c).not.toBeNull();
    expect(await acquireSlot(redis, k, 2, 10_000)).toBeNull();

    // b's holder died and never renewed: its last renewal (the score) falls more than a ttl behind — set
    // in the past here rather than waited for, so a slow machine cannot expire it before the checks
    // above — and its slot goes to the next asker.
    expect(b!.key).toBe(slotKey(k));
    expect(await redis.zadd(b!.key, 'XX', 'CH', 1, b!.token)).toBe(1);
    const d = await waitFor(async () => (await acquireSlot(redis, k, 2, 10_000)) ?? false, 'the expired slot to be reclaimed');
    expect(await b!.renew()).toBe(false);
    await Promise.all([c!.release(), d.release()]);
    expect(await redis.zcard(slotKey(k))).toBe(0);
  });

  it("a slot's expiry is judged by the asker's clock: small skew is tolerated, skew past the ttl is not", async () => {
    const k = key('skew');
    const held = await acquireSlot(redis, k, 1, 10_000);
    expect(held).not.toBeNull();
    const realNow = Date.now.bind(Date);
    const askAhead = async (aheadMs: number) => {
      const clock = vi.spyOn(Date, 'now').mockImplementation(() => realNow() + aheadMs);
      try {
        return await acquireSlot(redis, k, 1, 10_000);
      } finally {
        clock.mockRestore();
      }
    };
    // A worker whose clock runs 5 s ahead still sees the slot held (renewed < ttl ago by its clock)...
    expect(await askAhead(5_000)).toBeNull();
    // ...but one more than a ttl ahead takes it: worker clocks must agree (NTP), decision 0018.
    const taken = await askAhead(11_000);
    expect(taken).not.toBeNull();
    expect(await held!.renew()).toBe(false);
    await taken!.release();
  });

  it('whileHolding keeps leases alive past their ttl while the work runs, then releases them', async () => {
    const lockName = key('held-lock');
    const slotName = key('held-slot');
    // A ttl short enough to outlive several times in a test, long enough that a loaded machine
    // (renewal every ttl/3) does not lose it: a lease is lost only if renewing stalls for a whole second.
    const ttlMs = 1_500;
    const lock = await acquireLock(redis, lockName, ttlMs);
    const slot = await acquireSlot(redis, slotName, 1, ttlMs);
    const errors: unknown[] = [];
    let finish: () => void = () => undefined;
    const work = new Promise<string>((resolve) => {
      finish = () => resolve('done');
    });

    // Count renewals, so the test can wait for time to pass as a condition: by the 5th round (one
    // every 500 ms) both leases are well past their 1.5 s ttl and only renewing kept them.
    let renewals = 0;
    const counted = [lock!, slot!].map((lease) => ({ ...lease, renew: () => ((renewals += 1), lease.renew()) }));
    const running = whileHolding(
      counted,
      ttlMs,
      () => work,
      (error) => errors.push(error),
    );
    await waitFor(async () => renewals >= 10, 'five rounds of renewals');
    expect(await redis.get(lock!.key)).toBe(lock!.token);
    expect(await acquireSlot(redis, slotName, 1, 10_000)).toBeNull();

    finish();
    expect(await running).toBe('done');
    expect(await redis.exists(lock!.key)).toBe(0);
    expect(await redis.zcard(slot!.key)).toBe(0);
    expect(errors).toEqual([]);
  });
});
