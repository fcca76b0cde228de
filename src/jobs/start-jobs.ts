import type { Config } from '../config.ts';
import { createBullMqQueue } from './bullmq-queue.ts';
import { createInProcessQueue } from './in-process-queue.ts';
import { fastPollOf, schedulerIntervalMs } from './run-worker.ts';
import type { ScheduleStore } from '../domain/sync/schedule.ts';
import { createScheduler } from './scheduler.ts';
import type { SyncQueue } from './sync-queue.ts';
import { reportToConsole, type ReportError, type SyncWork } from './sync-job.ts';
import { reportingOutagesOnce, type JobsHealth } from './outage-reporting.ts';

export interface StartJobsOptions {
  config: Pick<Config, 'redisUrl' | 'sync'> & Partial<Pick<Config, 'redisPrefix'>>;
  work: SyncWork;
  store: ScheduleStore;
  /** Redis key prefix (tests); default config.redisPrefix, else 'tandem'. */
  prefix?: string;
  onError?: ReportError;
  /** Database and Redis reachability: their outages are reported there once, not per failed tick. */
  health?: JobsHealth;
}

export interface Jobs {
  queue: SyncQueue;
  /** "Sync now": due at once and enqueued right away. False when there is no such calendar. */
  syncNow(calendarId: string): Promise<boolean>;
  /** After an appointment change: push the outbox without waiting for the next tick. */
  dispatchSoon(): Promise<void>;
  /** Stops the scheduler, then drains the queue (interrupting what still runs after `graceMs`). */
  stop(options?: { graceMs?: number }): Promise<void>;
  /** Redis reachability for /readyz; absent without REDIS_URL. */
  ping?(timeoutMs?: number): Promise<boolean>;
  /** After a calendar configuration change (calendars newly due): enqueue them now, not at the next tick. */
  wake(): Promise<void>;
}

/**
 * The jobs of `tandem serve`: without REDIS_URL an in-process queue that does the work here; with
 * it, a producer that leaves the work to `tandem worker` processes. Either way this process runs
 * the scheduler unless SCHEDULER=off.
 */
export async function startJobs(options: StartJobsOptions): Promise<Jobs> {
  const { config, work, store } = options;
  const onError = reportingOutagesOnce(options.onError ?? reportToConsole, options.health ?? {});
  const now = () => new Date();
  const common = {
    work,
    store,
    pollMs: config.sync.pollSeconds * 1000,
    fastPoll: fastPollOf(config.sync),
    random: Math.random,
    now,
    onError,
  };
  const redisHealth = options.health?.redis;
  const prefix = options.prefix ?? config.redisPrefix;
  const queue = config.redisUrl
    ? createBullMqQueue({
        ...common,
        redisUrl: config.redisUrl,
        role: 'producer',
        concurrency: 1,
        ...(prefix === undefined ? {} : { prefix }),
        ...(redisHealth && { redisHealth }),
      })
    : createInProcessQueue({ ...common, hostConcurrency: config.sync.hostConcurrency });
  const scheduler = createScheduler({ store, queue, intervalMs: schedulerIntervalMs(config.sync.pollSeconds), now, onError });
  await queue.start();
  if (config.sync.scheduler) scheduler.start();
  return {
    queue,
    async syncNow(calendarId) {
      if (!(await store.markDue(calendarId, now()))) return false;
      await scheduler.tick();
      return true;
    },
    dispatchSoon: () => queue.enqueueDispatch(),
    async wake() {
      // SCHEDULER=off: this process does not schedule; the scheduling processes' next tick finds the calendars.
      if (config.sync.scheduler) await scheduler.tick();
    },
    async stop(stopOptions = {}) {
      await scheduler.stop();
      await queue.stop(stopOptions);
    },
    ...(queue.ping && { ping: queue.ping.bind(queue) }),
  };
}
