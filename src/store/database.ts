import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kysely, PostgresDialect, sql, type LogEvent, type PostgresPool } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { isDatabaseUnavailable } from './pg-errors.ts';
import { createReachability, type Reachability } from './reachability.ts';
import { preparingPool } from './prepared-statements.ts';
import type { DB } from './schema.ts';
import { workerScript } from '../worker-script.ts';

export type Database = Kysely<DB>;

export interface DatabaseHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  /**
   * Whether the database answers, from the queries made to it: "down" once at the first failed
   * connection, "up" once at the next successful query (an outage is logged once, not per query).
   */
  health: Reachability;
  /** `select 1` within `timeoutMs`: true when the database answers (readiness). */
  ping(timeoutMs?: number): Promise<boolean>;
  /** PGlite only: a consistent tar.gz of the whole data directory, taken inside this process. */
  dumpDataDir?(): Promise<Blob>;
  /**
   * PGlite only: the size of its WebAssembly memory, in bytes. It only ever grows (WASM memory
   * cannot shrink), so it is the high-water mark of what the embedded PostgreSQL needed.
   */
  wasmMemoryBytes?(): number;
  close(): Promise<void>;
}

// timestamptz arrives as Date already; int8 (bigint counts) as string by default — parse the
// small ones we use (counts, outbox ids) as numbers so code never compares strings to numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

/** While the database is down, how often it is probed, so its return is noticed (and logged) with no traffic. */
const PROBE_WHILE_DOWN_MS = 2_000;

/**
 * Real PostgreSQL through a connection pool that survives the server going away.
 *
 * node-postgres emits 'error' on the pool (idle client lost) and on a checked-out client (its socket
 * died between queries); an 'error' event nobody listens to kills the process. Both are listened to
 * here and only mark the database unreachable: the pool has already discarded the broken client, and
 * the next query opens a fresh connection — so when the server returns, everything resumes by itself.
 */
export function openPostgres(url: string, options: { max?: number } = {}): DatabaseHandle {
  // connectionTimeoutMillis: a server that drops packets (rather than refusing) fails a request in
  // seconds instead of hanging it until the client gives up.
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 20, connectionTimeoutMillis: 10_000 });
  const health = createReachability();
  pool.on('error', (error) => health.failed(error));
  pool.on('connect', (client) => client.on('error', (error) => health.failed(error)));
  // Kysely's driver acquires through this: a refused connection marks the outage before the error
  // reaches the caller. Hot statements go by name (prepared-statements.ts), as on PGlite.
  const watchedPool: PostgresPool = preparingPool({
    async connect() {
      try {
        return await pool.connect();
      } catch (error) {
        if (isDatabaseUnavailable(error)) health.failed(error);
        throw error;
      }
    },
    end: () => pool.end(),
  });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: watchedPool }), log: (event) => observe(health, event) });
  return withProbe({ db, kind: 'postgres', health }, () => db.destroy());
}

/** Every finished query says something about reachability: a success ends an outage, a connection failure starts one. */
function observe(health: Reachability, event: LogEvent): void {
  if (event.level === 'query') health.succeeded();
  else if (isDatabaseUnavailable(event.error)) health.failed(event.error);
}

/** Adds ping and, while the database is down, a background probe; close stops the probe first. */
function withProbe(handle: Omit<DatabaseHandle, 'ping' | 'close'>, close: () => Promise<void>): DatabaseHandle {
  const ping = async (timeoutMs = 2_000): Promise<boolean> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const query = sql`select 1`.execute(handle.db).then(
      () => true,
      () => false,
    );
    try {
      return await Promise.race([query, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
  let probe: NodeJS.Timeout | null = null;
  const unsubscribe = handle.health.subscribe((event) => {
    if (event.state === 'down' && !probe) {
      probe = setInterval(() => void ping(), PROBE_WHILE_DOWN_MS);
      probe.unref();
    } else if (event.state === 'up' && probe) {
      clearInterval(probe);
      probe = null;
    }
  });
  return {
    ...handle,
    ping,
    async close() {
      unsubscribe();
      if (probe) clearInterval(probe);
      probe = null;
      await close();
    },
  };
}

/**
 * PostgreSQL settings of the embedded database, on top of PGlite's own start parameters. PGlite
 * starts with PostgreSQL's default 128 MB of shared buffers, and in WASM they are resident memory
 * of this process from start-up (decision 0017: 350 MiB RSS on reopening a data directory, 248 MiB
 * with 32 MB). 32 MB hold the working set of a small business (5,000 imported events with their
 * ~32,000 occurrences and indexes: 23 MB, system catalogs included); a page evicted beyond that is
 * read back from the data directory through the OS cache. wal_buffers keeps the 4 MB the default
 * derives from 128 MB of buffers (1/32): left to derive 1 MB from 32 MB, imports measured slower.
 * temp_buffers is per session, and PGlite has one.
 */
const PGLITE_SETTINGS = { shared_buffers: '32MB', wal_buffers: '4MB', temp_buffers: '2MB' };

/**
 * A new data directory is created by a process of its own (create-pglite-data-dir.ts): PGlite's
 * initdb costs ~500 MiB at its peak, and in this process it left its C heap resident for good
 * (first start: idle RSS 393 MiB against 262 MiB on every later start, VmHWM 807 against 301 MiB).
 */
async function createDataDir(dataDir: string): Promise<void> {
  if (existsSync(join(dataDir, 'PG_VERSION'))) return;
  const script = workerScript(import.meta.url, 'create-pglite-data-dir');
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [...script.execArgv, fileURLToPath(script.filename), dataDir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-4_000)));
    child.once('error', reject);
    child.once('exit', (code, signal) =>
      code === 0
        ? resolve()
        : reject(new Error(`creating the PGlite data directory ${dataDir} failed (${signal ?? `exit ${code}`}): ${stderr.trim()}`)),
    );
  });
}

/**
 * Embedded PGlite (WASM PostgreSQL) in `dataDir`, or in memory when `dataDir` is null.
 * node-postgres talks to it through PGlite's pg adapter, so Kysely's PostgresDialect — and every
 * query we write — runs unchanged on both. PGlite has a single connection: transactions queue.
 */
export async function openPglite(dataDir: string | null): Promise<DatabaseHandle> {
  if (dataDir !== null) await createDataDir(dataDir);
  const pglite = await PGlite.create(dataDir ?? 'memory://', {
    extensions: { btree_gist },
    startParams: [...PGlite.defaultStartParams, ...Object.entries(PGLITE_SETTINGS).flatMap(([name, value]) => ['-c', `${name}=${value}`])],
  });
  const pool = new pg.Pool(createPgConfig(pglite));
  // In-process: it cannot become unreachable, but a listener costs nothing and keeps any error from being fatal.
  const health = createReachability();
  pool.on('error', (error) => health.failed(error));
  // Hot statements go by name here too (prepared-statements.ts): PGlite parses and plans an unnamed
  // statement at every execution like PostgreSQL does, on this thread — a sync-status read cost
  // 1.7–3.3 ms of CPU unnamed, 0.8–1.0 ms named (decision 0017, sixth round). PGlite is one session
  // for the process's life, and its pg adapter hands every pg client the same connection object,
  // whose record of parsed statements is that session's: a client replaced after idling finds its
  // statements prepared, never prepares one twice. A schema change under them cannot come from another
  // process (PGlite's data directory has one owner), and migrations run before the server serves.
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
  const wasmMemoryBytes = (): number => pglite.Module.HEAPU8.byteLength;
  return withProbe({ db, kind: 'pglite', health, dumpDataDir: () => pglite.dumpDataDir('gzip'), wasmMemoryBytes }, async () => {
    await db.destroy();
    await pglite.close();
  });
}
