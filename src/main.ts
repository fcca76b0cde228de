import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, type Config } from './config.ts';
import { createApp, createSyncWork, openDatabase, openParsePool, openSecretBox } from './app.ts';
import { createScheduleStore } from './store/schedule-store.ts';
import { recordConnectionNotice } from './services/notifications/record-connection-notice.ts';
import { runWorker } from './jobs/run-worker.ts';
import { migrateToLatest } from './store/migrate.ts';
import { seedDemo } from './services/workspaces/seed-demo.ts';
import { runIcsExpandOnStdio } from './ical/expand-cli.ts';
import { listenErrorMessage } from './http/listen-error.ts';
import { runSlotsExplain } from './services/availability/explain-cli.ts';
import { importedBusyFromStore } from './store/imported-busy.ts';
import { shutdownSignal } from './shutdown-signal.ts';
import { stdioDrained } from './stdio-drained.ts';
import { createReachability } from './store/reachability.ts';
import { logOutages, type OutageLog } from './log-outages.ts';
import { backup, restore } from './ops/backup.ts';
import { createProcessMetrics } from './observability/process-metrics.ts';
import { startMetricsServer } from './http/metrics-routes.ts';
import type { SyncQueue } from './jobs/sync-queue.ts';
import { boundHeapGrowth } from './heap-growth.ts';

const USAGE = `usage: tandem <command>
  serve                       run the HTTP server (default)
  worker                      process sync jobs from Redis (needs REDIS_URL and DATABASE_URL)
  migrate                     apply database migrations and exit
  backup <file>               back up the embedded database (DATA_DIR), also while tandem serve runs
  restore <file>              restore a backup into an empty DATA_DIR
  ics expand <file> --from <date> --to <date> [--zone <IANA>]
                              print the occurrences of an .ics file, one JSON line each
  slots explain <calendar> <start> [--zone <IANA>] [--json]
                              why a start time is (not) bookable, per member (support)`;

/** The demo owner's password is generated once and kept beside the data, so restarts can say it again. */
function demoPassword(config: Config): string | undefined {
  const file = join(config.dataDir, 'demo-owner-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  return undefined;
}

/** Runs until SIGTERM/SIGINT, then stops gracefully (shutdown-signal.ts) and returns 0. */
async function serve(config: Config): Promise<number> {
  const app = await createApp(config);
  if (config.seedDemo) {
    const seeded = await seedDemo(app.ctx, { password: demoPassword(config) });
    if (seeded) {
      mkdirSync(config.dataDir, { recursive: true });
      writeFileSync(join(config.dataDir, 'demo-owner-password'), seeded.password, { mode: 0o600 });
    }
    const password = seeded?.password ?? demoPassword(config);
    if (password) console.log(`\n  Demo workspace ready. Sign in as owner@demo.tandem.test with password: ${password}\n`);
  }
  try {
    await app.server.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    const message = listenErrorMessage(error, config);
    throw message ? new Error(message, { cause: error }) : error;
  }
  console.log(`  Tandem is serving ${config.publicUrl} (database: ${app.database.kind})`);
  const shutdown = shutdownSignal({ graceMs: config.shutdownGraceMs, log: (message) => app.server.log.info(message) });
  await shutdown.received;
  await app.close({ graceMs: config.shutdownGraceMs });
  shutdown.dispose();
  return 0;
}

/** The worker has no request logger: outages go to the console, one line each way. */
const consoleOutageLog: OutageLog = {
  error: ({ err }, message) => console.error(`[tandem] ${message} (${err instanceof Error ? err.message : String(err)})`),
  info: (message) => console.log(`[tandem] ${message}`),
};

/** `tandem worker`: shares the sync jobs on Redis with every other worker, until SIGTERM. */
async function worker(config: Config): Promise<void> {
  if (!config.redisUrl)
    throw new Error(
      'tandem worker needs REDIS_URL (redis://…): workers share their jobs through Redis. Without it, `tandem serve` syncs in-process.',
    );
  // The embedded PGlite belongs to one process: workers need the shared PostgreSQL.
  if (!config.databaseUrl)
    throw new Error('tandem worker needs DATABASE_URL (postgres://…): the embedded database cannot be shared between processes.');
  const { secretBox } = openSecretBox(config);
  const database = await openDatabase(config);
  await migrateToLatest(database.db);
  const parsePool = openParsePool(config);
  const synced = createSyncWork(config, database.db, secretBox, { ...(parsePool && { parsePool }) });
  // Workers do the syncing when scaled out, so their sync metrics matter most; they have no HTTP
  // port, so /metrics is served only on METRICS_PORT (with METRICS_TOKEN, if set).
  let queue: Pick<SyncQueue, 'depth'> | null = null;
  const metricsPort = config.metrics.port;
  const measured =
    metricsPort === null
      ? null
      : createProcessMetrics(database.db, {
          // A consume-only worker (SCHEDULER=off) holds no producer handle to count the shared queue
          // with: its gauge stays empty, and the scheduling processes report the real depth.
          queue: () => (config.sync.scheduler ? queue : null),
          processMetrics: true,
        });
  const metrics = measured?.metrics ?? null;
  const work = measured ? measured.instrument(synced) : synced;
  const metricsServer =
    metrics && metricsPort !== null
      ? await startMetricsServer(metrics, { host: config.host, port: metricsPort, token: config.metrics.token })
      : null;
  console.log(`  Tandem worker processing sync jobs from ${new URL(config.redisUrl).host} (database: ${database.kind})`);
  const health = { database: database.health, redis: createReachability() };
  const stopLogging = logOutages(consoleOutageLog, health);
  const shutdown = shutdownSignal({ graceMs: config.shutdownGraceMs, log: (message) => console.log(`[tandem] ${message}`) });
  await runWorker({
    redisUrl: config.redisUrl,
    work,
    store: createScheduleStore(database.db, recordConnectionNotice),
    config,
    until: shutdown.received,
    graceMs: config.shutdownGraceMs,
    onInterrupt: () => console.log('[tandem] grace period over: running syncs stop at their next batch boundary'),
    health,
    onQueue: (running) => (queue = running),
  });
  await new Promise((resolve) => (metricsServer ? metricsServer.close(resolve) : resolve(undefined)));
  stopLogging();
  await parsePool?.close();
  await database.close();
  shutdown.dispose();
}

async function migrate(config: Config): Promise<void> {
  const database = await openDatabase(config);
  const applied = await migrateToLatest(database.db);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  await database.close();
}

async function slotsCommand(config: Config, argv: string[]): Promise<number> {
  if (argv[0] !== 'explain') {
    console.error(USAGE);
    return 2;
  }
  const database = await openDatabase(config);
  try {
    const ctx = { db: database.db, now: () => new Date(), publicUrl: config.publicUrl };
    return await runSlotsExplain(argv.slice(1), ctx, importedBusyFromStore(), {
      stdout: (line) => console.log(line),
      stderr: (line) => console.error(line),
    });
  } finally {
    await database.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  if (command === 'ics') {
    if (rest[0] !== 'expand') {
      console.error(USAGE);
      return 2;
    }
    return runIcsExpandOnStdio(rest.slice(1), (path) => readFileSync(path, 'utf8'));
  }
  const config = loadConfig();
  switch (command) {
    case 'serve':
      return serve(config);
    case 'migrate':
      await migrate(config);
      return 0;
    case 'worker':
      await worker(config);
      return 0;
    case 'slots':
      return slotsCommand(config, rest);
    case 'backup':
    case 'restore': {
      if (rest.length !== 1 || !rest[0]) {
        console.error(USAGE);
        return 2;
      }
      console.log(await (command === 'backup' ? backup : restore)(config, resolve(rest[0])));
      return 0;
    }
    case 'help':
    case '--help':
      console.log(USAGE);
      return 0;
    default:
      console.error(USAGE);
      return 2;
  }
}

boundHeapGrowth();
main(process.argv.slice(2)).then(
  async (code) => {
    // Exit only once stdout and stderr have drained: output still queued for a slow pipe
    // (`tandem ics expand … | wc -l`) would otherwise be cut off.
    process.exitCode = code;
    await stdioDrained();
    process.exit(code);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
