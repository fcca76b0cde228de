/**
 * Availability through the real server (issue 13.1/13.3): `tandem serve` (dist/main.js, a child
 * process) on embedded PGlite and on PostgreSQL, a member whose primary calendar is a 5,000-event
 * Radicale calendar (10 % recurring, bench/sync/generate.ts) imported through the API; then the public
 * free-slots request for 30 days over HTTP, p50/p95 and the server's CPU time per request.
 * Anchor, same run: the "live fetch" — a 30-day calendar-query REPORT with <expand> against the same
 * Radicale calendar, timed with fetch until the whole answer is read.
 *
 *   npm run bench:slots-http              (BENCH_DATABASES=pglite or postgres for one; BENCH_CPU_PROF=1 writes .cpuprofile files)
 */
import { startRadicale } from '../test/support/radicale.ts';
import { connectPrimary, signUp, addCalendar, waitForImport } from './serve/api-client.ts';
import { buildServer, loadAverage, percentile, startTandem, type DatabaseKind } from './serve/tandem-process.ts';
import { PASSWORD, prepareStorage, USERNAME, type DatasetSpec } from './sync/radicale-storage.ts';

const DAY = 86_400_000;
/** Today at midnight UTC: the server syncs around its own clock, so the data is generated around it too. */
const TODAY = new Date(Math.floor(Date.now() / DAY) * DAY);
const SPEC: DatasetSpec = {
  seed: 20260302,
  now: TODAY,
  window: { daysBack: 30, daysAhead: 400 },
  bigCalendar: { name: 'bench-5000', events: 5000, recurringShare: 0.1 },
  smallCalendars: { prefix: 'bench-small-', count: 0, events: 5 },
};
const WARMUP = 30;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const LIVE_RUNS = 5;
const ZONE = 'Europe/Berlin';

const log = (line: string): void => console.log(`  ${line}`);

function calendarQueryBody(from: Date, to: Date): string {
  const stamp = (d: Date): string =>
    d
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
  return `<?xml version="1.0" encoding="utf-8"?>
<c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:prop><d:getetag/><c:calendar-data><c:expand start="${stamp(from)}" end="${stamp(to)}"/></c:calendar-data></d:prop>
  <c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="${stamp(from)}" end="${stamp(to)}"/></c:comp-filter></c:comp-filter></c:filter>
</c:calendar-query>`;
}

async function liveFetch(calendarUrl: string, from: Date, to: Date): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  const res = await fetch(calendarUrl, {
    method: 'REPORT',
    headers: {
      authorization: `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`,
      'content-type': 'application/xml; charset=utf-8',
      depth: '1',
    },
    body: calendarQueryBody(from, to),
  });
  const body = await res.arrayBuffer();
  if (res.status !== 207) throw new Error(`live fetch answered ${res.status}`);
  return { ms: performance.now() - started, bytes: body.byteLength };
}

interface Row {
  kind: DatabaseKind;
  p50: number;
  p95: number;
  cpuPerRequest: number;
  slots: number;
  rss: number;
  peak: number;
  importMs: number;
  liveP50: number;
  liveBytes: number;
  load: string;
}

async function main(): Promise<void> {
  const kinds = (process.env.BENCH_DATABASES ?? 'pglite,postgres').split(',') as DatabaseKind[];
  console.log(`slots over HTTP: ${REQUESTS} requests after ${WARMUP} warm-up, 30 days, load average ${loadAverage()}`);
  buildServer();
  const prepared = await prepareStorage(SPEC, log);
  const radicale = await startRadicale({ storageDir: prepared.storageDir, username: USERNAME, password: PASSWORD });
  const calendarUrl = `${radicale.calendarHomeUrl}${SPEC.bigCalendar.name}/`;
  const rows: Row[] = [];
  try {
    for (const kind of kinds) {
      const tandem = await startTandem(kind, { label: 'slots' });
      try {
        const atStart = tandem.memory();
        log(`${kind}: server ready, RSS ${atStart.rssMiB} MiB (peak so far ${atStart.peakMiB} MiB: start-up and migrations)`);
        const session = await signUp(tandem.url, ZONE);
        const importStarted = performance.now();
        const remoteId = await connectPrimary(
          tandem.url,
          session,
          { serverUrl: radicale.baseUrl, username: USERNAME, password: PASSWORD },
          `Bench ${SPEC.bigCalendar.events}`,
        );
        await waitForImport(tandem.url, session, remoteId);
        const importMs = performance.now() - importStarted;
        log(`${kind}: import of ${SPEC.bigCalendar.events} events complete in ${(importMs / 1000).toFixed(1)} s`);
        const calendarId = await addCalendar(tandem.url, session, { type: 'round_robin', members: [{ userId: session.userId }] });

        const from = new Date(Math.ceil(Date.now() / 3_600_000) * 3_600_000 + DAY);
        const to = new Date(from.getTime() + 30 * DAY);
        const slotsUrl = `${tandem.url}/api/public/calendars/${calendarId}/slots?from=${from.toISOString()}&to=${to.toISOString()}&timezone=${encodeURIComponent(ZONE)}`;
        let slots = 0;
        const request = async (): Promise<number> => {
          const started = performance.now();
          const res = await fetch(slotsUrl);
          const body = (await res.json()) as unknown[];
          if (res.status !== 200) throw new Error(`slots answered ${res.status}: ${JSON.stringify(body)}`);
          slots = body.length;
          return performance.now() - started;
        };
        for (let i = 0; i < WARMUP; i++) await request();
        const cpuBefore = tandem.cpuMs();
        const latencies: number[] = [];
        for (let i = 0; i < REQUESTS; i++) latencies.push(await request());
        const cpuPerRequest = (tandem.cpuMs() - cpuBefore) / REQUESTS;
        latencies.sort((a, b) => a - b);

        // The anchor, in the same run, right after: a live fetch of the same 30 days.
        const live: number[] = [];
        let liveBytes = 0;
        for (let i = 0; i < LIVE_RUNS; i++) {
          const fetched = await liveFetch(calendarUrl, from, to);
          live.push(fetched.ms);
          liveBytes = fetched.bytes;
        }
        live.sort((a, b) => a - b);
        const memory = tandem.memory();
        rows.push({
          kind,
          p50: percentile(latencies, 50),
          p95: percentile(latencies, 95),
          cpuPerRequest,
          slots,
          rss: memory.rssMiB,
          peak: memory.peakMiB,
          importMs,
          liveP50: percentile(live, 50),
          liveBytes,
          load: loadAverage(),
        });
      } catch (error) {
        console.error(`tandem serve (${kind}) said:\n${tandem.output()}`);
        throw error;
      } finally {
        await tandem.stop();
      }
    }
  } finally {
    await radicale.stop();
    prepared.discard();
  }
  console.log(
    '\n| database | slots p50 | p95 | server CPU / request | slots | live fetch p50 (same run) | ratio (live ÷ p50) | server RSS / peak | load average |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.kind} | ${r.p50.toFixed(2)} ms | ${r.p95.toFixed(2)} ms | ${r.cpuPerRequest.toFixed(2)} ms | ${r.slots} | ${r.liveP50.toFixed(0)} ms (${(r.liveBytes / 1000).toFixed(0)} kB) | **${(r.liveP50 / r.p50).toFixed(0)}×** | ${r.rss} / ${r.peak} MiB | ${r.load} |`,
    );
  }
}

await main();
