/**
 * The CPU cost of reading a first import's CalDAV answers (decision 0025), not part of the test suite:
 *
 *   npm run bench:xml-read                  # 5,000 events; BENCH_SIZE=20000 for another size
 *
 * The answers are Radicale's own: on the first run the bench starts Radicale on bench:import's cached
 * seed, asks what a first import asks — the sync-collection listing and calendar-multigets of 500
 * hrefs (MULTIGET_BATCH_SIZE) — and keeps the bodies in .cache/bench-xml-read/. Each round then reads
 * them with the same pure functions the multistatus worker runs (parseSyncCollection, parseMultiget)
 * on this thread; after warm-up rounds it prints the process's CPU time (GC threads included; `first`: the cold first
 * round, as a fresh worker thread pays it) per round and per MB.
 * The load average is printed with each figure: the machine is shared, compare CPU, alternate builds.
 */
import { request } from 'node:http';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';

import { join } from 'node:path';
import { multigetBody, parseMultiget } from '../src/caldav/multiget.ts';
import { parseSyncCollection, syncCollectionBody } from '../src/caldav/sync-collection.ts';
import { startRadicale } from '../test/support/radicale.ts';
import { importDataset, PASSWORD, prepareStorage, REPO_ROOT, USERNAME } from './sync/radicale-storage.ts';
import { loadNote } from './support/load-note.ts';

const SIZE = Number(process.env.BENCH_SIZE ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const WARMUP = 3;
const BATCH = 500;

const today = new Date();
const NOW = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1, 12));
const CACHE = join(REPO_ROOT, '.cache', 'bench-xml-read', `${SIZE}-${NOW.toISOString().slice(0, 7)}`);

interface Captured {
  url: string;
  calendarUrl: string;
  listing: string;
  multigets: Array<{ body: string; requested: string[] }>;
}

async function capture(): Promise<Captured> {
  const meta = join(CACHE, 'meta.json');
  if (existsSync(meta)) {
    const { url, calendarUrl, requested } = JSON.parse(readFileSync(meta, 'utf8')) as {
      url: string;
      calendarUrl: string;
      requested: string[][];
    };
    const files = readdirSync(CACHE).filter((f) => f.startsWith('multiget-'));
    return {
      url,
      calendarUrl,
      listing: readFileSync(join(CACHE, 'listing.xml'), 'utf8'),
      multigets: files.sort().map((f, i) => ({ body: readFileSync(join(CACHE, f), 'utf8'), requested: requested[i] ?? [] })),
    };
  }
  const { spec, seedName } = importDataset(SIZE, NOW);
  const prepared = await prepareStorage(spec, (line) => console.log(line), { seedName });
  const radicale = await startRadicale({ storageDir: prepared.storageDir, username: USERNAME, password: PASSWORD });
  try {
    const calendarUrl = `${radicale.calendarHomeUrl}${spec.bigCalendar.name}/`;
    const authorization = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`;
    // node:http, not fetch: undici 7 asserts when Radicale closes the socket of a paused body (unpaused-responses.ts).
    const report = (depth: string, body: string): Promise<string> =>
      new Promise((resolve, reject) => {
        const asked = request(
          calendarUrl,
          { method: 'REPORT', headers: { authorization, 'content-type': 'application/xml; charset=utf-8', depth } },
          (answer) => {
            const chunks: Buffer[] = [];
            answer.on('data', (chunk: Buffer) => chunks.push(chunk));
            answer.on('error', reject);
            answer.on('end', () =>
              answer.statusCode === 207
                ? resolve(Buffer.concat(chunks).toString('utf8'))
                : reject(new Error(`Radicale answered ${answer.statusCode}`)),
            );
          },
        );
        asked.on('error', reject);
        asked.end(body);
      });
    const listing = await report('0', syncCollectionBody(null));
    const hrefs = parseSyncCollection({ body: listing, url: calendarUrl }).changed.map((c) => c.href);
    const multigets: Captured['multigets'] = [];
    for (let start = 0; start < hrefs.length; start += BATCH) {
      const requested = hrefs.slice(start, start + BATCH);
      multigets.push({ body: await report('1', multigetBody({ calendarUrl, hrefs: requested })), requested });
    }
    mkdirSync(CACHE, { recursive: true });
    writeFileSync(join(CACHE, 'listing.xml'), listing);
    multigets.forEach((m, i) => writeFileSync(join(CACHE, `multiget-${String(i).padStart(4, '0')}.xml`), m.body));
    writeFileSync(meta, JSON.stringify({ url: calendarUrl, calendarUrl, requested: multigets.map((m) => m.requested) }));
    return { url: calendarUrl, calendarUrl, listing, multigets };
  } finally {
    await radicale.stop();
  }
}

function measure(label: string, megabytes: number, read: () => number): void {
  const cpu: number[] = [];
  let count = 0;
  let firstRound = 0;
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    const before = process.cpuUsage();
    count = read();
    const used = process.cpuUsage(before);
    if (round === 0) firstRound = (used.user + used.system) / 1000;
    if (round >= WARMUP) cpu.push((used.user + used.system) / 1000);
  }
  const first = cpu.length > 0 ? firstRound : 0;
  cpu.sort((a, b) => a - b);
  const median = cpu[Math.floor(cpu.length / 2)] as number;
  console.log(
    `${label.padEnd(34)} ${megabytes.toFixed(2).padStart(6)} MB ${String(count).padStart(6)} items  CPU median ${median.toFixed(0).padStart(5)} ms (min ${cpu[0]!.toFixed(0)}, max ${cpu[cpu.length - 1]!.toFixed(0)}, first ${first.toFixed(0)})  ${(median / megabytes).toFixed(1).padStart(6)} ms/MB  ${loadNote()}`,
  );
}

const captured = await capture();
const mb = (text: string): number => Buffer.byteLength(text) / 1e6;
const multigetMb = captured.multigets.reduce((sum, m) => sum + mb(m.body), 0);
console.log(`xml-read: ${SIZE} events, ${captured.multigets.length} multigets of ≤ ${BATCH}, ${ROUNDS} rounds after ${WARMUP} warm-up`);
measure(
  'sync-collection listing',
  mb(captured.listing),
  () => parseSyncCollection({ body: captured.listing, url: captured.url }).changed.length,
);
measure('calendar-multigets (all)', multigetMb, () =>
  captured.multigets.reduce((n, m) => n + parseMultiget({ body: m.body, url: captured.url, requested: m.requested }).length, 0),
);
