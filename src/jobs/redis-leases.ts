import type { Redis } from 'ioredis';
import { Mutex, Semaphore } from 'redis-semaphore';
import type { ReportError } from './sync-job.ts';

/**
 * Leases in Redis: a mutual-exclusion lock per key, and a counting semaphore (N slots per key).
 * Both expire on their own (a crashed worker cannot hold them forever), are renewed while the work
 * runs, and are released by token, so a holder whose lease expired never frees someone else's.
 */
export interface Lease {
  /** The Redis key the lease lives under. */
  readonly key: string;
  readonly token: string;
  /** Extends the lease; false when it was lost (expired and possibly taken by another holder). */
  renew(): Promise<boolean>;
  release(): Promise<void>;
}

/**
 * redis-semaphore's Mutex (SET NX PX; renew and release are Lua compare-by-token) and Semaphore (a
 * sorted set of holder tokens scored by when each last renewed). The library's own renewal timer is
 * off (`refreshInterval: 0`): `whileHolding` renews every lease it runs under, and reports a lost one
 * instead of the library's default of throwing from a timer. One attempt, no waiting: a busy lease is
 * `null` and the caller decides when to ask again.
 */
const ONE_ATTEMPT = { acquireAttemptsLimit: 1, retryInterval: 0, refreshInterval: 0 } as const;

/** The library's renewal is protected; a lease exposes it. */
class RenewableMutex extends Mutex {
  renew(): Promise<boolean> {
    return this._refresh();
  }
}

class RenewableSemaphore extends Semaphore {
  renew(): Promise<boolean> {
    return this._refresh();
  }
}

/** The Redis key a lock named `name` lives under (redis-semaphore prefixes its keys). */
export function lockKey(name: string): string {
  return `mutex:${name}`;
}

/** The Redis key (a sorted set) of the semaphore named `name`. */
export function slotKey(name: string): string {
  return `semaphore:${name}`;
}

function leaseOf(key: string, lock: RenewableMutex): Lease {
  return { key, token: lock.identifier, renew: () => lock.renew(), release: () => lock.release() };
}

/** The lock named `name`, held until `ttlMs` passes unrenewed: null when someone else holds it. */
export async function acquireLock(redis: Redis, name: string, ttlMs: number): Promise<Lease | null> {
  const lock = new RenewableMutex(redis, name, { ...ONE_ATTEMPT, lockTimeout: ttlMs });
  return (await lock.tryAcquire()) ? leaseOf(lockKey(name), lock) : null;
}

/**
 * One of `limit` slots of the semaphore named `name`: null when all are taken. A slot unrenewed for
 * `ttlMs` is reclaimed by the next asker. Expiry is judged by the asker's clock (the library scores with
 * `Date.now()`), so worker clocks must agree to well within ttl − renewal interval (decision 0018).
 */
export async function acquireSlot(redis: Redis, name: string, limit: number, ttlMs: number): Promise<Lease | null> {
  const slot = new RenewableSemaphore(redis, name, limit, { ...ONE_ATTEMPT, lockTimeout: ttlMs });
  return (await slot.tryAcquire()) ? leaseOf(slotKey(name), slot) : null;
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
