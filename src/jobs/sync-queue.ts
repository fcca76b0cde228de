import type { SyncJob } from './sync-job.ts';

/**
 * The queue port: the in-process adapter (embedded default) and the BullMQ adapter (REDIS_URL)
 * both implement it, so the scheduler and "Sync now" never know which one runs.
 */
export interface SyncQueue {
  /** Deduplicated: a calendar already queued or running is not queued again (the call is a no-op). */
  enqueueSync(job: SyncJob): Promise<void>;
  /** Deduplicated the same way: at most one outbox dispatch queued or running. */
  enqueueDispatch(): Promise<void>;
  /** Sync jobs waiting (queued or delayed) and running, for the queue-depth metric. */
  depth(): Promise<{ waiting: number; running: number }>;
  start(): Promise<void>;
  /**
   * Takes no new work and resolves once the jobs already running have ended. With `graceMs`, jobs
   * still running after it are interrupted at their next safe point (their leases and claims given
   * back), so a restart is never held up by a long import.
   */
  stop(options?: StopOptions): Promise<void>;
  /** Whether the queue's backing service answers (Redis for BullMQ); absent for the in-process queue. */
  ping?(timeoutMs?: number): Promise<boolean>;
}

export interface StopOptions {
  graceMs?: number;
  /** Told when the grace period is over and running jobs are interrupted. */
  onInterrupt?: () => void;
}

/**
 * Both queues' grace period: after `graceMs` the running jobs' signal is aborted (they stop at their
 * next batch boundary) and `onInterrupt` is told. Returns the cancel for a stop that drained in time.
 */
export function interruptAfterGrace(controller: AbortController, options: StopOptions): () => void {
  if (options.graceMs === undefined) return () => undefined;
  const timer = setTimeout(() => {
    controller.abort(new Error('shutting down'));
    options.onInterrupt?.();
  }, options.graceMs);
  return () => clearTimeout(timer);
}
