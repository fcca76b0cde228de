import { mkdirSync } from 'node:fs';
import type { Server } from 'node:net';
import { serveBackupSocket } from './ops/backup.ts';
import type { FastifyInstance } from 'fastify';
import { pgliteDirectory, type Config } from './config.ts';
import { openPglite, openPostgres, type Database, type DatabaseHandle } from './store/database.ts';
import { migrateToLatest } from './store/migrate.ts';
import type { ServiceContext } from './services/context.ts';
import { buildServer } from './http/server.ts';
import { loggerOptions } from './http/logger-options.ts';
import { importedBusyFromStore } from './store/imported-busy.ts';
import { loadSecretKey } from './services/secrets/load-secret-key.ts';
import { createSecretBox, type SecretBox } from './services/secrets/secret-box.ts';
import { connectionRoutes } from './http/routes/connection-routes.ts';
import { syncRoutes } from './http/routes/sync-routes.ts';
import { defaultWebDistDir, registerStaticWeb } from './http/static-web.ts';
import { caldavSettingsFrom, type ConnectionLog } from './services/connections/connection-context.ts';
import { createRemoteOpener } from './services/sync/open-remote-calendar.ts';
import { icalEventCodec } from './services/sync/ical-codec.ts';
import { createParsePool, type ParsePool } from './services/sync/parse-pool.ts';
import { FIRST_IMPORT_BATCH_SIZE } from './services/sync/sync-calendar.ts';
import { createSyncStore } from './store/sync-store.ts';
import { recordAppointmentNotice } from './services/notifications/record-appointment-notice.ts';
import { createCalendarSyncWork } from './jobs/calendar-sync-work.ts';
import { reconcileCalendarList } from './services/connections/reconcile-calendar-list.ts';
import { createScheduleStore } from './store/schedule-store.ts';
import { recordConnectionNotice } from './services/notifications/record-connection-notice.ts';
import { startJobs, type Jobs } from './jobs/start-jobs.ts';
import type { Metrics } from './observability/metrics.ts';
import { createProcessMetrics } from './observability/process-metrics.ts';
import { metricsRoutes, startMetricsServer } from './http/metrics-routes.ts';
import type { SyncWork } from './jobs/sync-job.ts';
import { createNotificationDelivery, withNotifications } from './jobs/notification-work.ts';
import { clientPolicyRoutes, notificationRoutes } from './http/routes/notification-routes.ts';
import { webhookRoutes } from './http/routes/webhook-routes.ts';
import { readinessRoutes } from './http/routes/readiness-routes.ts';
import { createReachability, type Reachability } from './store/reachability.ts';
import { logOutages } from './log-outages.ts';

/** How long after an appointment change the outbox dispatch starts; later changes in that time share it. */
const DISPATCH_BURST_MS = 50;

export interface App {
  config: Config;
  database: DatabaseHandle;
  ctx: ServiceContext;
  /** Encrypts calendar passwords at rest; the sync worker opens transports with it (open-transport.ts). */
  secretBox: SecretBox;
  server: FastifyInstance;
  /** The sync work (inbound sync, outbox dispatch) the job queue runs. */
  work: SyncWork;
  /** Scheduler + queue: in-process, or a BullMQ producer when REDIS_URL is set. */
  jobs: Jobs;
  /** Prometheus metrics, served at /metrics when METRICS_TOKEN or METRICS_PORT is set. */
  metrics: Metrics;
  /**
   * Stops taking requests and sync work (/readyz answers 503 from the first moment), lets in-flight
   * requests and syncs finish — syncs for at most `graceMs`, then they stop at a safe point and give
   * back their leases — and closes Redis and the database.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

/** The sync engine's real adapters: PostgreSQL store, CalDAV remotes, ical.js codec. */
export function createSyncWork(
  config: Config,
  db: Database,
  secretBox: SecretBox,
  options: { now?: () => Date; log?: ConnectionLog; parsePool?: ParsePool } = {},
): SyncWork {
  const now = options.now ?? (() => new Date());
  const store = createSyncStore(db, { publicUrl: config.publicUrl, now, recordNotice: recordAppointmentNotice, recordConnectionNotice });
  const openRemote = createRemoteOpener({ db, secretBox, caldav: caldavSettingsFrom(config), ...(options.log && { log: options.log }) });
  const calendars = createCalendarSyncWork({
    db,
    store,
    openRemote,
    codec: icalEventCodec,
    window: { pastDays: config.sync.pastDays, futureDays: config.sync.futureDays },
    now,
    firstImportBatchSize: FIRST_IMPORT_BATCH_SIZE,
    limits: config.syncLimits,
    relistCalendars: (calendarId, force) =>
      reconcileCalendarList(
        { db, now, publicUrl: config.publicUrl, secretBox, caldav: caldavSettingsFrom(config), ...(options.log && { log: options.log }) },
        { calendarId, force },
      ),
    // Parsing and expansion run off the event loop (parse-pool.ts) unless SYNC_PARSE_THREADS=0.
    ...(options.parsePool && { parser: options.parsePool.parser }),
  });
  // E-mails and webhooks (issue 11) go out with each outbox dispatch.
  return withNotifications(calendars, createNotificationDelivery({ db, secretBox, config, now }));
}

/** The worker threads that parse calendar objects, or null for SYNC_PARSE_THREADS=0 (main thread). */
export function openParsePool(config: Config): ParsePool | null {
  return config.syncParseThreads > 0 ? createParsePool({ threads: config.syncParseThreads }) : null;
}

/**
 * The box that encrypts calendar passwords, from TANDEM_SECRET_KEY (or, for the embedded default,
 * a key generated into DATA_DIR, with a warning to log). Throws when DATABASE_URL has no key: call
 * it before opening anything, so a refused start-up leaves nothing to clean up.
 */
export function openSecretBox(config: Config): { secretBox: SecretBox; warning: string | null } {
  const secretKey = loadSecretKey({ secretKey: config.secretKey, databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  return { secretBox: createSecretBox(secretKey.key), warning: secretKey.warning };
}

/** Opens the database the configuration names: PostgreSQL when DATABASE_URL is set, else PGlite in DATA_DIR. */
export async function openDatabase(config: Config): Promise<DatabaseHandle> {
  if (config.databaseUrl) return openPostgres(config.databaseUrl);
  mkdirSync(config.dataDir, { recursive: true });
  return openPglite(pgliteDirectory(config));
}

function dumpOf(database: DatabaseHandle | null): Promise<Blob> {
  if (!database?.dumpDataDir) throw new Error('the database is not open yet');
  return database.dumpDataDir();
}

/** DATA_DIR/control.sock for `tandem backup`; a path too long for a Unix socket only loses online backups. */
async function openBackupSocket(config: Config, dump: () => Promise<Blob>): Promise<Server | null> {
  mkdirSync(config.dataDir, { recursive: true });
  try {
    return await serveBackupSocket(config.dataDir, dump);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EINVAL' || (error as NodeJS.ErrnoException).code === 'ENAMETOOLONG') return null;
    throw error;
  }
}

/** The one place where concrete adapters are wired together (DESIGN §2: no DI container). */
export async function createApp(
  config: Config,
  options: {
    database?: DatabaseHandle;
    now?: () => Date;
    /** For tests: where log lines go instead of stdout. */ logStream?: { write(line: string): void };
  } = {},
): Promise<App> {
  const { secretBox, warning } = openSecretBox(config);
  // The embedded database's backup socket, taken before the database is opened: it also refuses a second server on one DATA_DIR.
  const pending: { database: DatabaseHandle | null } = { database: null };
  const backupSocket = options.database || config.databaseUrl ? null : await openBackupSocket(config, async () => dumpOf(pending.database));
  const database = options.database ?? (await openDatabase(config));
  pending.database = database;
  await migrateToLatest(database.db);
  const ctx: ServiceContext = { db: database.db, now: options.now ?? (() => new Date()), publicUrl: config.publicUrl, secretBox };
  // Jobs start once the server (whose logger the sync work shares) exists; only handlers use them.
  const started: { jobs: Jobs | null } = { jobs: null };
  const { metrics, instrument } = createProcessMetrics(database.db, {
    queue: () => started.jobs?.queue ?? null,
    processMetrics: config.metrics.token !== null || config.metrics.port !== null,
  });
  let draining = false;
  const redisHealth: Reachability | null = config.redisUrl ? createReachability() : null;
  const readiness = readinessRoutes({
    checks: { database: () => database.ping(), ...(config.redisUrl && { redis: async () => (await started.jobs?.ping?.()) ?? false }) },
    draining: () => draining,
  });
  // Appointment changes wrote outbox rows, e-mails and webhooks: push them now rather than at the next
  // scheduler tick — once per burst: the changes of the next DISPATCH_BURST_MS ride on the same
  // dispatch instead of each waking one (under a stream of bookings, a dispatch per booking cost
  // as much as the bookings).
  let dispatchTimer: NodeJS.Timeout | null = null;
  const onAppointmentChange = (): void => {
    if (dispatchTimer) return;
    dispatchTimer = setTimeout(() => {
      dispatchTimer = null;
      void started.jobs?.dispatchSoon().catch((error: unknown) => server.log.error({ err: error }, 'dispatch failed'));
    }, DISPATCH_BURST_MS);
  };
  const server = await buildServer(
    { ctx, importedBusy: importedBusyFromStore(), onAppointmentChange },
    {
      ...loggerOptions(config, options.logStream),
      rateLimits: { enabled: config.rateLimits, redisUrl: config.redisUrl, redisPrefix: config.redisPrefix },
      trustProxy: config.trustProxy,
      plugins: [
        connectionRoutes({
          ctx,
          secretBox,
          config,
          onCalendarsConfigured: () =>
            void started.jobs?.wake().catch((error: unknown) => server.log.error({ err: error }, 'scheduler wake failed')),
        }),
        syncRoutes({ ctx, syncNow: async (id) => (started.jobs ? started.jobs.syncNow(id) : false) }),
        metricsRoutes(metrics, config.metrics),
        notificationRoutes({ ctx, config }),
        clientPolicyRoutes({ ctx }),
        webhookRoutes({ ctx, secretBox, config }),
        readiness,
      ],
    },
  );
  await registerStaticWeb(server, defaultWebDistDir);
  // Sync logs through the same (redacting) logger as the API: CalDAV requests at debug, failures at error.
  const parsePool = openParsePool(config);
  const work = instrument(
    createSyncWork(config, database.db, secretBox, { log: server.log, now: ctx.now, ...(parsePool && { parsePool }) }),
    ctx.now,
  );
  // Outages are logged once each way (down, back), whatever noticed them: a request, a tick, a probe.
  const stopLogging = logOutages(server.log, { database: database.health, ...(redisHealth && { redis: redisHealth }) });
  const jobs = await startJobs({
    config,
    work,
    store: createScheduleStore(database.db, recordConnectionNotice),
    onError: (error, context) => server.log.error({ err: error }, context),
    health: { database: database.health, ...(redisHealth && { redis: redisHealth }) },
  });
  started.jobs = jobs;
  if (warning) server.log.warn(warning);
  const metricsServer =
    config.metrics.port === null
      ? null
      : await startMetricsServer(metrics, { host: config.host, port: config.metrics.port, token: config.metrics.token });
  return {
    config,
    database,
    ctx,
    secretBox,
    server,
    work,
    jobs,
    metrics,
    async close(closeOptions = {}) {
      draining = true;
      // A dispatch still waiting is dropped, not run: its rows are stored and due, so the next scheduler tick of
      // any process sends them.
      if (dispatchTimer) clearTimeout(dispatchTimer);
      dispatchTimer = null;
      await new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(undefined)));
      await new Promise((resolve) => (backupSocket ? backupSocket.close(resolve) : resolve(undefined)));
      // In parallel: the HTTP server waits for its in-flight requests while the jobs drain theirs.
      await Promise.all([server.close(), jobs.stop(closeOptions)]);
      await parsePool?.close();
      stopLogging();
      if (!options.database) await database.close();
    },
  };
}
