import { mkdirSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { pgliteDirectory } from './config.ts';
import { openPglite, openPostgres, type DatabaseHandle } from './store/database.ts';
import { migrateToLatest } from './store/migrate.ts';
import type { ServiceContext } from './services/context.ts';
import { buildServer } from './http/server.ts';
import { logRedactPaths } from './http/server.ts';
import { importedBusyFromStore } from './store/imported-busy.ts';
import { loadSecretKey } from './services/secrets/load-secret-key.ts';
import { createSecretBox, type SecretBox } from './services/secrets/secret-box.ts';
import { connectionRoutes } from './http/routes/connection-routes.ts';

export interface App {
  config: Config;
  database: DatabaseHandle;
  ctx: ServiceContext;
  /** Encrypts calendar passwords at rest; the sync worker opens transports with it (open-transport.ts). */
  secretBox: SecretBox;
  server: FastifyInstance;
  close(): Promise<void>;
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
  // Before the database is opened: a missing TANDEM_SECRET_KEY must stop start-up with nothing to clean up.
  const secretKey = loadSecretKey({ secretKey: config.secretKey, databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const secretBox = createSecretBox(secretKey.key);
  const database = options.database ?? (await openDatabase(config));
  await migrateToLatest(database.db);
  const ctx: ServiceContext = { db: database.db, now: options.now ?? (() => new Date()), publicUrl: config.publicUrl };
  const server = await buildServer(
    { ctx, importedBusy: importedBusyFromStore() },
    {
      logger: config.logLevel === 'silent' ? false : { level: config.logLevel, redact: logRedactPaths, ...(options.logStream && { stream: options.logStream }) },
      plugins: [connectionRoutes({ ctx, secretBox, config })],
    },
  );
  if (secretKey.warning) server.log.warn(secretKey.warning);
  return {
    config,
    database,
    ctx,
    secretBox,
    server,
    async close() {
      await server.close();
      if (!options.database) await database.close();
    },
  };
}
