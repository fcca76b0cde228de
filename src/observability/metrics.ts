import { createHash } from 'node:crypto';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * How a calendar is named in /metrics: the first 12 hex digits of the SHA-256 of its id. Stable, so a
 * series follows one calendar; not the id itself, which /metrics never carries (an operator finds a
 * calendar with `printf %s <id> | sha256sum | cut -c1-12`).
 */
export function calendarMetricKey(calendarId: string): string {
  return createHash('sha256').update(calendarId).digest('hex').slice(0, 12);
}

/** What /metrics reads at scrape time (the rest is counted as it happens). */
export interface MetricSources {
  /**
   * Sync jobs waiting and running in this process's queue (or the shared BullMQ queue); null when
   * this process cannot count them (a consume-only worker): the gauge is left empty, not 0.
   */
  queueDepth(): Promise<{ waiting: number; running: number } | null>;
  /** Outbox rows not yet delivered, by channel and status. */
  outboxRows(): Promise<Array<{ channel: string; status: 'pending' | 'failed'; count: number }>>;
  /** Per configured calendar: seconds since its last successful sync (null: never synced). Optional. */
  calendarLags?(now: Date): Promise<Array<{ calendarId: string; provider: string; lagSeconds: number | null }>>;
}

export interface Metrics {
  registry: Registry;
  /** Seconds between two successful syncs of a calendar: how stale its busy times could get. */
  syncLag: Histogram<'provider'>;
  syncDuration: Histogram<'provider' | 'mode'>;
  syncs: Counter<'provider' | 'mode' | 'outcome'>;
  syncErrors: Counter<'provider' | 'code'>;
  httpDuration: Histogram<'method' | 'route' | 'status_code'>;
  /** 409 answers (a slot just taken, a name already used): the double bookings the database refused. */
  bookingConflicts: Counter<'route'>;
}

/**
 * Tandem's Prometheus metrics, in a registry of their own (not prom-client's global one): every
 * app instance — several in one test process — counts separately.
 */
export function createMetrics(sources: MetricSources, options: { processMetrics: boolean }): Metrics {
  const registry = new Registry();
  // Process metrics (memory, event-loop lag, GC) only where someone scrapes them: they observe the process.
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'tandem_' });
  const registers = [registry];
  new Gauge({
    name: 'tandem_sync_queue_depth',
    help: 'Calendar sync jobs waiting or running',
    labelNames: ['state'] as const,
    registers,
    async collect() {
      // Redis or the database may be down exactly when an operator scrapes: the gauge is then left
      // empty instead of failing the whole scrape (/readyz says what is unreachable).
      const depth = await sources.queueDepth().catch(() => null);
      if (depth === null) return this.reset();
      this.set({ state: 'waiting' }, depth.waiting);
      this.set({ state: 'running' }, depth.running);
    },
  });
  new Gauge({
    name: 'tandem_outbox_rows',
    help: 'Outbox rows not yet delivered (pending: to be pushed; failed: given up, needs attention)',
    labelNames: ['channel', 'status'] as const,
    registers,
    async collect() {
      this.reset();
      for (const row of await sources.outboxRows().catch(() => [])) this.set({ channel: row.channel, status: row.status }, row.count);
    },
  });
  // Per calendar, keyed by calendarMetricKey: ids stay out of /metrics (like raw URLs), the key is stable.
  new Gauge({
    name: 'tandem_calendar_sync_lag_seconds',
    help: 'Per configured calendar: seconds since its last successful sync (issue 12.6; absent until the first sync). calendar = calendarMetricKey(id)',
    labelNames: ['calendar', 'provider'] as const,
    registers,
    async collect() {
      this.reset();
      const lags = (await sources.calendarLags?.(new Date()).catch(() => [])) ?? [];
      for (const lag of lags) {
        if (lag.lagSeconds !== null) this.set({ calendar: calendarMetricKey(lag.calendarId), provider: lag.provider }, lag.lagSeconds);
      }
    },
  });
  return {
    registry,
    syncLag: new Histogram({
      name: 'tandem_sync_lag_seconds',
      help: 'Seconds between two successful syncs of one calendar, observed when a sync succeeds',
      labelNames: ['provider'] as const,
      buckets: [5, 15, 30, 60, 90, 120, 300, 600, 1800, 3600, 21_600, 86_400],
      registers,
    }),
    syncDuration: new Histogram({
      name: 'tandem_sync_duration_seconds',
      help: 'How long one calendar sync took',
      labelNames: ['provider', 'mode'] as const,
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    syncs: new Counter({
      name: 'tandem_syncs_total',
      help: 'Calendar syncs run, by outcome (ok, retry, stop)',
      labelNames: ['provider', 'mode', 'outcome'] as const,
      registers,
    }),
    syncErrors: new Counter({
      name: 'tandem_sync_errors_total',
      help: 'Failed calendar syncs, by error kind',
      labelNames: ['provider', 'code'] as const,
      registers,
    }),
    httpDuration: new Histogram({
      name: 'tandem_http_request_duration_seconds',
      help: 'HTTP request latency by route pattern',
      labelNames: ['method', 'route', 'status_code'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    bookingConflicts: new Counter({
      name: 'tandem_booking_conflicts_total',
      help: 'Requests answered 409 Conflict (a slot just taken, an address already used)',
      labelNames: ['route'] as const,
      registers,
    }),
  };
}
