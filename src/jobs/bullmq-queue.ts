import { DelayedError, Queue, Worker, type IRedisClient, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import { acquireLock, acquireSlot, whileHolding, type Lease } from './redis-leases.ts';
import { recordSyncOutcome, runSyncJob, type SyncJobDeps } from './run-sync-job.ts';
import { interruptAfterGrace, type SyncQueue } from './sync-queue.ts';
import type { Reachability } from '../store/reachability.ts';
import { reportToConsole, type ReportError, type SyncJob } from './sync-job.ts';

export const SYNC_QUEUE_NAME = 'tandem-sync';

export type BullMqRole = 'producer' | 'worker' | 'both';

export interface BullMqQueueOptions extends SyncJobDeps {
  redisUrl: string;
  /** producer: only enqueues (the web server); worker: only processes; both: a `tandem worker` that also schedules. */
  role: BullMqRole;
  /** Jobs this process runs at once. */
  concurrency: number;
  /** Syncs at once against one CalDAV host across ALL workers; unlimited when absent. */
  hostConcurrency?: number;
  /** Redis key prefix (tests use one per test). Default 'tandem'. */
  prefix?: string;
  /** How long a lease outlives a crashed holder; renewed every third of it. Default 30 s. */
  leaseTtlMs?: number;
  /** How long a job waits, delayed, when its host has no free slot. Default 1 s (jittered). */
  hostBusyDelayMs?: number;
  onError?: ReportError;
  /**
   * Told when Redis stops or starts answering; connection errors then go here instead of onError, so
   * an outage is reported once, not at every reconnect attempt. ioredis reconnects by itself.
   */
  redisHealth?: Reachability;
}

/** ioredis/BullMQ failures that mean "Redis is not there right now" (stopped, restarting, unreachable). */
export function isRedisUnavailable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (
    typeof code === 'string' &&
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)
  )
    return true;
  return typeof message === 'string' && /^(Connection is closed|Stream isn't writeable|getaddrinfo|connect ECONNREFUSED)/.test(message);
}

function withTimeout<T>(promise: Promise<T>, ms: number, fallback: T): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<T>((resolve) => {
    timer = setTimeout(() => resolve(fallback), ms);
  });
  return Promise.race([promise.catch(() => fallback), timeout]).finally(() => clearTimeout(timer));
}

type JobData = { kind: 'sync'; job: SyncJob } | { kind: 'dispatch' };
type JobName = JobData['kind'];

/**
 * The scale-out adapter: queue "tandem-sync" on Redis, processed by any number of workers.
 *
 * At most one sync of a calendar runs at a time across all workers, twice over:
 * - the job id is the calendar's (`sync-<id>`), so while a job is waiting, delayed or active a
 *   second add is a no-op; jobs are removed when they finish so the next tick can add them again;
 * - the processor takes a per-calendar Redis lock (SET NX PX, renewed, released by token) before
 *   syncing, because BullMQ can re-deliver a job it believes stalled (a worker whose event loop was
 *   blocked past the job lock) while the first delivery is still running.
 * Failures never retry inside BullMQ (attempts 1): every outcome goes through the backoff into
 * next_sync_at, so there is one retry policy and no hot loop.
 */
export function createBullMqQueue(options: BullMqQueueOptions): SyncQueue {
  const prefix = options.prefix ?? 'tandem';
  const leaseTtlMs = options.leaseTtlMs ?? 30_000;
  const hostBusyDelayMs = options.hostBusyDelayMs ?? 1_000;
  const reportError = options.onError ?? reportToConsole;
  const redisHealth = options.redisHealth;
  const onError: ReportError = (error, context) => {
    if (redisHealth && isRedisUnavailable(error)) redisHealth.failed(error);
    else reportError(error, context);
  };
  const watchRecovery = (client: Redis | IRedisClient): void => {
    client.on('ready', () => redisHealth?.succeeded());
  };
  // Aborted when a stop's grace period runs out: running syncs stop at their next batch boundary.
  let interrupt = new AbortController();
  const connection = { url: options.redisUrl };
  const keys = {
    calendar: (calendarId: string) => `${prefix}:${SYNC_QUEUE_NAME}:lock:calendar:${calendarId}`,
    dispatch: `${prefix}:${SYNC_QUEUE_NAME}:lock:dispatch`,
    host: (host: string) => `${prefix}:${SYNC_QUEUE_NAME}:hosts:${host}`,
  };

  const queue =
    options.role === 'worker'
      ? null
      : new Queue<JobData, void, JobName>(SYNC_QUEUE_NAME, {
          connection,
          prefix,
          defaultJobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: true },
        });
  queue?.on('error', (error) => onError(error, 'BullMQ queue'));
  // Fire-and-forget: a connection that fails is reported by the 'error' listener above, not here.
  void queue?.client.then(watchRecovery, () => undefined);

  let worker: Worker<JobData, void, JobName> | null = null;
  let redis: Redis | null = null;
  const pendingRecords = new Set<Promise<void>>();

  async function processSync(redis: Redis, job: Job<JobData, void, JobName>, data: SyncJob, token: string | undefined): Promise<void> {
    const lock = await acquireLock(redis, keys.calendar(data.calendarId), leaseTtlMs);
    // Held by another delivery of this calendar: that run records the outcome; this copy just ends.
    if (!lock) return;
    const leases: Lease[] = [lock];
    if (options.hostConcurrency !== undefined) {
      const slot = await acquireSlot(redis, keys.host(data.host), options.hostConcurrency, leaseTtlMs).catch(async (error: unknown) => {
        await lock.release().catch(() => undefined);
        throw error;
      });
      if (!slot) {
        await lock.release();
        // Park it (keeping its job id, so dedupe still holds) and let other hosts' jobs run meanwhile.
        await job.moveToDelayed(Date.now() + Math.round(hostBusyDelayMs * (0.5 + options.random())), token);
        throw new DelayedError();
      }
      leases.push(slot);
    }
    await whileHolding(leases, leaseTtlMs, () => runSyncJob(data, options, interrupt.signal), onError);
  }

  async function processDispatch(redis: Redis): Promise<void> {
    const lock = await acquireLock(redis, keys.dispatch, leaseTtlMs);
    if (!lock) return; // a dispatch is already running; it drains the outbox
    await whileHolding([lock], leaseTtlMs, () => options.work.dispatchOutbox(interrupt.signal), onError);
  }

  /** A job failed outside the work itself (recording threw, Redis hiccup): still back off. */
  function onFailed(job: Job<JobData, void, JobName> | undefined, error: Error): void {
    const data = job?.data;
    if (data?.kind !== 'sync') {
      onError(error, data ? 'dispatching the outbox' : 'a BullMQ job');
      return;
    }
    const outcome = { status: 'retry', error: { code: 'job_failed', message: error.message }, retryAfterMs: null } as const;
    const recording = recordSyncOutcome(data.job, outcome, options).catch((recordError: unknown) =>
      onError(recordError, `recording the failed sync of calendar ${data.job.calendarId}`),
    );
    pendingRecords.add(recording);
    // Fire-and-forget: `recording` already sent its error to onError; stop() awaits pendingRecords.
    void recording.finally(() => pendingRecords.delete(recording));
  }

  function producer(): Queue<JobData, void, JobName> {
    if (!queue) throw new Error(`a BullMQ queue with role '${options.role}' cannot enqueue`);
    return queue;
  }

  return {
    async enqueueSync(job) {
      await producer().add('sync', { kind: 'sync', job }, { jobId: `sync-${job.calendarId}` });
    },
    async enqueueDispatch() {
      await producer().add('dispatch', { kind: 'dispatch' }, { jobId: 'dispatch' });
    },
    async depth() {
      const counts = await producer().getJobCounts('waiting', 'delayed', 'prioritized', 'active');
      return { waiting: (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0), running: counts.active ?? 0 };
    },
    async start() {
      if (options.role === 'producer' || worker) return;
      if (interrupt.signal.aborted) interrupt = new AbortController();
      const leaseRedis = new Redis(options.redisUrl);
      leaseRedis.on('error', (error) => onError(error, 'Redis (leases)'));
      watchRecovery(leaseRedis);
      redis = leaseRedis;
      worker = new Worker<JobData, void, JobName>(
        SYNC_QUEUE_NAME,
        async (job, token) => (job.data.kind === 'sync' ? processSync(leaseRedis, job, job.data.job, token) : processDispatch(leaseRedis)),
        // A worker that dies mid-job is noticed within ~10-20 s (BullMQ's defaults take up to a minute):
        // its calendar resumes sooner. A job re-delivered by mistake is harmless — the per-calendar
        // Redis lock keeps a second sync of the same calendar from running.
        { connection, prefix, concurrency: options.concurrency, lockDuration: 20_000, stalledInterval: 10_000 },
      );
      worker.on('error', (error) => onError(error, 'BullMQ worker'));
      worker.on('failed', onFailed);
      await worker.waitUntilReady();
    },
    async stop(stopOptions = {}) {
      // Worker.close waits for the active jobs; only then are their leases and records settled.
      // Past the grace period they are interrupted at their next batch boundary and end normally:
      // leases released, job removed, calendar due at once — the next worker need not wait for expiry.
      const cancelGrace = interruptAfterGrace(interrupt, stopOptions);
      try {
        await worker?.close();
      } finally {
        cancelGrace();
      }
      worker = null;
      while (pendingRecords.size > 0) await Promise.allSettled([...pendingRecords]);
      await queue?.close();
      // QUIT would wait for a Redis that is not there; without one there is nothing to say goodbye to.
      if (redisHealth && !redisHealth.up) redis?.disconnect();
      else await redis?.quit();
      redis = null;
    },
    /** ioredis leaves 'ready' as soon as its socket closes, so the status answers without waiting on a dead server. */
    async ping(timeoutMs = 2_000) {
      const client: Redis | IRedisClient | null = queue ? await withTimeout<IRedisClient | null>(queue.client, timeoutMs, null) : redis;
      return client?.status === 'ready';
    },
  };
}
