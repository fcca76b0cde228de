import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { acquireLock, acquireSlot, whileHolding } from '../../../src/jobs/redis-leases.ts';
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

    // A holder whose lease expired and was taken over must not free the new holder's lock.
    await redis.set(k, 'someone-else', 'PX', 10_000);
    await first!.release();
    expect(await redis.get(k)).toBe('someone-else');
    expect(await first!.renew()).toBe(false);

    await redis.del(k);
    const second = await acquireLock(redis, k, 10_000);
    expect(second).not.toBeNull();
    await second!.release();
    expect(await redis.exists(k)).toBe(0);
  });

  it('renewing extends the lock; an unrenewed lock expires by itself', async () => {
    const k = key('ttl');
    const lease = await acquireLock(redis, k, 200);
    expect(await lease!.renew()).toBe(true);
    expect(await redis.pttl(k)).toBeGreaterThan(100);
    await waitFor(async () => (await redis.exists(k)) === 0, 'the lock to expire', 5_000);
    expect(await acquireLock(redis, k, 10_000)).not.toBeNull();
  });

  it('a semaphore grants `limit` slots, frees one on release, and reclaims expired ones', async () => {
    const k = key('slots');
    const a = await acquireSlot(redis, k, 2, 10_000);
    const b = await acquireSlot(redis, k, 2, 300);
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(await acquireSlot(redis, k, 2, 10_000)).toBeNull();

    await a!.release();
    const c = await acquireSlot(redis, k, 2, 10_000);
    expect(c).not.toBeNull();
    expect(await acquireSlot(redis, k, 2, 10_000)).toBeNull();

    // b was never renewed: once its 300 ms are up, its slot goes to the next asker.
    const d = await waitFor(async () => (await acquireSlot(redis, k, 2, 10_000)) ?? false, 'the expired slot to be reclaimed', 5_000);
    expect(await b!.renew()).toBe(false);
    await Promise.all([c!.release(), d.release()]);
    expect(await redis.zcard(k)).toBe(0);
  });

  it('whileHolding keeps leases alive past their ttl while the work runs, then releases them', async () => {
    const lockKey = key('held-lock');
    const slotKey = key('held-slot');
    const lock = await acquireLock(redis, lockKey, 150);
    const slot = await acquireSlot(redis, slotKey, 1, 150);
    const errors: unknown[] = [];
    let finish: () => void = () => undefined;
    const work = new Promise<string>((resolve) => {
      finish = () => resolve('done');
    });

    // Count renewals, so the test can wait for time to pass as a condition: by the 6th renewal (one
    // every 50 ms) both leases are well past their 150 ms ttl and only renewing kept them.
    let renewals = 0;
    const counted = [lock!, slot!].map((lease) => ({ ...lease, renew: () => ((renewals += 1), lease.renew()) }));
    const running = whileHolding(counted, 150, () => work, (error) => errors.push(error));
    await waitFor(async () => renewals >= 12, 'six rounds of renewals');
    expect(await redis.get(lockKey)).toBe(lock!.token);
    expect(await acquireSlot(redis, slotKey, 1, 10_000)).toBeNull();

    finish();
    expect(await running).toBe('done');
    expect(await redis.exists(lockKey)).toBe(0);
    expect(await redis.zcard(slotKey)).toBe(0);
    expect(errors).toEqual([]);
  });
});
