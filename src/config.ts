import { z } from 'zod';
import { availableParallelism } from 'node:os';
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
  REDIS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only')
    .default('tandem'),
  TANDEM_SECRET_KEY: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TANDEM_SEED_DEMO: z.enum(['true', 'false']).default('true'),
  ICLOUD_CALDAV_URL: z.string().url().default('https://caldav.icloud.com'),
  ICLOUD_PARTITION_ORIGINS: z.string().default(''),
  CALDAV_ALLOW_PRIVATE_NETWORKS: z.enum(['true', 'false']).default('false'),
  CALDAV_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(30_000),
  SYNC_POLL_SECONDS: z.coerce.number().int().min(5).default(60),
  SYNC_FAST_POLL_SECONDS: z.coerce.number().int().min(5).default(15),
  SYNC_FAST_POLL_FOR_SECONDS: z.coerce.number().int().min(0).default(300),
  SYNC_PAST_DAYS: z.coerce.number().int().min(0).default(30),
  SYNC_FUTURE_DAYS: z.coerce.number().int().min(1).default(400),
  SYNC_HOST_CONCURRENCY: z.coerce.number().int().min(1).default(4),
  SYNC_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(64),
  SCHEDULER: z.enum(['on', 'off']).default('on'),
  LOG_FORMAT: z.enum(['json', 'pretty']).optional(),
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  // Caps against hostile or broken calendars (services/sync/sync-limits.ts; defaults there).
  ICAL_MAX_OBJECT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(2 * 1024 * 1024),
  ICAL_MAX_OCCURRENCES: z.coerce.number().int().min(1).default(50_000),
  SYNC_MAX_ITEMS_PER_CALENDAR: z.coerce.number().int().min(1).default(50_000),
  SYNC_PARSE_THREADS: z.coerce.number().int().min(0).max(64).optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
    .optional(),
  MAIL_FROM: z.string().min(3).optional(),
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: z.enum(['true', 'false']).optional(),
  NOTIFICATION_RETENTION_DAYS: z.coerce.number().int().min(1).default(90),
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().min(0).max(3600).default(20),
  TANDEM_RATE_LIMITS: z.enum(['on', 'off']).default('on'),
  TRUST_PROXY: z
    .string()
    .regex(
      /^(true|false|\d{1,2}|[0-9a-fA-F.:/]+(\s*,\s*[0-9a-fA-F.:/]+)*)$/,
      'must be true, false, a hop count, or addresses/CIDRs separated by commas',
    )
    .default('false'),
});

export interface Config {
  port: number;
  host: string;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | null;
  redisUrl: string | null;
  /** Every Redis key Tandem writes starts with this: installations (or benchmarks) sharing one Redis stay apart. */
  redisPrefix: string;
  secretKey: string | null;
  logLevel: z.infer<typeof schema>['LOG_LEVEL'];
  seedDemo: boolean;
  icloudCalDavUrl: string;
  /** Origins besides pNN-caldav.icloud.com that may receive iCloud credentials (tests: the emulator's partition host). */
  icloudPartitionOrigins: string[];
  allowPrivateNetworks: boolean;
  /** One CalDAV exchange (redirects included) may take this long before it counts as unreachable. */
  caldavTimeoutMs: number;
  sync: {
    pollSeconds: number;
    fastPollSeconds: number;
    fastPollForSeconds: number;
    pastDays: number;
    futureDays: number;
    hostConcurrency: number;
    /**
     * Sync jobs one `tandem worker` runs at once. An idle poll mostly waits (on the CalDAV host, PostgreSQL,
     * Redis), so a worker needs many in flight to use its core; SYNC_HOST_CONCURRENCY still caps each host.
     */
    workerConcurrency: number;
    scheduler: boolean;
  };
  /** Human-readable lines for a terminal, JSON lines for a log collector (default: pretty on a TTY). */
  logFormat: 'json' | 'pretty';
  /**
   * /metrics is off unless one of these is set: a bearer token the scraper sends, or a port of its
   * own (bound to HOST, for a network only the scraper reaches). Never public by accident.
   */
  metrics: { token: string | null; port: number | null };
  /** Caps per calendar object and per calendar; each breach is shown on that calendar. */
  syncLimits: { maxObjectBytes: number; maxOccurrencesPerObject: number; maxItemsPerCalendar: number };
  /** Worker threads that parse calendar objects off the event loop; 0 parses in the main thread (yielding). */
  syncParseThreads: number;
  /** E-mail (issue 11): SMTP_URL, or null to write .eml files under DATA_DIR/mail/. */
  mail: { smtpUrl: string | null; from: string };
  /** Webhook URLs may name private addresses (default: as CALDAV_ALLOW_PRIVATE_NETWORKS). */
  webhookAllowPrivateNetworks: boolean;
  /** Sent, failed and skipped e-mails and finished webhook deliveries are deleted this long after their last moment. */
  notificationRetentionDays: number;
  /** On SIGTERM/SIGINT, how long in-flight requests and syncs may take before syncs are interrupted (and their leases given back). */
  shutdownGraceMs: number;
  /** Rate limits on sign-in, sign-up, public booking and connecting accounts (off: load tests only). */
  rateLimits: boolean;
  /**
   * Which peers may state the client's address in X-Forwarded-For: false (none: the socket address
   * counts), true (any), a hop count, or addresses/CIDRs of the reverse proxies. Rate limits per
   * address depend on it: behind a proxy without it, every client shares the proxy's address.
   */
  trustProxy: boolean | number | string[];
}

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  terminal: { stdoutIsTty: boolean } = { stdoutIsTty: process.stdout.isTTY === true },
): Config {
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
    redisPrefix: e.REDIS_PREFIX,
    secretKey: e.TANDEM_SECRET_KEY ?? null,
    logLevel: e.LOG_LEVEL,
    seedDemo: e.TANDEM_SEED_DEMO === 'true',
    icloudCalDavUrl: e.ICLOUD_CALDAV_URL,
    icloudPartitionOrigins: e.ICLOUD_PARTITION_ORIGINS.split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
    allowPrivateNetworks: e.CALDAV_ALLOW_PRIVATE_NETWORKS === 'true',
    caldavTimeoutMs: e.CALDAV_TIMEOUT_MS,
    sync: {
      pollSeconds: e.SYNC_POLL_SECONDS,
      fastPollSeconds: e.SYNC_FAST_POLL_SECONDS,
      fastPollForSeconds: e.SYNC_FAST_POLL_FOR_SECONDS,
      pastDays: e.SYNC_PAST_DAYS,
      futureDays: e.SYNC_FUTURE_DAYS,
      hostConcurrency: e.SYNC_HOST_CONCURRENCY,
      workerConcurrency: e.SYNC_WORKER_CONCURRENCY,
      scheduler: e.SCHEDULER === 'on',
    },
    logFormat: e.LOG_FORMAT ?? (terminal.stdoutIsTty ? 'pretty' : 'json'),
    metrics: { token: e.METRICS_TOKEN ?? null, port: e.METRICS_PORT ?? null },
    syncLimits: {
      maxObjectBytes: e.ICAL_MAX_OBJECT_BYTES,
      maxOccurrencesPerObject: e.ICAL_MAX_OCCURRENCES,
      maxItemsPerCalendar: e.SYNC_MAX_ITEMS_PER_CALENDAR,
    },
    // One core is left to the event loop (and to PostgreSQL on a small machine).
    syncParseThreads: e.SYNC_PARSE_THREADS ?? Math.max(1, Math.min(4, availableParallelism() - 1)),
    mail: { smtpUrl: e.SMTP_URL ?? null, from: e.MAIL_FROM ?? `Tandem <no-reply@${new URL(e.PUBLIC_URL ?? 'http://localhost').hostname}>` },
    webhookAllowPrivateNetworks: (e.WEBHOOK_ALLOW_PRIVATE_NETWORKS ?? e.CALDAV_ALLOW_PRIVATE_NETWORKS) === 'true',
    notificationRetentionDays: e.NOTIFICATION_RETENTION_DAYS,
    shutdownGraceMs: Math.round(e.SHUTDOWN_GRACE_SECONDS * 1000),
    rateLimits: e.TANDEM_RATE_LIMITS === 'on',
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
  };
}

function parseTrustProxy(value: string): Config['trustProxy'] {
  if (value === 'true') return true;
  if (value === 'false') return false;
  if (/^\d+$/.test(value)) return Number(value);
  return value.split(',').map((entry) => entry.trim());
}

export function pgliteDirectory(config: Config): string {
  return join(config.dataDir, 'pglite');
}

/** Every environment variable Tandem reads (the README's configuration table is checked against it). */
export const configVariables = Object.keys(schema.shape);
