import type { Config } from '../config.ts';
import { createBullMqQueue } from './bullmq-queue.ts';
import type { SyncQueue } from './sync-queue.ts';
import type { ScheduleStore } from '../domain/sync/schedule.ts';
import { createScheduler } from './scheduler.ts';
import { reportToConsole, type ReportError, type SyncWork } from './sync-job.ts';
import { reportingOutagesOnce, type JobsHealth } from './outage-reporting.ts';

export interface RunWorkerOptions {
  redisUrl: string;
  work: SyncWork;
  store: ScheduleStore;
  config: Pick<Config, 'sync'> & Partial<Pick<Config, 'redisPrefix'>>;
  /** Jobs this process runs at once. Default: the configured workerConcurrency (SYNC_WORKER_CONCURRENCY). */
  concurrency?: number;
  /** Resolves when the worker should drain and return (`tandem worker`: the first SIGTERM/SIGINT, shutdown-signal.ts). */
  until: Promise<unknown>;
  /** Redis key prefix; default config.redisPrefix, else 'tandem'. */
  prefix?: string;
  onError?: ReportError;
  /** Database and Redis reachability: their outages are reported there once, not per failed job. */
  health?: JobsHealth;
  /** After the stop signal, how long running syncs may go on before they are interrupted (default: until done). */
  graceMs?: number;
  /** Told when the grace period is over and running syncs are interrupted (the operator's log says so). */
  onInterrupt?: () => void;
  /** The queue's depth, for the worker's queue-depth metric (METRICS_PORT). */
  onQueue?: (queue: Pick<SyncQueue, 'depth'>) => void;
}

/** How often the scheduler looks for due calendars: often enough that "due" means "soon". */
/** Faster polling after a change (issue 12.6, domain/sync/poll-schedule.ts), from the configuration. */
export function fastPollOf(sync: { fastPollSeconds: number; fastPollForSeconds: number }): { intervalMs: number; forMs: number } {
  return { intervalMs: sync.fastPollSeconds * 1000, forMs: sync.fastPollForSeconds * 1000 };
}

export function schedulerIntervalMs(pollSeconds: number): number {
  return Math.min(5_000, pollSeconds * 1000);
}

/**
 * `tandem worker`: processes sync jobs from Redis until told to stop, then drains (running jobs
 * finish and record their outcome; queued ones stay in Redis for the other workers). With the
 * scheduler on it also enqueues due calendars — safe in every worker at once, thanks to dedupe.
 */
export async function runWorker(options: RunWorkerOptions): Promise<void> {
  const { sync } = options.config;
  const onError = reportingOutagesOnce(options.onError ?? reportToConsole, options.health ?? {});
  const now = () => new Date();
  const pollMs = sync.pollSeconds * 1000;
  const prefix = options.prefix ?? options.config.redisPrefix;
  const queue = createBullMqQueue({
    redisUrl: options.redisUrl,
    role: sync.scheduler ? 'both' : 'worker',
    work: options.work,
    store: options.store,
    concurrency: options.concurrency ?? sync.workerConcurrency,
    hostConcurrency: sync.hostConcurrency,
    pollMs,
    fastPoll: fastPollOf(sync),
    random: Math.random,
    now,
    onError,
    ...(prefix === undefined ? {} : { prefix }),
    ...(options.health?.redis && { redisHealth: options.health.redis }),
  });
  options.onQueue?.(queue);
  const scheduler = sync.scheduler
    ? createScheduler({ store: options.store, queue, intervalMs: schedulerIntervalMs(sync.pollSeconds), now, onError })
    : null;

  try {
    await queue.start();
    scheduler?.start();
    await options.until;
  } finally {
    await scheduler?.stop();
    await queue.stop({
      ...(options.graceMs !== undefined && { graceMs: options.graceMs }),
      ...(options.onInterrupt && { onInterrupt: options.onInterrupt }),
    });
  }
}
