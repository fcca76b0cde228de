import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { pgliteDirectory, type Config } from './config.ts';
import { openPglite, openPostgres, type Database, type DatabaseHandle } from './store/database.ts';
import { migrateToLatest } from './store/migrate.ts';
import type { ServiceContext } from './services/context.ts';
import { buildServer, logRedactPaths } from './http/server.ts';
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

/** The one place where concrete adapters are wired together (DESIGN §2: no DI container). */
export async function createApp(
  config: Config,
  options: { database?: DatabaseHandle; now?: () => Date; /** For tests: where log lines go instead of stdout. */ logStream?: { write(line: string): void } } = {},
): Promise<App> {
  const { secretBox, warning } = openSecretBox(config);
  const database = options.database ?? (await openDatabase(config));
  await migrateToLatest(database.db);
  const ctx: ServiceContext = { db: database.db, now: options.now ?? (() => new Date()), publicUrl: config.publicUrl };
  // Jobs start once the server (whose logger the sync work shares) exists; only handlers use them.
  const started: { jobs: Jobs | null } = { jobs: null };
  const server = await buildServer(
    // Appointment changes wrote outbox rows: push them now rather than at the next scheduler tick.
    { ctx, importedBusy: importedBusyFromStore(), onAppointmentChange: () => void started.jobs?.dispatchSoon().catch((error: unknown) => server.log.error({ err: error }, 'dispatch failed')) },
    {
      logger: config.logLevel === 'silent' ? false : { level: config.logLevel, redact: logRedactPaths, ...(options.logStream && { stream: options.logStream }) },
      plugins: [connectionRoutes({ ctx, secretBox, config, onCalendarsConfigured: () => void started.jobs?.wake().catch((error: unknown) => server.log.error({ err: error }, 'scheduler wake failed')) }), syncRoutes({ ctx, syncNow: async (id) => (started.jobs ? started.jobs.syncNow(id) : false) })],
    },
  );
  await registerStaticWeb(server, defaultWebDistDir);
  // Sync logs through the same (redacting) logger as the API: CalDAV requests at debug, failures at error.
  const work = createSyncWork(config, database.db, secretBox, { log: server.log, now: ctx.now });
  const jobs = await startJobs({ config, work, store: createScheduleStore(database.db), onError: (error, context) => server.log.error({ err: error }, context) });
  started.jobs = jobs;
  if (warning) server.log.warn(warning);
  return {
    config,
    database,
    ctx,
    secretBox,
    server,
    work,
    jobs,
    async close() {
      await server.close();
      await jobs.stop();
      if (!options.database) await database.close();
    },
  };
}
