import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ReportError } from './sync-job.ts';

/**
 * Leases in Redis: a mutual-exclusion lock per key, and a counting semaphore (N slots per key).
 * Both expire on their own (a crashed worker cannot hold them forever), are renewed while the work
 * runs, and are released by token, so a holder whose lease expired never frees someone else's.
 */
export interface Lease {
  readonly key: string;
  readonly token: string;
  /** Extends the lease; false when it was lost (expired and possibly taken by another holder). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

const RENEW_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

const RELEASE_LOCK = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** SET key token NX PX ttl: null when someone else holds the key. */
export async function acquireLock(redis: Redis, key: string, ttlMs: number): Promise<Lease | null> {
  const token = randomUUID();
  const answer = await redis.set(key, token, 'PX', ttlMs, 'NX');
  if (answer !== 'OK') return null;
  return {
    key,
    token,
    renew: async () => Number(await redis.eval(RENEW_LOCK, 1, key, token, ttlMs)) === 1,
    release: async () => {
      await redis.eval(RELEASE_LOCK, 1, key, token);
    },
  };
}

// The semaphore is a sorted set: member = holder token, score = expiry on the *Redis* clock (TIME),
// so clock skew between worker machines cannot make a slot look expired early.
const NOW_MS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)`;

const ACQUIRE_SLOT = `${NOW_MS}
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[3]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1`;

const RENEW_SLOT = `${NOW_MS}
local expiry = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not expiry then return 0 end
if tonumber(expiry) <= now then
  redis.call('ZREM', KEYS[1], ARGV[1])
  return 0
end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/** One of `limit` slots under `key`: null when all are taken. */
export async function acquireSlot(redis: Redis, key: string, limit: number, ttlMs: number): Promise<Lease | null> {
  const token = randomUUID();
  const granted = Number(await redis.eval(ACQUIRE_SLOT, 1, key, token, limit, ttlMs)) === 1;
  if (!granted) return null;
  return {
    key,
    token,
    renew: async () => Number(await redis.eval(RENEW_SLOT, 1, key, token, ttlMs)) === 1,
    release: async () => {
      await redis.zrem(key, token);
    },
  };
}

/**
 * Runs `fn` while renewing the leases every ttl/3, then releases them. Work cannot be cancelled
 * half-way, so a lost lease is reported, not acted on; release failures are harmless (the lease
 * expires by itself) and never mask fn's own result.
 */
export async function whileHolding<T>(leases: readonly Lease[], ttlMs: number, fn: () => Promise<T>, onError: ReportError): Promise<T> {
  let done = false;
  const renewAll = () => {
    for (const lease of leases) {
      lease.renew().then(
        (held) => {
          if (!held && !done) onError(new Error(`lease ${lease.key} was lost while its work was running`), 'renewing a lease');
        },
        (error: unknown) => onError(error, `renewing lease ${lease.key}`),
      );
    }
  };
  const timer = setInterval(renewAll, Math.max(Math.floor(ttlMs / 3), 10));
  try {
    return await fn();
  } finally {
    done = true;
    clearInterval(timer);
    const released = await Promise.allSettled(leases.map((lease) => lease.release()));
    for (const result of released) if (result.status === 'rejected') onError(result.reason, 'releasing a lease');
  }
}
