/**
 * Issue 7.3: one hostile calendar must not hurt anyone else. While hostile calendars sync, an
 * unrelated API request (GET /api/errors on the real app, in the same process) is timed back to back;
 * prints its p50/p95/max per scenario, and the process RSS before, at peak and after (with GC).
 *
 * Scenarios (the remote is an in-process fake, so the figures are Tandem's own cost, not a server's):
 *  - 4 calendars at once, each holding one 50 MB event (refused by ICAL_MAX_OBJECT_BYTES);
 *  - a calendar listing 300,000 items (imported up to SYNC_MAX_ITEMS_PER_CALENDAR);
 *  - 20 dense series with gaps (22,080 occurrences each) — parse and expansion CPU.
 * Each runs with the worker-thread parser (SYNC_PARSE_THREADS, default) and in the main thread (0).
 *
 *   npm run bench:hostile            (BENCH_ITEM_CAP=50000 to import the full default cap; default 10,000)
 *
 * The HTTP response of a 50 MB multiget is read and its XML parsed by src/caldav (not measured here:
 * the fake remote hands over the text); capping that response is the transport's job.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.ts';
import { loadConfig } from '../src/config.ts';
import { defaultSyncWindow } from '../src/domain/sync/sync-window.ts';
import { icalEventCodec } from '../src/services/sync/ical-codec.ts';
import type { ItemParser } from '../src/services/sync/item-parser.ts';
import { createParsePool } from '../src/services/sync/parse-pool.ts';
import type { RemoteCalendar } from '../src/domain/sync/ports.ts';
import { runInboundSync } from '../src/services/sync/run-inbound-sync.ts';
import { DEFAULT_SYNC_LIMITS, type SyncLimits } from '../src/services/sync/sync-limits.ts';
import { openPglite } from '../src/store/database.ts';
import { createSyncStore } from '../src/store/sync-store.ts';
import { recordAppointmentNotice } from '../src/services/notifications/record-appointment-notice.ts';
import { recordConnectionNotice } from '../src/services/notifications/record-connection-notice.ts';
import { seedRemoteCalendar, seedUser, seedWorkspace } from '../test/support/seed-rows.ts';

const NOW = new Date('2026-12-06T12:00:00Z');
const ITEM_CAP = Number(process.env.BENCH_ITEM_CAP ?? 10_000);
const MB = 1024 * 1024;

const vcalendar = (uid: string, lines: string[]): string =>
  `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:20261101T000000Z\r\n${lines.join('\r\n')}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
const smallEvent = (i: number): string =>
  vcalendar(`item-${i}`, [
    `SUMMARY:Item ${i}`,
    `DTSTART:2026${String(12 + (i % 1)).padStart(2, '0')}${String(1 + (i % 28)).padStart(2, '0')}T100000Z`,
    'DURATION:PT1H',
  ]);

/** A remote that lists `count` items and serves `objectFor(href)` for each; nothing over the network. */
function fakeRemote(name: string, count: number, objectFor: (index: number) => string): RemoteCalendar {
  const hrefs = Array.from({ length: count }, (_, i) => `/${name}/${i}.ics`);
  const listing = hrefs.map((href) => ({ href, etag: '"1"' }));
  return {
    syncCollection: async () => ({ changed: listing, deleted: [], token: 'token-1', truncated: false }),
    listEtags: async () => listing.map((entry) => ({ href: entry.href, etag: entry.etag })),
    multiget: async (wanted) =>
      wanted.map((href) => ({ href, etag: '"1"', ics: objectFor(Number(href.split('/').pop()!.replace('.ics', ''))) })),
    get: async () => null,
    put: async () => ({ etag: null }),
    delete: async () => undefined,
    hrefFor: (uid) => `/${name}/${uid}.ics`,
  };
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
const rssMiB = (): number => Math.round(process.memoryUsage().rss / MB);
async function settledRss(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return rssMiB();
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-bench-hostile-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    TANDEM_SEED_DEMO: 'false',
    SCHEDULER: 'off',
    LOG_LEVEL: 'silent',
    PORT: '0',
    HOST: '127.0.0.1',
  });
  const database = await openPglite(null);
  const app = await createApp(config, { database, now: () => NOW });
  await app.server.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const db = database.db;
  const workspaceId = await seedWorkspace(db);
  const userId = await seedUser(db, workspaceId, { timezone: 'UTC' });
  const store = createSyncStore(db, {
    publicUrl: config.publicUrl,
    now: () => NOW,
    recordNotice: recordAppointmentNotice,
    recordConnectionNotice,
  });
  const window = defaultSyncWindow(NOW);
  const pool = createParsePool({ threads: config.syncParseThreads });
  const inThread: ItemParser | undefined = undefined;

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
  /** Seeds the calendars (outside the timed part), then returns the run that syncs them all at once. */
  async function syncAll(remotes: RemoteCalendar[], limits: SyncLimits, parser: ItemParser | undefined): Promise<() => Promise<unknown>> {
    const calendars: string[] = [];
    for (const _ of remotes)
      calendars.push(
        await seedRemoteCalendar(db, { workspaceId, userId, url: `https://bench.invalid/${calendarCount++}/`, role: 'conflict' }),
      );
    return () =>
      Promise.all(
        remotes.map((remote, i) =>
          runInboundSync(
            { store, remote, codec: icalEventCodec, limits, ...(parser && { parser }) },
            { calendarId: calendars[i]!, window, now: NOW },
          ),
        ),
      );
  }

  const fifty = vcalendar('huge', ['DTSTART:20261210T100000Z', 'DURATION:PT1H', `DESCRIPTION:${'x'.repeat(50 * MB)}`]);
  const dense = (i: number): string =>
    vcalendar(`dense-${i}`, ['DTSTART:20261101T001500Z', 'DURATION:PT10M', 'RRULE:FREQ=MINUTELY;INTERVAL=30']);
  const only = process.env.BENCH_SCENARIOS ?? '';
  const scenarios: { name: string; run: (parser: ItemParser | undefined) => Promise<() => Promise<unknown>> }[] = [
    { name: 'idle (baseline)', run: async () => () => new Promise((resolve) => setTimeout(resolve, 3000)) },
    {
      // Ten rounds of four at once: one round is over too soon to time many requests against it.
      name: '4 calendars at once, one 50 MB event each (×10 rounds)',
      run: async (parser) => {
        const rounds: (() => Promise<unknown>)[] = [];
        for (let round = 0; round < 10; round++)
          rounds.push(
            await syncAll(
              [0, 1, 2, 3].map((i) => fakeRemote(`huge${round}-${i}`, 1, () => fifty)),
              DEFAULT_SYNC_LIMITS,
              parser,
            ),
          );
        return async () => {
          for (const round of rounds) await round();
        };
      },
    },
    {
      name: `300,000-item listing (cap ${ITEM_CAP.toLocaleString('en-US')})`,
      run: (parser) =>
        syncAll([fakeRemote('many', 300_000, smallEvent)], { ...DEFAULT_SYNC_LIMITS, maxItemsPerCalendar: ITEM_CAP }, parser),
    },
    {
      name: '20 dense series with gaps (22,080 occurrences each)',
      run: (parser) => syncAll([fakeRemote('dense', 20, dense)], DEFAULT_SYNC_LIMITS, parser),
    },
  ];

  // Warm up the request path (fetch, Fastify's first compile of the route) so no scenario pays for it.
  for (let i = 0; i < 20; i++) await (await fetch(`http://127.0.0.1:${port}/api/errors`)).arrayBuffer();
  // …and the sync path (a running server has synced before): one small calendar, in both parsers.
  await (
    await syncAll([fakeRemote('warm-a', 3, smallEvent)], DEFAULT_SYNC_LIMITS, pool.parser)
  )();
  await (
    await syncAll([fakeRemote('warm-b', 3, smallEvent)], DEFAULT_SYNC_LIMITS, undefined)
  )();
  console.log(
    `hostile-calendar bench: Node ${process.version}, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, parse threads ${config.syncParseThreads}`,
  );
  console.log('| scenario | parser | wall | requests | p50 | p95 | max | RSS before → peak → after (MiB) |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const mode of [
    { name: `worker threads (${config.syncParseThreads})`, parser: pool.parser },
    { name: 'main thread, yielding', parser: inThread },
  ]) {
    for (const scenario of scenarios) {
      if ((scenario.name.startsWith('idle') && mode.parser === inThread) || !scenario.name.includes(only)) continue;
      const start = await scenario.run(mode.parser);
      const before = await settledRss();
      let peak = before;
      const sampler = setInterval(() => {
        peak = Math.max(peak, rssMiB());
      }, 50);
      const started = performance.now();
      const work = start();
      const latencies = await probe(work);
      await work;
      const wall = performance.now() - started;
      clearInterval(sampler);
      const after = await settledRss();
      console.log(
        `| ${scenario.name} | ${mode.name} | ${(wall / 1000).toFixed(1)} s | ${latencies.length} | ${percentile(latencies, 50).toFixed(1)} ms | ${percentile(latencies, 95).toFixed(1)} ms | ${latencies.at(-1)!.toFixed(1)} ms | ${before} → ${peak} → ${after} |`,
      );
    }
  }
  await pool.close();
  await app.close();
  await database.close();
  rmSync(dataDir, { recursive: true, force: true });
}

await main();
