/**
 * The CPU cost of reading iCalendar objects on the parse thread (decision 0028), not part of the test suite:
 *
 *   npm run bench:ics-read                  # 5,000 events; BENCH_SIZE=20000 for another size
 *
 * Corpora: the objects bench:import seeds into Radicale (the same generator, seed and month, so the
 * same text — Radicale serves it as stored), and every calendar fixture in ../shared/fixtures (each
 * round reads them 30 times: once is too short to time).
 * Readers: `old` — the structure check + ICAL.parse + the copy into typed objects, as main read
 * every object before 0028 (kept verbatim as the equivalence test's oracle); `new` — parseICalendar,
 * the one-pass reader in front of it; `item` — the parse thread's whole per-object work
 * (parseRemoteItem with the real codec: hash, UID, parse, expansion over bench:import's span).
 * Each (corpus, reader) runs in a fresh process, as a fresh parse thread would: `cold` is its first
 * round, `warm` the median of BENCH_ROUNDS rounds after three warm-up rounds, CPU of the process
 * (GC threads included). Old and new alternate (old, new, old, new …, BENCH_PAIRS pairs) with the
 * load average printed beside each run: the machine is shared, compare CPU, not wall time.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';

import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSyncWindow, expansionSpan } from '../src/domain/sync/sync-window.ts';
import { parseICalendar } from '../src/ical/jcal.ts';
import { icalEventCodec } from '../src/services/sync/ical-codec.ts';
import { parseRemoteItem } from '../src/services/sync/parse-remote-item.ts';
import { parseICalendarWithIcalJs } from '../test/unit/ical/support/ical-js-reader.ts';
import { importSeedTexts } from './sync/import-seed-texts.ts';
import { REPO_ROOT } from './sync/radicale-storage.ts';
import { loadNote } from './support/load-note.ts';

const SIZE = Number(process.env.BENCH_SIZE ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const PAIRS = Number(process.env.BENCH_PAIRS ?? 2);
const WARMUP = 3;
const FIXTURE_REPEATS = 30;

const today = new Date();
const NOW = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1, 12));

type Reader = 'old' | 'new' | 'item';
type CorpusName = 'bench' | 'fixtures';

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : path.endsWith('.ics') ? [path] : [];
  });
}

function corpus(name: CorpusName): string[] {
  if (name === 'fixtures') {
    // 142 small objects read in a few ms: repeated so that a round is long enough to time.
    const texts = filesUnder(join(REPO_ROOT, '..', 'shared', 'fixtures')).map((path) => readFileSync(path, 'utf8'));
    return Array.from({ length: FIXTURE_REPEATS }, () => texts).flat();
  }
  return importSeedTexts(SIZE, NOW);
}

function readerFor(reader: Reader): (ics: string) => unknown {
  if (reader === 'old') return parseICalendarWithIcalJs;
  if (reader === 'new') return parseICalendar;
  // bench:import's span: its window around NOW plus the expansion headroom, on the zone it configures.
  const context = { span: expansionSpan(defaultSyncWindow(NOW)), zone: 'Europe/Berlin', selfEmails: ['bench@example.com'] };
  return (ics) => parseRemoteItem(icalEventCodec, { href: '/bench/x.ics', etag: '"x"', ics }, context);
}

interface Measured {
  cold: number;
  warm: number;
  min: number;
  max: number;
}

/** In the child: the rounds of one reader over one corpus, CPU per round. */
function measure(name: CorpusName, reader: Reader): Measured {
  const texts = corpus(name);
  const read = readerFor(reader);
  const cpu: number[] = [];
  let cold = 0;
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    const before = process.cpuUsage();
    for (const text of texts) read(text);
    const used = process.cpuUsage(before);
    const ms = (used.user + used.system) / 1000;
    if (round === 0) cold = ms;
    if (round >= WARMUP) cpu.push(ms);
  }
  cpu.sort((a, b) => a - b);
  return { cold, warm: cpu[Math.floor(cpu.length / 2)]!, min: cpu[0]!, max: cpu.at(-1)! };
}

if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(measure(process.argv[3] as CorpusName, process.argv[4] as Reader)));
} else {
  const self = fileURLToPath(import.meta.url);
  console.log(`ics-read: ${ROUNDS} rounds after ${WARMUP} warm-up, each run in a fresh process; CPU of the process`);
  for (const name of ['bench', 'fixtures'] as const) {
    const texts = corpus(name);
    const megabytes = texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0) / 1e6;
    console.log(
      `\n${name === 'bench' ? `bench:import's ${SIZE}-event seed` : `shared/fixtures (×${FIXTURE_REPEATS})`}: ${texts.length} objects, ${megabytes.toFixed(2)} MB`,
    );
    const readers: Reader[] = [...Array.from({ length: PAIRS }, () => ['old', 'new'] as Reader[]).flat(), 'item'];
    for (const reader of readers) {
      const loadBefore = loadNote();
      const result = JSON.parse(
        execFileSync(process.execPath, [...process.execArgv, self, '--child', name, reader], { encoding: 'utf8', maxBuffer: 1 << 20 }),
      ) as Measured;
      const per = (ms: number): string =>
        `${ms.toFixed(0).padStart(5)} ms (${(ms / megabytes).toFixed(1).padStart(5)} ms/MB, ${((ms * 1000) / texts.length).toFixed(1).padStart(5)} ms/1,000)`;
      console.log(
        `  ${reader.padEnd(4)} cold ${per(result.cold)}  warm ${per(result.warm)} [min ${result.min.toFixed(0)}, max ${result.max.toFixed(0)}]  ${loadBefore}`,
      );
    }
  }
}
