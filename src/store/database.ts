import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { btree_gist } from '@electric-sql/pglite/contrib/btree_gist';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import type { DB } from './schema.ts';

export type Database = Kysely<DB>;

export interface DatabaseHandle {
  db: Database;
  kind: 'postgres' | 'pglite';
  /** PGlite only: a consistent tar.gz of the whole data directory, taken inside this process. */
  dumpDataDir?(): Promise<Blob>;
  close(): Promise<void>;
}

// timestamptz arrives as Date already; int8 (bigint counts) as string by default — parse the
// small ones we use (counts, outbox ids) as numbers so code never compares strings to numbers.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

/** Real PostgreSQL through a connection pool. */
export function openPostgres(url: string, options: { max?: number } = {}): DatabaseHandle {
  const pool = new pg.Pool({ connectionString: url, max: options.max ?? 20 });
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return { db, kind: 'postgres', close: () => db.destroy() };
}

/**
 * Embedded PGlite (WASM PostgreSQL) in `dataDir`, or in memory when `dataDir` is null.
 * node-postgres talks to it through PGlite's pg adapter, so Kysely's PostgresDialect — and every
 * query we write — runs unchanged on both. PGlite has a single connection: transactions queue.
 */
export async function openPglite(dataDir: string | null): Promise<DatabaseHandle> {
  const pglite = await PGlite.create(dataDir ?? 'memory://', { extensions: { btree_gist } });
  const pool = new pg.Pool(createPgConfig(pglite));
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: 'pglite',
    dumpDataDir: () => pglite.dumpDataDir('gzip'),
    async close() {
      await db.destroy();
      await pglite.close();
    },
  };
}
