/**
 * Issue 7.3: one hostile calendar must not hurt anyone else. While hostile calendars sync, an
 * unrelated API request (GET /api/errors on the real app, in the same process) is timed back to back;
 * prints its p50/p95/max per scenario, and the process RSS before, at peak and after (with GC).
 *
 * The calendars are served over real HTTP by test/support/hostile-caldav-server.ts, run in a child
 * process (its own work does not count against Tandem's event loop), and read through Tandem's real
 * CalDAV client (transport, multistatus parsing, the sync engine's CalDAV adapter):
 *  - 4 calendars at once, each holding one 50 MB event (50,000,000-byte DESCRIPTION, streamed
 *    without a Content-Length) — refused by ICAL_MAX_OBJECT_BYTES;
 *  - a calendar listing 300,000 items (imported up to SYNC_MAX_ITEMS_PER_CALENDAR);
 *  - 20 dense series with gaps (22,080 occurrences each) — parse and expansion CPU.
 * Each runs on the embedded PGlite and on PostgreSQL (a database of its own, created and dropped on
 * TEST_DATABASE_URL / DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
 *
 *   npm run bench:hostile
 *   BENCH_SCENARIOS=<text>,… only scenarios whose name contains one of them (and the idle baseline)
 *   BENCH_DATABASES=pglite   only one store (pglite, postgres; default both)
 *   BENCH_ITEM_CAP=50000     import the full default item cap (default 10,000)
 *   BENCH_ROUNDS=3           rounds of the four 50 MB calendars (default 1)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRequire } from 'node:module';
import pg from 'pg';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import type { RemoteCalendar } from '../src/domain/sync/ports.ts';
import { defaultSyncWindow } from '../src/domain/sync/sync-window.ts';
import { transportFor } from '../src/services/connections/open-transport.ts';
import { recordAppointmentNotice } from '../src/services/notifications/record-appointment-notice.ts';
import { recordConnectionNotice } from '../src/services/notifications/record-connection-notice.ts';
import { createCalDavRemoteCalendar } from '../src/services/sync/caldav-remote-calendar.ts';
import { icalEventCodec } from '../src/services/sync/ical-codec.ts';
import { createParsePool } from '../src/services/sync/parse-pool.ts';
import { runInboundSync } from '../src/services/sync/run-inbound-sync.ts';
import { DEFAULT_SYNC_LIMITS, type SyncLimits } from '../src/services/sync/sync-limits.ts';
import { openPglite, openPostgres, type DatabaseHandle } from '../src/store/database.ts';
import { createSyncStore } from '../src/store/sync-store.ts';
import { createDatabaseOn } from '../test/support/create-database.ts';
import { seedRemoteCalendar, seedUser, seedWorkspace } from '../test/support/seed-rows.ts';

const NOW = new Date('2026-12-06T12:00:00Z');
const ITEM_CAP = Number(process.env.BENCH_ITEM_CAP ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 1);
const MB = 1024 * 1024;

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const rssMiB = (): number => Math.round(process.memoryUsage().rss / MB);
/** RSS after `waitMs` (letting idle worker threads end, as they do in a running server) and GC. */
async function settledRss(waitMs = 0): Promise<number> {
  await new Promise((resolve) => setTimeout(resolve, waitMs));
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return rssMiB();
}

/** The hostile server in a child process; resolves with its origin once it listens. */
async function startServer(): Promise<{ origin: string; child: ChildProcess }> {
  const script = fileURLToPath(new URL('../test/support/hostile-caldav-server.ts', import.meta.url));
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  const child = spawn(process.execPath, ['--import', tsx, script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // Not left behind when the bench fails half-way.
  process.once('exit', () => child.kill('SIGTERM'));
  const [line] = await new Promise<string[]>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`hostile server exited (${code})`)));
    createInterface({ input: child.stdout! }).once('line', (l) => resolve([l]));
  });
  return { origin: (JSON.parse(line!) as { origin: string }).origin, child };
}

/** A PostgreSQL database of the bench's own on the given server, dropped by `drop`. */
async function ownPostgres(adminUrl: string): Promise<{ handle: DatabaseHandle; drop: () => Promise<void> }> {
  const { url, name } = await createDatabaseOn(adminUrl, 'tandem_bench_hostile');
  const handle = openPostgres(url);
  return {
    handle,
    drop: async () => {
      const cleanup = new pg.Client({ connectionString: adminUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

async function main(): Promise<void> {
  const only = (process.env.BENCH_SCENARIOS ?? '').split(',');
  const stores = (process.env.BENCH_DATABASES ?? 'pglite,postgres').split(',').map((s) => s.trim());
  const adminUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const server = await startServer();
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-bench-hostile-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    TANDEM_SEED_DEMO: 'false',
    SCHEDULER: 'off',
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
  });
  const pool = createParsePool({ threads: config.syncParseThreads });
  const caldav = { icloudCalDavUrl: 'https://caldav.icloud.com', allowPrivateNetworks: true, timeoutMs: 300_000 };

  console.log(
    `hostile-calendar bench: Node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, parse threads ${config.syncParseThreads}, hostile server ${server.origin} (child process)`,
  );
  console.log('| store | scenario | wall | requests | p50 | p95 | max | RSS before → peak → after (MiB) | outcome |');
  console.log('|---|---|---|---|---|---|---|---|---|');

  for (const store of stores) {
    const own = store === 'postgres' ? await ownPostgres(adminUrl) : null;
    const database = own?.handle ?? (await openPglite(null));
    const app = await createApp(config, { database, now: () => NOW });
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    const db = database.db;
    const workspaceId = await seedWorkspace(db);
    const userId = await seedUser(db, workspaceId, { timezone: 'UTC' });
    const syncStore = createSyncStore(db, {
      publicUrl: config.publicUrl,
      now: () => NOW,
      recordNotice: recordAppointmentNotice,
      recordConnectionNotice,
    });
    const window = defaultSyncWindow(NOW);

    async function probe(during: Promise<unknown>): Promise<number[]> {
      const latencies: number[] = [];
      let done = false;
      during.then(
        () => (done = true),
        () => (done = true),
      );
      while (!done) {
        const started = performance.now();
        const res = await fetch(`http://127.0.0.1:${port}/api/errors`);
        await res.arrayBuffer();
        latencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return latencies.sort((a, b) => a - b);
    }

    let calendarCount = 0;
    const remoteFor = (kind: string): { calendarId: Promise<string>; remote: RemoteCalendar } => {
      const calendarUrl = `${server.origin}/${kind}/${store}-${calendarCount++}/`;
      const transport = transportFor({
        credentials: { username: 'bench', password: 'bench' },
        provider: 'caldav',
        serverUrl: server.origin,
        caldav,
      });
      return {
        calendarId: seedRemoteCalendar(db, { workspaceId, userId, url: calendarUrl, role: 'conflict' }),
        remote: createCalDavRemoteCalendar({ calendarUrl, transport }),
      };
    };
    /** Seeds the calendars (outside the timed part), then returns the run that syncs them all at once. */
    async function syncAll(kinds: string[], limits: SyncLimits): Promise<() => Promise<string[]>> {
      const remotes = kinds.map(remoteFor);
      const ids = await Promise.all(remotes.map((r) => r.calendarId));
      return () =>
        Promise.all(
          remotes.map((r, i) =>
            runInboundSync(
              { store: syncStore, remote: r.remote, codec: icalEventCodec, limits, parser: pool.parser },
              {
                calendarId: ids[i]!,
                window,
                now: NOW,
              },
            ).then(
              async () => {
                const row = await db
                  .selectFrom('remote_calendars')
                  .select(['item_error_code', 'limit_error_code'])
                  .where('id', '=', ids[i]!)
                  .executeTakeFirst();
                const items = await db
                  .selectFrom('remote_items')
                  .select((eb) => eb.fn.countAll<number>().as('n'))
                  .where('remote_calendar_id', '=', ids[i]!)
                  .executeTakeFirst();
                const codes = [row?.item_error_code, row?.limit_error_code].filter(Boolean).join(', ');
                return `${Number(items?.n ?? 0)} items${codes ? ` (${codes})` : ''}`;
              },
              (error: unknown) => `failed: ${error instanceof Error ? error.message.slice(0, 80) : String(error)}`,
            ),
          ),
        );
    }

    const scenarios: { name: string; run: () => Promise<() => Promise<string[]>> }[] = [
      { name: 'idle (baseline)', run: async () => () => new Promise((resolve) => setTimeout(() => resolve([]), 3000)) },
      {
        // Several rounds of four at once: one round is over too soon to time many requests against it.
        name: `4 calendars at once, one 50 MB event each (×${ROUNDS} round${ROUNDS === 1 ? '' : 's'})`,
        run: async () => {
          const rounds: (() => Promise<string[]>)[] = [];
          for (let round = 0; round < ROUNDS; round++) rounds.push(await syncAll(['huge', 'huge', 'huge', 'huge'], DEFAULT_SYNC_LIMITS));
          return async () => {
            const outcomes: string[] = [];
            for (const round of rounds) outcomes.push(...(await round()));
            return outcomes;
          };
        },
      },
      {
        name: `300,000-item listing (cap ${ITEM_CAP.toLocaleString('en-US')})`,
        run: () => syncAll(['many'], { ...DEFAULT_SYNC_LIMITS, maxItemsPerCalendar: ITEM_CAP }),
      },
      { name: '20 dense series with gaps (22,080 occurrences each)', run: () => syncAll(['dense'], DEFAULT_SYNC_LIMITS) },
    ];

    // Warm up the request path (fetch, Fastify's first compile of the route) and the sync path (a
    // running server has synced before), so no scenario pays for either.
    for (let i = 0; i < 20; i++) await (await fetch(`http://127.0.0.1:${port}/api/errors`)).arrayBuffer();
    await (
      await syncAll(['small'], DEFAULT_SYNC_LIMITS)
    )();

    for (const scenario of scenarios) {
      if (!only.some((text) => scenario.name.includes(text)) && !scenario.name.startsWith('idle')) continue;
      const start = await scenario.run();
      const before = await settledRss();
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, rssMiB());
      }, 50);
      const started = performance.now();
      const work = start();
      const latencies = await probe(work);
      const outcomes = await work;
      const wall = performance.now() - started;
      clearInterval(sampler);
      // The XML reader's threads end 10 s idle, and take the heap of what they read with them.
      const after = await settledRss(12_000);
      const outcome = [...new Set(outcomes)].join('; ');
      console.log(
        `| ${store} | ${scenario.name} | ${(wall / 1000).toFixed(1)} s | ${latencies.length} | ${percentile(latencies, 50).toFixed(1)} ms | ${percentile(latencies, 95).toFixed(1)} ms | ${latencies.at(-1)!.toFixed(1)} ms | ${before} → ${peak} → ${after} | ${outcome} |`,
      );
    }
    await app.close();
    await database.close();
    await own?.drop();
  }
  await pool.close();
  server.child.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
  console.log(
    `load average at the end: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
}

await main();
