import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig, type Config } from './config.ts';
import { createApp, createSyncWork, openDatabase, openSecretBox } from './app.ts';
import { createScheduleStore } from './jobs/kysely-schedule-store.ts';
import { runWorker } from './jobs/run-worker.ts';
import { migrateToLatest } from './store/migrate.ts';
import { seedDemo } from './services/workspaces/seed-demo.ts';
import { runIcsExpand } from './ical/expand-cli.ts';
import { listenErrorMessage } from './http/listen-error.ts';
import { backup, restore } from './ops/backup.ts';

const USAGE = `usage: tandem <command>
  serve                       run the HTTP server (default)
  worker                      process sync jobs from Redis (needs REDIS_URL and DATABASE_URL)
  migrate                     apply database migrations and exit
  backup <file>               back up the embedded database (DATA_DIR), also while tandem serve runs
  restore <file>              restore a backup into an empty DATA_DIR
  ics expand <file> --from <date> --to <date> [--zone <IANA>]
                              print the occurrences of an .ics file, one JSON line each`;

/** The demo owner's password is generated once and kept beside the data, so restarts can say it again. */
function demoPassword(config: Config): string | undefined {
  const file = join(config.dataDir, 'demo-owner-password');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  return undefined;
}

async function serve(config: Config): Promise<void> {
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
  const stop = async () => {
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** `tandem worker`: shares the sync jobs on Redis with every other worker, until SIGTERM. */
async function worker(config: Config): Promise<void> {
  if (!config.redisUrl) throw new Error('tandem worker needs REDIS_URL (redis://…): workers share their jobs through Redis. Without it, `tandem serve` syncs in-process.');
  // The embedded PGlite belongs to one process: workers need the shared PostgreSQL.
  if (!config.databaseUrl) throw new Error('tandem worker needs DATABASE_URL (postgres://…): the embedded database cannot be shared between processes.');
  const { secretBox } = openSecretBox(config);
  const database = await openDatabase(config);
  await migrateToLatest(database.db);
  const work = createSyncWork(config, database.db, secretBox);
  console.log(`  Tandem worker processing sync jobs from ${new URL(config.redisUrl).host} (database: ${database.kind})`);
  await runWorker({ redisUrl: config.redisUrl, work, store: createScheduleStore(database.db), config });
  await database.close();
}

async function migrate(config: Config): Promise<void> {
  const database = await openDatabase(config);
  const applied = await migrateToLatest(database.db);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'database is up to date');
  await database.close();
}

async function main(argv: string[]): Promise<number> {
  const [command = 'serve', ...rest] = argv;
  if (command === 'ics') {
    if (rest[0] !== 'expand') {
      console.error(USAGE);
      return 2;
    }
    return runIcsExpand(rest.slice(1), { readFile: (path) => readFileSync(path, 'utf8'), stdout: (line) => console.log(line), stderr: (line) => console.error(line) });
  }
  const config = loadConfig();
  switch (command) {
    case 'serve':
      await serve(config);
      return -1;
    case 'migrate':
      await migrate(config);
      return 0;
    case 'worker':
      await worker(config);
      return 0;
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

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
