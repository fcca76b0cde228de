/**
 * The parse thread's CPU per imported object, split into its parts (decision 0007, sixth session), not
 * part of the test suite:
 *
 *   npx tsx bench/parse-thread.bench.ts                      # this tree
 *   BENCH_TREE=/work/wt/base npx tsx bench/parse-thread.bench.ts   # another checkout's src/, same corpus
 *
 * Corpus: the objects bench:import seeds into Radicale (same generator, seed and month as bench:ics-read).
 * Parts, each run over the whole corpus per round: `item` — parseRemoteItem with the real codec, the
 * parse thread's whole per-object work (parse-worker.ts); `hash` — contentHash; `uid` — the codec's readUid; `read` — parseICalendar;
 * `expand` — the codec's expand (read, expand, busy ranges; what `item` spends beyond hash and UID);
 * `clone` — structuredClone of the items `item` returns (what the worker's answer costs to post).
 * `item` is also split by the kind of object (single, DAILY, WEEKLY, MONTHLY series).
 * CPU of the process per round (GC threads included): `cold` is the first round, `warm` the median of
 * BENCH_ROUNDS rounds after three warm-up rounds. With BENCH_PARTS=item only the whole is measured.
 * Run under `node --cpu-prof` (BENCH_CPU_PROF=dir) for the profile of `item`. Compare CPU, not wall time:
 * the machine is shared; the load average is printed.
 */
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { importSeedTexts } from './sync/import-seed-texts.ts';

const SIZE = Number(process.env.BENCH_SIZE ?? 5000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 8);
const WARMUP = 3;
const TREE = resolve(process.env.BENCH_TREE ?? resolve(fileURLToPath(import.meta.url), '..', '..'));
const PARTS = (process.env.BENCH_PARTS ?? 'item,hash,uid,read,expand,clone,kinds').split(',');

const today = new Date();
const NOW = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1, 12));

interface Modules {
  parseRemoteItem: (codec: unknown, object: { href: string; etag: string | null; ics: string }, context: unknown) => unknown;
  codec: { contentHash(ics: string): string; readUid(ics: string): string | null; expand(ics: string, range: object): unknown };
  parseICalendar: (ics: string) => unknown;
  context: { span: { from: Date; to: Date }; zone: string; selfEmails: string[] };
}

async function load(tree: string): Promise<Modules> {
  const from = (path: string): Promise<Record<string, unknown>> => import(pathToFileURL(resolve(tree, path)).href);
  const [item, codec, jcal, window] = await Promise.all([
    from('src/services/sync/parse-remote-item.ts'),
    from('src/services/sync/ical-codec.ts'),
    from('src/ical/jcal.ts'),
    from('src/domain/sync/sync-window.ts'),
  ]);
  const { defaultSyncWindow, expansionSpan } = window as {
    defaultSyncWindow: (now: Date) => { from: Date; to: Date };
    expansionSpan: (w: { from: Date; to: Date }) => { from: Date; to: Date };
  };
  return {
    parseRemoteItem: item.parseRemoteItem as Modules['parseRemoteItem'],
    codec: codec.icalEventCodec as Modules['codec'],
    parseICalendar: jcal.parseICalendar as Modules['parseICalendar'],
    // bench:import's span: its window around NOW plus the expansion headroom, on the zone it configures.
    context: { span: expansionSpan(defaultSyncWindow(NOW)), zone: 'Europe/Berlin', selfEmails: ['bench@example.com'] },
  };
}

function corpus(): string[] {
  return importSeedTexts(SIZE, NOW);
}

function kindOf(ics: string): string {
  // The first VEVENT's RRULE (a VTIMEZONE's rules come before it).
  const freq = /\nRRULE:FREQ=(\w+)/.exec(ics.slice(ics.indexOf('BEGIN:VEVENT')))?.[1];
  return freq === undefined ? 'single' : freq.toLowerCase();
}

interface Measured {
  cold: number;
  warm: number;
  min: number;
  max: number;
}

function rounds(work: () => void): Measured {
  const cpu: number[] = [];
  let cold = 0;
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    const before = process.cpuUsage();
    work();
    const used = process.cpuUsage(before);
    const ms = (used.user + used.system) / 1000;
    if (round === 0) cold = ms;
    if (round >= WARMUP) cpu.push(ms);
  }
  cpu.sort((a, b) => a - b);
  return { cold, warm: cpu[Math.floor(cpu.length / 2)]!, min: cpu[0]!, max: cpu.at(-1)! };
}

/** In the child: one part over the corpus (or one kind of object). */
async function measure(part: string): Promise<Measured> {
  const m = await load(TREE);
  let texts = corpus();
  const item = (ics: string): unknown => m.parseRemoteItem(m.codec, { href: '/bench/x.ics', etag: '"x"', ics }, m.context);
  if (part.startsWith('kind:')) texts = texts.filter((ics) => kindOf(ics) === part.slice(5));
  switch (part) {
    case 'hash':
      return rounds(() => texts.forEach((ics) => m.codec.contentHash(ics)));
    case 'uid':
      return rounds(() => texts.forEach((ics) => m.codec.readUid(ics)));
    case 'read':
      return rounds(() => texts.forEach((ics) => m.parseICalendar(ics)));
    case 'expand': {
      const range = { from: m.context.span.from, to: m.context.span.to, zone: m.context.zone, selfEmails: m.context.selfEmails };
      return rounds(() => texts.forEach((ics) => m.codec.expand(ics, range)));
    }
    case 'clone': {
      const items = texts.map(item);
      return rounds(() => structuredClone(items));
    }
    default:
      return rounds(() => texts.forEach(item));
  }
}

const loadNow = (): string =>
  `load ${loadavg()
    .map((l) => l.toFixed(1))
    .join('/')}`;

if (process.argv[2] === '--child') {
  process.stdout.write(JSON.stringify(await measure(process.argv[3]!)));
} else {
  const self = fileURLToPath(import.meta.url);
  const texts = corpus();
  const kinds = new Map<string, number>();
  for (const ics of texts) kinds.set(kindOf(ics), (kinds.get(kindOf(ics)) ?? 0) + 1);
  console.log(`parse-thread: ${TREE}; ${texts.length} objects (${[...kinds].map(([k, n]) => `${k} ${n}`).join(', ')})`);
  console.log(`${ROUNDS} rounds after ${WARMUP} warm-up, each part in a fresh process; CPU of the process per round`);
  const parts = PARTS.flatMap((part) => (part === 'kinds' ? [...kinds.keys()].map((kind) => `kind:${kind}`) : [part]));
  const profile = process.env.BENCH_CPU_PROF;
  for (const part of parts) {
    const loadBefore = loadNow();
    const args = profile && part === 'item' ? ['--cpu-prof', `--cpu-prof-dir=${profile}`] : [];
    const result = JSON.parse(
      execFileSync(process.execPath, [...args, ...process.execArgv, self, '--child', part], { encoding: 'utf8', maxBuffer: 1 << 20 }),
    ) as Measured;
    const n = part.startsWith('kind:') ? kinds.get(part.slice(5))! : texts.length;
    const per = (ms: number): string => `${ms.toFixed(0).padStart(5)} ms (${((ms * 1000) / n).toFixed(1).padStart(6)} µs/object)`;
    console.log(
      `  ${part.padEnd(14)} cold ${per(result.cold)}  warm ${per(result.warm)} [min ${result.min.toFixed(0)}, max ${result.max.toFixed(0)}]  ${loadBefore}`,
    );
  }
}
