/**
 * Sync benchmark against a local Radicale (DESIGN §7). Not part of the test suite.
 *
 *   npm run bench:sync                 # PostgreSQL SyncStore on in-memory PGlite
 *   BENCH_STORE=memory npm run bench:sync   # the unit tests' in-memory store instead
 *
 * Figures (wall time, HTTP requests, bytes each):
 *  1. raw download of the 5,000-event calendar: sync-collection listing + calendar-multiget of all
 *     hrefs, in batches of 100 and in one shot — the reference;
 *  2. initial import of that calendar through runInboundSync into the store, expansion included
 *     (window 30 days back, 400 ahead), and its ratio to the reference (target ≤ 2×);
 *  3. idle poll of 100 small calendars after their first sync (target: exactly 1 request each);
 *  4. incremental sync after 10 events were edited in Radicale;
 *  5. the "live fetch" approach — a 30-day calendar-query with expansion per availability check —
 *     against Tandem's stored occurrences and idle poll.
 *
 * The data is generated deterministically (bench/sync/generate.ts) and written straight into a
 * Radicale storage folder cached in .cache/bench-radicale/ (git-ignored): the first run takes a few
 * minutes while Radicale builds its item cache, later runs start warm from a fresh copy of it.
 */
import { cpus, loadavg } from 'node:os';
import {
  calendarMultiget,
  calendarQueryExpanded,
  createTransport,
  scopeForUrl,
  syncCollection,
  type CalDavTransport,
} from '../src/caldav/index.ts';
import { defaultSyncWindow } from '../src/domain/sync/sync-window.ts';
import { expandCalendarObject } from '../src/ical/expand.ts';
import { icalEventCodec } from '../src/services/sync/ical-codec.ts';
import { createCalDavRemoteCalendar } from '../src/services/sync/caldav-remote-calendar.ts';
import type { RemoteCalendar } from '../src/domain/sync/ports.ts';
import { runInboundSync, type InboundSyncReport } from '../src/services/sync/run-inbound-sync.ts';
import { putEvent } from '../test/support/caldav-fixtures.ts';
import { startRadicale } from '../test/support/radicale.ts';
import { editEvent, USER_ZONE } from './sync/generate.ts';
import { Meter, median, medianRun, type Measured } from './sync/meter.ts';
import { PASSWORD, prepareStorage, USERNAME, type DatasetSpec } from './sync/radicale-storage.ts';
import { BENCH_USERS, chosenStoreKind, openBenchStore, timedStore, type BenchStore, type StoreTimer } from './sync/stores.ts';

const DAY = 86_400_000;
/** Fixed, so the generated data (and the cached Radicale storage) is the same on every run. */
const NOW = new Date(Date.UTC(2026, 2, 2, 12));
const SPEC: DatasetSpec = {
  seed: 20260302,
  now: NOW,
  window: { daysBack: 30, daysAhead: 400 },
  bigCalendar: { name: 'bench-5000', events: 5000, recurringShare: 0.1 },
  smallCalendars: { prefix: 'bench-small-', count: 100, events: 5 },
};
/** Repetitions of the raw download and the import; the median is reported. */
const RUNS = 3;
/** Repetitions of one live-fetch check for its median. */
const LIVE_RUNS = 5;
/**
 * "100 calendars' worth" of live-fetch checks of the big calendar: LIVE_CHECKS_MEASURED are run in a
 * row and scaled up (each takes a second or more, and 100 of them would blow the time budget).
 */
const LIVE_CHECKS = 100;
const LIVE_CHECKS_MEASURED = 10;
const EDITS = 10;
const LIVE_DAYS = 30;

// -------------------------------------------------------------------------------------------------
// Output
// -------------------------------------------------------------------------------------------------

const benchStarted = performance.now();
const elapsed = (): string => `${((performance.now() - benchStarted) / 1000).toFixed(0).padStart(4)} s`;
const progress = (text: string): void => console.log(`  [${elapsed()}] ${text}`);

function ms(value: number): string {
  return value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : `${value.toFixed(0)} ms`;
}

function bytes(value: number): string {
  if (value >= 1_000_000) return `${(value / 1_000_000).toFixed(2)} MB`;
  if (value >= 1_000) return `${(value / 1_000).toFixed(1)} kB`;
  return `${value} B`;
}

/** One figure: wall time, requests, bytes received (and sent), then notes. */
function figure(label: string, m: Pick<Measured<unknown>, 'ms' | 'requests' | 'bytes' | 'bytesSent'>, note = ''): void {
  const wire = `${bytes(m.bytes)} in, ${bytes(m.bytesSent)} out`;
  console.log(
    `${label.padEnd(62)} ${ms(m.ms).padStart(9)}  ${String(m.requests).padStart(4)} req  ${wire.padEnd(26)}${note === '' ? '' : `  ${note}`}`,
  );
}

function info(label: string, text: string): void {
  console.log(`${label.padEnd(62)} ${text}`);
}

function heading(text: string): void {
  console.log(`\n${text}`);
}

function runsNote(runs: readonly Measured<unknown>[]): string {
  return runs.length > 1 ? `(median of ${runs.length}: ${runs.map((r) => ms(r.ms)).join(' / ')})` : '';
}

function methodsNote(m: Measured<unknown>): string {
  return Object.entries(m.methods)
    .map(([method, count]) => `${count} ${method}`)
    .join(', ');
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`benchmark check failed: ${message}`);
}

// -------------------------------------------------------------------------------------------------
// Scenarios
// -------------------------------------------------------------------------------------------------

interface Context {
  transport: CalDavTransport;
  meter: Meter;
  bigUrl: string;
  smallUrls: string[];
  window: ReturnType<typeof defaultSyncWindow>;
}

async function rawDownload(ctx: Context, batchSize: number | 'one shot'): Promise<{ listed: number; fetched: number }> {
  const listing = await syncCollection({ calendarUrl: ctx.bigUrl, syncToken: null, transport: ctx.transport });
  const hrefs = listing.changed.map((c) => c.href);
  const items = await calendarMultiget({
    calendarUrl: ctx.bigUrl,
    hrefs,
    transport: ctx.transport,
    batchSize: batchSize === 'one shot' ? hrefs.length : batchSize,
  });
  return { listed: hrefs.length, fetched: items.filter((i) => i.calendarData !== null).length };
}

async function sync(
  ctx: Context,
  bench: BenchStore,
  timer: StoreTimer,
  calendarId: string,
  remote: RemoteCalendar,
): Promise<InboundSyncReport> {
  return runInboundSync(
    { store: timedStore(bench.store, timer), remote, codec: icalEventCodec },
    { calendarId, window: ctx.window, now: NOW },
  );
}

function countsNote(report: InboundSyncReport): string {
  return Object.entries(report.counts)
    .map(([type, count]) => `${type} ${count}`)
    .join(', ');
}

/** One availability check the "live fetch" way: a time-range REPORT, then expansion here. */
async function liveCheck(
  ctx: Context,
  calendarUrl: string,
  selfEmail: string,
): Promise<{ objects: number; masters: number; occurrences: number; blocking: number }> {
  const from = NOW;
  const to = new Date(NOW.getTime() + LIVE_DAYS * DAY);
  const items = await calendarQueryExpanded({ calendarUrl, from, to, transport: ctx.transport });
  let masters = 0;
  let occurrences = 0;
  let blocking = 0;
  for (const item of items) {
    // An expanded answer has no RRULE left; a master still carries it.
    if (/^RRULE[:;]/m.test(item.calendarData)) masters++;
    for (const o of expandCalendarObject(item.calendarData, { from, to, zone: USER_ZONE, selfEmails: [selfEmail] })) {
      occurrences++;
      if (o.blocks) blocking++;
    }
  }
  return { objects: items.length, masters, occurrences, blocking };
}

async function main(): Promise<void> {
  const storeKind = chosenStoreKind();
  console.log('Tandem sync benchmark (Radicale 3, local loopback)');
  console.log(
    `machine: ${cpus().length} CPUs, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' / ')} (1 / 5 / 15 min; other work on the machine skews the figures)`,
  );
  console.log(
    `data: ${SPEC.bigCalendar.events} events (${SPEC.bigCalendar.recurringShare * 100} % recurring) + ${SPEC.smallCalendars.count} calendars × ${SPEC.smallCalendars.events}; now = ${NOW.toISOString()}; window ${SPEC.window.daysBack} days back, ${SPEC.window.daysAhead} ahead`,
  );

  const prepared = await prepareStorage(SPEC, progress);
  const s = prepared.stats;
  info(
    'storage',
    `${prepared.cold ? `COLD: seeded and cached in ${ms(prepared.seedMs)}` : 'warm (cached seed)'}; hard-linked into ${prepared.storageDir} in ${ms(prepared.copyMs)}`,
  );
  info(
    'big calendar',
    `${s.singles} single (${s.allDay} all-day), ${s.recurring.weekly} weekly + ${s.recurring.daily} daily + ${s.recurring.monthly} monthly series (${s.withExdate} with EXDATE, ${s.withOverrides} with overrides); ${s.otherZone} outside ${USER_ZONE}; ${bytes(prepared.bigFiles.reduce((n, f) => n + Buffer.byteLength(f.ics), 0))} of iCalendar`,
  );

  const server = await startRadicale({ storageDir: prepared.storageDir, username: USERNAME, password: PASSWORD });
  const stores: BenchStore[] = [];
  let stopping = false;
  const cleanup = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await Promise.allSettled(stores.map((st) => st.close()));
    await server.stop();
    prepared.discard();
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    console.error(`\n${signal}: stopping Radicale`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  try {
    const meter = new Meter();
    const transport = createTransport({
      credentials: { username: server.username, password: server.password },
      scope: scopeForUrl(server.baseUrl),
      allowPrivateNetworks: true,
      timeoutMs: 300_000,
      onRequest: meter.onRequest,
    });
    const ctx: Context = {
      transport,
      meter,
      bigUrl: `${server.calendarHomeUrl}${SPEC.bigCalendar.name}/`,
      smallUrls: prepared.smallCalendarNames.map((name) => `${server.calendarHomeUrl}${name}/`),
      window: defaultSyncWindow(NOW, SPEC.window),
    };
    const openStore = async (): Promise<BenchStore> => {
      const opened = await openBenchStore(storeKind, { zone: USER_ZONE, now: NOW, serverUrl: server.baseUrl, username: USERNAME });
      stores.push(opened);
      return opened;
    };
    const closeStore = async (st: BenchStore): Promise<void> => {
      stores.splice(stores.indexOf(st), 1);
      await st.close();
    };
    const probe = await openStore();
    info('store', probe.description);
    info('remote calendar adapter', 'createCalDavRemoteCalendar (src/services/sync/caldav-remote-calendar.ts)');
    await closeStore(probe);

    // Radicale's first request after start-up pays for imports and the first read of the storage.
    progress('warming up (one untimed raw download)');
    await rawDownload(ctx, 100);

    // --- 1. Raw download ----------------------------------------------------------------------
    heading(`1. Raw download of all ${SPEC.bigCalendar.events} events — the reference (sync-collection listing + calendar-multiget)`);
    const raw100: Measured<{ listed: number; fetched: number }>[] = [];
    const rawAll: Measured<{ listed: number; fetched: number }>[] = [];
    for (let run = 0; run < RUNS; run++) {
      raw100.push(await meter.measure(() => rawDownload(ctx, 100)));
      rawAll.push(await meter.measure(() => rawDownload(ctx, 'one shot')));
    }
    for (const m of [...raw100, ...rawAll])
      check(m.value.fetched === SPEC.bigCalendar.events, `raw download fetched ${m.value.fetched} of ${SPEC.bigCalendar.events}`);
    const ref100 = medianRun(raw100);
    const refAll = medianRun(rawAll);
    figure('1a raw download, multiget in batches of 100', ref100, `${methodsNote(ref100)} ${runsNote(raw100)}`);
    figure('1b raw download, one multiget of all hrefs', refAll, `${methodsNote(refAll)} ${runsNote(rawAll)}`);

    // --- 2. Initial import --------------------------------------------------------------------
    heading(
      `2. Initial import of the ${SPEC.bigCalendar.events}-event calendar through runInboundSync (expansion over the window included)`,
    );
    const imports: Measured<InboundSyncReport>[] = [];
    const importTimers: StoreTimer[] = [];
    let bench: BenchStore | null = null;
    let bigId = '';
    for (let run = 0; run < RUNS; run++) {
      if (bench !== null) await closeStore(bench);
      const current = await openStore();
      bench = current;
      const calendarId = await current.addCalendar({ owner: 'alex', url: ctx.bigUrl, displayName: 'Bench 5000', role: 'primary' });
      const timer: StoreTimer = { ms: 0, calls: 0 };
      const remote = createCalDavRemoteCalendar({ calendarUrl: ctx.bigUrl, transport });
      const m = await meter.measure(() => sync(ctx, current, timer, calendarId, remote));
      check(
        m.value.fetched === SPEC.bigCalendar.events && m.value.counts.ImportItem === SPEC.bigCalendar.events,
        `import: ${countsNote(m.value)}`,
      );
      imports.push(m);
      importTimers.push(timer);
      bigId = calendarId;
      progress(`import run ${run + 1}: ${ms(m.ms)}`);
    }
    if (bench === null) throw new Error('no store');
    const store: BenchStore = bench;
    const imported = medianRun(imports);
    const importTimer = importTimers[imports.indexOf(imported)] ?? { ms: 0, calls: 0 };
    const stored = await store.counts(bigId);
    figure('2  initial import (runInboundSync → store)', imported, `${methodsNote(imported)} ${runsNote(imports)}`);
    info(
      '   where the time went',
      `requests ${ms(imported.networkMs)}, store ${ms(importTimer.ms)} (${importTimer.calls} calls), parse + hash + expand + plan ${ms(imported.ms - imported.networkMs - importTimer.ms)}`,
    );
    info(
      '   stored',
      `${stored.items} items, ${stored.occurrences} occurrences (expanded ${SPEC.window.daysBack} days back to ${SPEC.window.daysAhead} + 30 days headroom ahead)`,
    );
    const ratio100 = imported.ms / ref100.ms;
    const ratioAll = imported.ms / refAll.ms;
    info(
      '   ratio to the raw download (target ≤ 2×)',
      `${ratio100.toFixed(2)}× batches of 100 ${ratio100 <= 2 ? 'OK' : 'MISSED'}; ${ratioAll.toFixed(2)}× one-shot multiget ${ratioAll <= 2 ? 'OK' : 'MISSED'}`,
    );
    const engineOnly = imported.ms - importTimer.ms;
    info(
      "   the same without the store's time",
      `${ms(engineOnly)}: ${(engineOnly / ref100.ms).toFixed(2)}× batches of 100, ${(engineOnly / refAll.ms).toFixed(2)}× one-shot`,
    );

    // --- 3. Idle poll of 100 calendars --------------------------------------------------------
    heading(`3. Idle poll of ${ctx.smallUrls.length} calendars (${SPEC.smallCalendars.events} events each, same Radicale)`);
    const small: Array<{ calendarId: string; remote: RemoteCalendar }> = [];
    for (const [i, url] of ctx.smallUrls.entries()) {
      small.push({
        calendarId: await store.addCalendar({ owner: 'team', url, displayName: `Small ${i}`, role: 'conflict' }),
        remote: createCalDavRemoteCalendar({ calendarUrl: url, transport }),
      });
    }
    const firstTimer: StoreTimer = { ms: 0, calls: 0 };
    const first = await meter.measure(async () => {
      const reports: InboundSyncReport[] = [];
      for (const c of small) reports.push(await sync(ctx, store, firstTimer, c.calendarId, c.remote));
      return reports;
    });
    check(
      first.value.every((r) => r.counts.ImportItem === SPEC.smallCalendars.events),
      'every small calendar imports all its events',
    );
    figure(`3a first sync of ${small.length} calendars`, first, methodsNote(first));
    const pollTimer: StoreTimer = { ms: 0, calls: 0 };
    const poll = await meter.measure(async () => {
      const reports: InboundSyncReport[] = [];
      for (const c of small) reports.push(await sync(ctx, store, pollTimer, c.calendarId, c.remote));
      return reports;
    });
    check(
      poll.value.every((r) => r.path === 'incremental' && r.fetched === 0),
      'an idle poll fetches nothing',
    );
    const perCalendar = poll.requests / small.length;
    figure(`3b idle poll of ${small.length} calendars`, poll, `${methodsNote(poll)}; store ${ms(pollTimer.ms)}`);
    info(
      '   requests per calendar (target: exactly 1)',
      `${perCalendar} ${perCalendar === 1 ? 'OK' : 'MISSED'}; ${ms(poll.ms / small.length)} and ${bytes(poll.bytes / small.length)} in per calendar`,
    );

    // --- 4. Incremental change ----------------------------------------------------------------
    heading(
      `4. Incremental change: ${EDITS} events edited in Radicale (PUT), then one runInboundSync of the ${SPEC.bigCalendar.events}-event calendar`,
    );
    // Single events (the VTIMEZONEs' own RRULEs come before the first VEVENT).
    const plain = prepared.bigFiles.filter((f) => !/^RRULE:/m.test(f.ics.slice(f.ics.indexOf('BEGIN:VEVENT'))));
    const edited = Array.from({ length: EDITS }, (_, i) => plain[Math.floor((i * plain.length) / EDITS)]).filter((f) => f !== undefined);
    for (const file of edited) {
      const res = await putEvent(
        { username: server.username, password: server.password },
        `${ctx.bigUrl}${file.name}`,
        editEvent(file.ics, 'edited', NOW),
      );
      check(res.status === 201 || res.status === 204, `PUT ${file.name} answered ${res.status}`);
    }
    const bigRemote = createCalDavRemoteCalendar({ calendarUrl: ctx.bigUrl, transport });
    const incTimer: StoreTimer = { ms: 0, calls: 0 };
    const inc = await meter.measure(() => sync(ctx, store, incTimer, bigId, bigRemote));
    check(inc.value.counts.UpdateImportedItem === EDITS && inc.value.fetched === EDITS, `incremental: ${countsNote(inc.value)}`);
    figure(`4a incremental sync after ${EDITS} edits`, inc, `${methodsNote(inc)}; ${countsNote(inc.value)}; store ${ms(incTimer.ms)}`);
    const idleBigTimer: StoreTimer = { ms: 0, calls: 0 };
    const idleBig = await meter.measure(() => sync(ctx, store, idleBigTimer, bigId, bigRemote));
    check(idleBig.value.fetched === 0, 'an idle poll of the big calendar fetches nothing');
    figure(
      `4b idle poll of the ${SPEC.bigCalendar.events}-event calendar`,
      idleBig,
      `${methodsNote(idleBig)}; store ${ms(idleBigTimer.ms)}`,
    );

    // --- 5. Live fetch vs stored occurrences --------------------------------------------------
    heading(`5. "Live fetch" (a ${LIVE_DAYS}-day calendar-query REPORT with <expand> per availability check) vs Tandem`);
    const live: Measured<Awaited<ReturnType<typeof liveCheck>>>[] = [];
    for (let run = 0; run < LIVE_RUNS; run++) live.push(await meter.measure(() => liveCheck(ctx, ctx.bigUrl, BENCH_USERS.alex.email)));
    const liveOne = medianRun(live);
    const lv = liveOne.value;
    figure(
      `5a live fetch: one check of the ${SPEC.bigCalendar.events}-event calendar`,
      liveOne,
      `${lv.objects} objects → ${lv.occurrences} occurrences, ${lv.blocking} blocking ${runsNote(live)}`,
    );
    info(
      '   server-side expansion',
      lv.masters > 0
        ? `Radicale IGNORED <expand>: ${lv.masters} of ${lv.objects} objects came back as recurring masters (RRULE); expanded client-side with expandCalendarObject (included in the time above)`
        : 'the server expanded the recurrences (no RRULE in the answer)',
    );
    progress(`running ${LIVE_CHECKS_MEASURED} live-fetch checks of the ${SPEC.bigCalendar.events}-event calendar in a row`);
    const measuredMany = await meter.measure(async () => {
      for (let i = 0; i < LIVE_CHECKS_MEASURED; i++) await liveCheck(ctx, ctx.bigUrl, BENCH_USERS.alex.email);
    });
    const scale = LIVE_CHECKS / LIVE_CHECKS_MEASURED;
    const liveMany = {
      ms: measuredMany.ms * scale,
      requests: measuredMany.requests * scale,
      bytes: measuredMany.bytes * scale,
      bytesSent: measuredMany.bytesSent * scale,
    };
    figure(
      `5b live fetch: ${LIVE_CHECKS} checks of it (= ${LIVE_CHECKS} such calendars, once)`,
      liveMany,
      `${LIVE_CHECKS_MEASURED} measured in a row (${ms(measuredMany.ms)}) × ${scale}`,
    );
    const liveSmall = await meter.measure(async () => {
      let blocking = 0;
      for (const url of ctx.smallUrls) blocking += (await liveCheck(ctx, url, BENCH_USERS.team.email)).blocking;
      return blocking;
    });
    figure(
      `5c live fetch: one check across the ${ctx.smallUrls.length} small calendars`,
      liveSmall,
      `${methodsNote(liveSmall)}; ${liveSmall.value} blocking occurrences`,
    );

    const range = { start: NOW, end: new Date(NOW.getTime() + LIVE_DAYS * DAY) };
    const reads: number[] = [];
    let busyBig = 0;
    let busyTeam = 0;
    for (let run = 0; run < LIVE_RUNS; run++) {
      const started = performance.now();
      busyBig = await store.readBusy('alex', range);
      reads.push(performance.now() - started);
    }
    const teamReads: number[] = [];
    for (let run = 0; run < LIVE_RUNS; run++) {
      const started = performance.now();
      busyTeam = await store.readBusy('team', range);
      teamReads.push(performance.now() - started);
    }
    figure(
      `5d Tandem: one check of the ${SPEC.bigCalendar.events}-event calendar (store read)`,
      { ms: median(reads), requests: 0, bytes: 0, bytesSent: 0 },
      `${busyBig} blocking occurrences ${busyBig === lv.blocking ? '(= live fetch)' : `(live fetch: ${lv.blocking})`}`,
    );
    figure(
      `5e Tandem: one check across the ${ctx.smallUrls.length} small calendars (store read)`,
      { ms: median(teamReads), requests: 0, bytes: 0, bytesSent: 0 },
      `${busyTeam} blocking occurrences ${busyTeam === liveSmall.value ? '(= live fetch)' : `(live fetch: ${liveSmall.value})`}`,
    );
    figure(
      `5f Tandem: background idle poll of ${small.length} calendars (= 3b)`,
      poll,
      'once per poll interval, whatever the number of checks',
    );
    figure(`5g Tandem: background idle poll of the ${SPEC.bigCalendar.events}-event calendar (= 4b)`, idleBig, 'once per poll interval');
    info(
      '   per check, live fetch vs Tandem',
      `${SPEC.bigCalendar.events}-event calendar: ${ms(liveOne.ms)}, 1 request, ${bytes(liveOne.bytes)} vs ${ms(median(reads))}, 0 requests; ` +
        `${ctx.smallUrls.length} calendars: ${ms(liveSmall.ms)}, ${liveSmall.requests} requests, ${bytes(liveSmall.bytes)} vs ${ms(median(teamReads))}, 0 requests`,
    );
    info(
      `   ${LIVE_CHECKS} calendars' worth of checks vs one idle poll of ${small.length}`,
      `live fetch ${ms(liveMany.ms)}, ${liveMany.requests} requests, ${bytes(liveMany.bytes)} per round of checks; ` +
        `Tandem ${ms(poll.ms)}, ${poll.requests} requests, ${bytes(poll.bytes)} per poll interval (${(liveMany.bytes / Math.max(1, poll.bytes)).toFixed(0)}× fewer bytes)`,
    );

    console.log(
      `\nload average at the end ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')}`,
    );
    console.log(`done in ${elapsed().trim()}${prepared.cold ? ' (cold: storage seeded in this run)' : ''}`);
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
    await cleanup();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
