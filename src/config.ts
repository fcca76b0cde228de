import { z } from 'zod';
import { join, resolve } from 'node:path';

/**
 * Environment → typed configuration, read once at start-up and passed down.
 * Nothing else in the code base reads process.env.
 */
const schema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: z.string().url().optional(),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z.string().optional(),
  REDIS_URL: z.string().optional(),
  TANDEM_SECRET_KEY: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TANDEM_SEED_DEMO: z.enum(['true', 'false']).default('true'),
  ICLOUD_CALDAV_URL: z.string().url().default('https://caldav.icloud.com'),
  ICLOUD_PARTITION_ORIGINS: z.string().default(''),
  CALDAV_ALLOW_PRIVATE_NETWORKS: z.enum(['true', 'false']).default('false'),
  CALDAV_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  SYNC_POLL_SECONDS: z.coerce.number().int().min(5).default(60),
  SYNC_PAST_DAYS: z.coerce.number().int().min(0).default(30),
  SYNC_FUTURE_DAYS: z.coerce.number().int().min(1).default(400),
  SYNC_HOST_CONCURRENCY: z.coerce.number().int().min(1).default(4),
  SCHEDULER: z.enum(['on', 'off']).default('on'),
});

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | null;
  redisUrl: string | null;
  secretKey: string | null;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  seedDemo: boolean;
  icloudCalDavUrl: string;
  /** Origins besides pNN-caldav.icloud.com that may receive iCloud credentials (tests: the emulator's partition host). */
  icloudPartitionOrigins: string[];
  allowPrivateNetworks: boolean;
  /** One CalDAV exchange (redirects included) may take this long before it counts as unreachable. */
  caldavTimeoutMs: number;
  sync: { pollSeconds: number; pastDays: number; futureDays: number; hostConcurrency: number; scheduler: boolean };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    dataDir: resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL ?? null,
    redisUrl: e.REDIS_URL ?? null,
    secretKey: e.TANDEM_SECRET_KEY ?? null,
    logLevel: e.LOG_LEVEL,
    seedDemo: e.TANDEM_SEED_DEMO === 'true',
    icloudCalDavUrl: e.ICLOUD_CALDAV_URL,
    icloudPartitionOrigins: e.ICLOUD_PARTITION_ORIGINS.split(',').map((s) => s.trim()).filter((s) => s !== ''),
    allowPrivateNetworks: e.CALDAV_ALLOW_PRIVATE_NETWORKS === 'true',
    caldavTimeoutMs: e.CALDAV_TIMEOUT_MS,
    sync: {
      pollSeconds: e.SYNC_POLL_SECONDS,
      pastDays: e.SYNC_PAST_DAYS,
      futureDays: e.SYNC_FUTURE_DAYS,
      hostConcurrency: e.SYNC_HOST_CONCURRENCY,
      scheduler: e.SCHEDULER === 'on',
    },
  };
}

export function pgliteDirectory(config: Config): string {
  return join(config.dataDir, 'pglite');
}
