/**
 * What a first import's occurrences cost on each side of the parse thread's crossing (decision 0017,
 * thirteenth session), not part of the test suite:
 *
 *   npx tsx bench/occurrence-crossing.bench.ts
 *
 * Corpus: bench:import's 5,000 objects, parsed and expanded once (not measured), in batches of 500.
 * Two ways, each in a fresh process, CPU per round (`cold` the first, `warm` the median of the rest):
 * * `objects` — the parse thread posts the items with their occurrences as objects (v8 serialize, what
 *   postMessage does); the event loop deserialises them and writes the insert's column arrays from
 *   them (array-parameters.ts, as item-changes.ts did before);
 * * `packed` — the parse thread writes the rows (occurrence-rows.ts packOccurrenceRows) and posts the
 *   block; the event loop deserialises it and copies each item's bytes (occurrenceRowParameters).
 * `thread` is the parse thread's side, `loop` the event loop's.
 */
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { deserialize, serialize } from 'node:v8';
import { randomUUID } from 'node:crypto';
import { defaultSyncWindow, expansionSpan } from '../src/domain/sync/sync-window.ts';
import type { FetchedItem } from '../src/domain/sync/plan-inbound.ts';
import type { ImportedOccurrence } from '../src/domain/sync/types.ts';
import { icalEventCodec } from '../src/services/sync/ical-codec.ts';
import { parseRemoteItem } from '../src/services/sync/parse-remote-item.ts';
import { textArray } from '../src/store/array-parameters.ts';
import { booleanArray, numberArray } from '../test/support/array-parameters.ts';
import { occurrenceRowParameters, packOccurrenceRows, type OccurrenceRows } from '../src/store/sync-store/occurrence-rows.ts';
import { importSeedTexts } from './sync/import-seed-texts.ts';

const SIZE = 5000;
const BATCH = 500;
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 6);
const today = new Date();
const NOW = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1, 12));

function parsedBatches(): FetchedItem[][] {
  const context = { span: expansionSpan(defaultSyncWindow(NOW)), zone: 'Europe/Berlin', selfEmails: ['bench@example.com'] };
  const items = importSeedTexts(SIZE, NOW).map((ics, i) =>
    parseRemoteItem(icalEventCodec, { href: `/bench/${i}.ics`, etag: `"${i}"`, ics }, context),
  );
  const batches: FetchedItem[][] = [];
  for (let i = 0; i < items.length; i += BATCH) batches.push(items.slice(i, i + BATCH));
  return batches;
}

function listedOf(items: readonly FetchedItem[]): ImportedOccurrence[][] {
  return items.map((item) => (item.content.ok && Array.isArray(item.content.occurrences) ? item.content.occurrences : []));
}

const cpu = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/** The way's two sides: what the parse thread posts for a batch, and what the event loop makes of it (rows written). */
interface Way {
  thread(batch: FetchedItem[]): Buffer;
  loop(message: Buffer): number;
}

/** What the event loop made last: kept, so its work is not for nothing. */
let made: unknown;

const objects: Way = {
  thread: (batch) => serialize(batch),
  loop(message) {
    const received = deserialize(message) as FetchedItem[];
    const chunk = listedOf(received).flatMap((list) => list.map((o) => ({ itemId: randomUUID(), o })));
    made = [
      textArray(
        chunk.map((r) => r.itemId),
        'uuid',
      ),
      textArray(chunk.map((r) => r.o.recurrenceId)),
      numberArray(
        chunk.map((r) => r.o.start.getTime()),
        'float8',
      ),
      numberArray(
        chunk.map((r) => r.o.end.getTime()),
        'float8',
      ),
      booleanArray(chunk.map((r) => r.o.allDay)),
      booleanArray(chunk.map((r) => r.o.blocks)),
      textArray(chunk.map((r) => r.o.invitation ?? null)),
      textArray(chunk.map((r) => r.o.summary)),
      textArray(chunk.map((r) => r.o.status)),
      numberArray(
        chunk.map((r) => r.o.occurrences ?? 1),
        'integer',
      ),
    ];
    return chunk.length;
  },
};

const packed: Way = {
  thread(batch) {
    const handles = packOccurrenceRows(listedOf(batch));
    return serialize(batch.map((item, i) => ({ ...item, content: { ...item.content, occurrences: handles[i] } })));
  },
  loop(message) {
    const received = deserialize(message) as { content: { occurrences: OccurrenceRows } }[];
    const parameters = occurrenceRowParameters(
      received[0]!.content.occurrences.block,
      received.map((item) => ({ item: item.content.occurrences.item, id: randomUUID() })),
    );
    made = parameters;
    return parameters.rows;
  },
};

function round(batches: FetchedItem[][], way: Way): { thread: number; loop: number; rows: number } {
  let thread = 0;
  let loop = 0;
  let rows = 0;
  for (const batch of batches) {
    let at = cpu();
    const message = way.thread(batch);
    thread += cpu() - at;
    at = cpu();
    rows += way.loop(message);
    loop += cpu() - at;
  }
  return { thread, loop, rows };
}

function measure(way: string): { cold: { thread: number; loop: number }; warm: { thread: number; loop: number }; rows: number } {
  const batches = parsedBatches();
  const results = Array.from({ length: ROUNDS + 1 }, () => round(batches, way === 'packed' ? packed : objects));
  if (made === undefined) throw new Error('the event loop made nothing');
  const median = (key: 'thread' | 'loop'): number =>
    results
      .slice(1)
      .map((r) => r[key])
      .sort((a, b) => a - b)[Math.floor(ROUNDS / 2)]!;
  return { cold: results[0]!, warm: { thread: median('thread'), loop: median('loop') }, rows: results[0]!.rows };
}

if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(measure(process.argv[3]!)));
} else {
  const self = fileURLToPath(import.meta.url);
  console.log(`occurrence-crossing: ${SIZE} objects in batches of ${BATCH}; each way in a fresh process; CPU ms per import`);
  for (let pass = 0; pass < 2; pass++)
    for (const way of ['objects', 'packed']) {
      const r = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', self, '--child', way], { encoding: 'utf8' })) as ReturnType<
        typeof measure
      >;
      const f = (n: number): string => n.toFixed(0).padStart(5);
      console.log(
        `  ${way.padEnd(8)} rows ${r.rows}  cold: thread ${f(r.cold.thread)} loop ${f(r.cold.loop)}   warm: thread ${f(r.warm.thread)} loop ${f(r.warm.loop)}   load ${loadavg()
          .map((l) => l.toFixed(1))
          .join('/')}`,
      );
    }
}
