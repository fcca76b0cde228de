import { inject } from 'vitest';
import pg from 'pg';
import { openPglite, openPostgres, type DatabaseHandle } from '../../src/store/database.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { createDatabaseOn } from './create-database.ts';
import { waitFor } from './wait-for.ts';

export type DatabaseKind = 'pglite' | 'postgres';
export const databaseKinds: DatabaseKind[] = ['pglite', 'postgres'];

/**
 * A migrated, empty database of the given kind, private to the caller: an in-memory PGlite, or a
 * fresh database created on the suite's PostgreSQL server (dropped again by `close`).
 */
export async function createTestDatabase(
  kind: DatabaseKind,
  options: { poolSize?: number } = {},
): Promise<DatabaseHandle & { url: string | null }> {
  if (kind === 'pglite') {
    const handle = await openPglite(null);
    await migrateToLatest(handle.db);
    return { ...handle, url: null };
  }
  const adminUrl = inject('postgresUrl');
  const { url, name } = await createDatabaseOn(adminUrl, 'tandem_test');
  const handle = openPostgres(url, { max: options.poolSize ?? 20 });
  await migrateToLatest(handle.db);
  return {
    ...handle,
    url,
    async close() {
      await handle.close();
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      // The pool's sockets close asynchronously after end(); dropping WITH (FORCE) while one is
      // still open would kill it and surface a FATAL on a client nobody listens to any more.
      await waitFor(
        async () => {
          const { rows } = await cleanup.query<{ n: string }>('select count(*) as n from pg_stat_activity where datname = $1', [name]);
          return Number(rows[0]?.n) === 0;
        },
        `connections to ${name} to close`,
        10_000,
      );
      await cleanup.query(`drop database if exists ${name}`);
      await cleanup.end();
    },
  };
}
