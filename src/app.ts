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
import { createSyncStore } from './store/sync-store.ts';
import { createCalendarSyncWork } from './jobs/calendar-sync-work.ts';
import { createScheduleStore } from './jobs/kysely-schedule-store.ts';
import { startJobs, type Jobs } from './jobs/start-jobs.ts';
import { createMetrics, type Metrics } from './observability/metrics.ts';
import { instrumentSyncWork } from './observability/instrument-sync.ts';
import { calendarSyncStatus, undeliveredOutboxRows } from './store/metrics-queries.ts';
import { metricsRoutes, startMetricsServer } from './http/metrics-routes.ts';
import type { SyncWork } from './jobs/sync-job.ts';

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
  close(): Promise<void>;
}

/** The sync engine's real adapters: PostgreSQL store, CalDAV remotes, ical.js codec. */
export function createSyncWork(config: Config, db: Database, secretBox: SecretBox, options: { now?: () => Date; log?: ConnectionLog } = {}): SyncWork {
  const now = options.now ?? (() => new Date());
  const store = createSyncStore(db, { publicUrl: config.publicUrl, now });
  const openRemote = createRemoteOpener({ db, secretBox, caldav: caldavSettingsFrom(config), ...(options.log && { log: options.log }) });
  return createCalendarSyncWork({ db, store, openRemote, codec: icalEventCodec, window: { pastDays: config.sync.pastDays, futureDays: config.sync.futureDays }, now });
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
  options: { database?: DatabaseHandle; now?: () => Date; /** For tests: where log lines go instead of stdout. */ logStream?: { write(line: string): void } } = {},
): Promise<App> {
  const { secretBox, warning } = openSecretBox(config);
  // The embedded database's backup socket, taken before the database is opened: it also refuses a second server on one DATA_DIR.
  const pending: { database: DatabaseHandle | null } = { database: null };
  const backupSocket = options.database || config.databaseUrl ? null : await openBackupSocket(config, async () => dumpOf(pending.database));
  const database = options.database ?? (await openDatabase(config));
  pending.database = database;
  await migrateToLatest(database.db);
  const ctx: ServiceContext = { db: database.db, now: options.now ?? (() => new Date()), publicUrl: config.publicUrl };
  // Jobs start once the server (whose logger the sync work shares) exists; only handlers use them.
  const started: { jobs: Jobs | null } = { jobs: null };
  const metrics = createMetrics(
    { queueDepth: async () => (started.jobs ? started.jobs.queue.depth() : { waiting: 0, running: 0 }), outboxRows: () => undeliveredOutboxRows(database.db) },
    { processMetrics: config.metrics.token !== null || config.metrics.port !== null },
  );
  const server = await buildServer(
    // Appointment changes wrote outbox rows: push them now rather than at the next scheduler tick.
    { ctx, importedBusy: importedBusyFromStore(), onAppointmentChange: () => void started.jobs?.dispatchSoon().catch((error: unknown) => server.log.error({ err: error }, 'dispatch failed')) },
    {
      ...loggerOptions(config, options.logStream),
      plugins: [connectionRoutes({ ctx, secretBox, config }), syncRoutes({ ctx, syncNow: async (id) => (started.jobs ? started.jobs.syncNow(id) : false) }), metricsRoutes(metrics, config.metrics)],
    },
  );
  await registerStaticWeb(server, defaultWebDistDir);
  // Sync logs through the same (redacting) logger as the API: CalDAV requests at debug, failures at error.
  const work = instrumentSyncWork(createSyncWork(config, database.db, secretBox, { log: server.log, now: ctx.now }), metrics, (id) => calendarSyncStatus(database.db, id), ctx.now);
  const jobs = await startJobs({ config, work, store: createScheduleStore(database.db), onError: (error, context) => server.log.error({ err: error }, context) });
  started.jobs = jobs;
  if (warning) server.log.warn(warning);
  const metricsServer = config.metrics.port === null ? null : await startMetricsServer(metrics, { host: config.host, port: config.metrics.port, token: config.metrics.token });
  return {
    config,
    database,
    ctx,
    secretBox,
    server,
    work,
    jobs,
    metrics,
    async close() {
      await new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(undefined)));
      await new Promise((resolve) => (backupSocket ? backupSocket.close(resolve) : resolve(undefined)));
      await server.close();
      await jobs.stop();
      if (!options.database) await database.close();
    },
  };
}
