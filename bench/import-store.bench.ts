/**
 * The store's part of a first import, in process (decision 0017, sixth round): 5,000 items with their
 * occurrences (10 % weekly/daily series) written through the product's SyncStore.applyInboundBatch in
 * the transactions a first import makes (100, then 500 each), on PGlite (a data directory) or
 * PostgreSQL. Prints CPU and wall time of the writes per round; rounds alternate nothing — run it in
 * two trees for an A/B:
 *
 *   npx tsx bench/import-store.bench.ts                      # PGlite, 3 rounds
 *   BENCH_DATABASES=postgres BENCH_ROUNDS=2 npx tsx bench/import-store.bench.ts
 *   BENCH_SRC=/work/wt/base/src npx tsx bench/import-store.bench.ts   # another tree's store
 *
 * The CPU is this process's (on PostgreSQL the server's own work is not in it). Figures only, never a verdict.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import type { InboundAction } from '../src/domain/sync/inbound-actions.ts';
import { occurrenceCount, type ImportedOccurrence } from '../src/domain/sync/types.ts';
import { seedRemoteCalendar, seedUser, seedWorkspace } from '../test/support/seed-rows.ts';

const SRC = resolve(process.env.BENCH_SRC ?? join(import.meta.dirname, '..', 'src'));
const DATABASES = (process.env.BENCH_DATABASES ?? 'pglite').split(',');
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const ITEMS = Number(process.env.BENCH_ITEMS ?? 5000);
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

type DatabaseModule = typeof import('../src/store/database.ts');
type MigrateModule = typeof import('../src/store/migrate.ts');
type SyncStoreModule = typeof import('../src/store/sync-store.ts');
const load = <T>(path: string): Promise<T> => import(pathToFileURL(join(SRC, path)).href) as Promise<T>;

/** Item i's occurrences: a weekly series (60), a daily one (200) or a single event; some all-day, some odd summaries. */
function occurrencesOf(i: number, base: number): ImportedOccurrence[] {
  const count = i % 10 === 0 ? (i % 20 === 0 ? 60 : 50) : 1;
  const step = count === 60 ? 7 * 86_400_000 : 86_400_000;
  const allDay = i % 17 === 0;
  const length = allDay ? 86_400_000 : 3_600_000;
  const out: ImportedOccurrence[] = [];
  for (let k = 0; k < count; k++) {
    const start = new Date(base + (i % 400) * 3_600_000 + k * step);
    out.push({
      recurrenceId: count > 1 ? start.toISOString() : null,
      start,
      end: new Date(start.getTime() + length),
      allDay,
      blocks: i % 7 !== 0,
      summary: i % 13 === 0 ? `Quote "${i}" \\ back, {brace}` : `Event ${i}`,
      status: i % 5 === 0 ? 'TENTATIVE' : null,
    });
  }
  return out;
}

function actionsFor(from: number, to: number, round: number, base: number): InboundAction[] {
  const actions: InboundAction[] = [];
  for (let i = from; i < to; i++)
    actions.push({
      type: 'ImportItem',
      href: `https://caldav.example/cal/r${round}-${i}.ics`,
      etag: `"etag-${i}"`,
      contentHash: `hash-${i}`,
      uid: `uid-${round}-${i}`,
      occurrences: occurrencesOf(i, base),
      expandedUntil: new Date(base + 430 * 86_400_000),
      reason: 'new',
    });
  return actions;
}

async function main(): Promise<void> {
  const { openPglite, openPostgres } = await load<DatabaseModule>('store/database.ts');
  const { migrateToLatest } = await load<MigrateModule>('store/migrate.ts');
  const { createSyncStore } = await load<SyncStoreModule>('store/sync-store.ts');
  console.log(
    `import-store bench: ${ITEMS} items from ${SRC}; ${ROUNDS} rounds; load ${loadavg()
      .map((l) => l.toFixed(1))
      .join('/')}`,
  );
  for (const kind of DATABASES) {
    const dir = mkdtempSync(join(tmpdir(), 'import-store-bench-'));
    let dbName: string | null = null;
    let handle;
    if (kind === 'pglite') handle = await openPglite(join(dir, 'data'));
    else {
      dbName = `import_store_bench_${process.pid}`;
      const admin = openPostgres(POSTGRES_URL, { max: 1 });
      await sql.raw(`create database ${dbName}`).execute(admin.db);
      await admin.close();
      handle = openPostgres(POSTGRES_URL.replace(/\/[^/]*$/, `/${dbName}`));
    }
    try {
      await migrateToLatest(handle.db);
      const store = createSyncStore(handle.db, {
        publicUrl: 'http://tandem.example',
        now: () => new Date(),
        recordNotice: async () => undefined,
        recordConnectionNotice: async () => undefined,
      });
      const workspaceId = await seedWorkspace(handle.db);
      const base = Date.UTC(2026, 11, 1);
      for (let round = 0; round < ROUNDS; round++) {
        const userId = await seedUser(handle.db, workspaceId);
        const calendarId = await seedRemoteCalendar(handle.db, {
          workspaceId,
          userId,
          url: `https://caldav.example/r${round}/`,
          role: 'conflict',
        });
        // Built before the clock starts: the parse thread's part is not the store's.
        const batches: InboundAction[][] = [];
        for (let from = 0; from < ITEMS;) {
          const size = from === 0 ? 100 : 500;
          batches.push(actionsFor(from, Math.min(ITEMS, from + size), round, base));
          from += size;
        }
        const rows = batches.flat().reduce((n, a) => n + (a.type === 'ImportItem' ? occurrenceCount(a.occurrences) : 0), 0);
        const cpu = process.cpuUsage();
        const wall = performance.now();
        for (const [index, actions] of batches.entries())
          await store.applyInboundBatch({
            calendarId,
            actions,
            ...(index === batches.length - 1 ? { token: 'tok', finish: { at: new Date(), warning: null } } : {}),
          });
        const used = process.cpuUsage(cpu);
        const ms = performance.now() - wall;
        const stored = await handle.db
          .selectFrom('imported_occurrences')
          .where('remote_calendar_id', '=', calendarId)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow();
        console.log(
          `${kind.padEnd(8)} round ${round + 1}: ${batches.length} transactions, ${rows} occurrences (${Number(stored.n)} stored): CPU ${((used.user + used.system) / 1000).toFixed(0)} ms, wall ${ms.toFixed(0)} ms; load ${loadavg()[0]!.toFixed(1)}`,
        );
      }
    } finally {
      await handle.close();
      rmSync(dir, { recursive: true, force: true });
      if (dbName !== null) {
        const admin = openPostgres(POSTGRES_URL, { max: 1 });
        await sql.raw(`drop database ${dbName}`).execute(admin.db);
        await admin.close();
      }
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
