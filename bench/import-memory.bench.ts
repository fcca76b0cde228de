/**
 * Memory of a first import (issue 13, items 2 and 6), not part of the test suite:
 *
 *   npm run bench:import-memory                          # 1,000 / 5,000 / 20,000 events
 *   BENCH_SIZES=5000 BENCH_HEAP_SNAPSHOTS=/tmp/snaps npm run bench:import-memory   # a heap snapshot at the last
 *       batch of the forced-GC run (writing it raises that run's RSS figures by ~100 MiB)
 *   BENCH_V8_DEFAULT_GROWTH=1 npm run bench:import-memory   # V8's own heap growing factor, as before
 *       src/heap-growth.ts (which the importing process sets, as `tandem serve` does)
 *
 * What the server does on a first import, in a process of its own per calendar size: the CalDAV
 * transport and remote calendar, the parse pool (one thread, as on a 2-core machine), the product's
 * SyncStore on PGlite in a data directory created and migrated beforehand by another process (as on
 * any start but the first), and runInboundSync against a local Radicale holding the bench's seeded
 * calendar (bench/sync/radicale-storage.ts, the seeds of bench:import). Per batch it samples
 * process.memoryUsage(), PGlite's WASM memory and /proc/self/smaps by kind (PGlite's WASM, the C
 * heap, the V8 heaps of all threads, code): once with V8 left alone (the RSS a user sees) and once
 * with a forced full GC of the main thread before each sample (what is really live there).
 * "Bounded by the batch" means: live heap, WASM memory and RSS peak flat from 1,000 to 20,000
 * events, up to the garbage V8 lets accumulate (decision 0020).
 *
 * The load average is printed with every row: the machine is shared; memory figures barely depend
 * on it, timings do. The product runs here from its TypeScript sources (tsx, in the worker threads
 * too): each thread also holds the TypeScript loader, which `node dist/main.js serve` does not.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { createTransport } from '../src/caldav/transport.ts';
import { scopeForUrl } from '../src/caldav/credential-scope.ts';
import { closeMultistatusPool } from '../src/caldav/read-multistatus-off-thread.ts';
import { defaultSyncWindow } from '../src/domain/sync/sync-window.ts';
import { boundHeapGrowth, NODE_FLAGS } from '../src/heap-growth.ts';
import { MALLOC_ENV } from '../src/malloc-env.ts';
import { createCalDavRemoteCalendar } from '../src/services/sync/caldav-remote-calendar.ts';
import { icalEventCodec } from '../src/services/sync/ical-codec.ts';
import { createParsePool } from '../src/services/sync/parse-pool.ts';
import { runInboundSync } from '../src/services/sync/run-inbound-sync.ts';
import { openPglite } from '../src/store/database.ts';
import { migrateToLatest } from '../src/store/migrate.ts';
import { startRadicale } from '../test/support/radicale.ts';
import { openBenchStore } from './sync/stores.ts';
import { importDataset, PASSWORD, prepareStorage, REPO_ROOT, USERNAME } from './sync/radicale-storage.ts';
import { loadNote } from './support/load-note.ts';

const SIZES = (process.env.BENCH_SIZES ?? '1000,5000,20000').split(',').map(Number);
const ZONE = 'Europe/Berlin';
const today = new Date();
/** As bench:import: fixed for a month, so both benches share the cached seeds. */
const NOW = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1, 12));
const MiB = 1024 * 1024;

const mib = (bytes: number): string => `${(bytes / MiB).toFixed(0)}`;

/**
 * The process's resident memory by kind, from /proc/self/smaps: `wasm` is the touched part of
 * PGlite's WebAssembly memory (the mapping of exactly its size); `malloc` the C heap (`[heap]` and
 * the per-thread arenas glibc maps at 64 MiB boundaries); `code` file-backed mappings (node, libraries);
 * `v8` everything else anonymous — the V8 heaps of the main thread and of every worker thread, stacks.
 */
interface Resident {
  wasm: number;
  malloc: number;
  code: number;
  v8: number;
}

const ARENA_ALIGN = 64 * 1024 * 1024;

function resident(wasmBytes: number): Resident {
  const out: Resident = { wasm: 0, malloc: 0, code: 0, v8: 0 };
  let kind: keyof Resident = 'v8';
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head !== null) {
      const start = parseInt(head[1]!, 16);
      const size = parseInt(head[2]!, 16) - start;
      const name = head[3] ?? '';
      if (name.startsWith('/')) kind = 'code';
      else if (name === '[heap]' || (name === '' && start % ARENA_ALIGN === 0 && size <= ARENA_ALIGN)) kind = 'malloc';
      else if (name === '' && size === wasmBytes) kind = 'wasm';
      else kind = 'v8';
    } else if (line.startsWith('Rss:')) {
      out[kind] += Number(/(\d+)/.exec(line)?.[1] ?? 0) * 1024;
    }
  }
  return out;
}

/** One memory sample of the importing process. */
interface Sample extends Resident {
  done: number;
  rss: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  /** PGlite's WASM memory as allocated (its touched part is `wasm`). */
  wasmBytes: number;
}

interface ChildResult {
  mode: Mode;
  size: number;
  fetched: number;
  ms: number;
  cpuMs: number;
  before: Sample;
  samples: Sample[];
  peakRss: number;
  hwm: number;
  /** After the run, its report dropped, and a full GC. */
  after: Sample;
}

/** plain: V8 left alone (what the server's RSS looks like); gc: a full GC before every sample (what is live). */
type Mode = 'plain' | 'gc';

function vm(field: 'VmRSS' | 'VmHWM'): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : 0;
}

// -------------------------------------------------------------------------------------------------
// The importing process
// -------------------------------------------------------------------------------------------------

async function initDataDir(dataDir: string): Promise<void> {
  const handle = await openPglite(dataDir);
  await migrateToLatest(handle.db);
  await handle.close();
}

async function importInChild(p: {
  mode: Mode;
  size: number;
  dataDir: string;
  calendarUrl: string;
  serverUrl: string;
}): Promise<ChildResult> {
  const forceGc = (): void => {
    if (p.mode === 'gc') (globalThis as { gc?: () => void }).gc?.();
  };
  const bench = await openBenchStore('pglite', { zone: ZONE, now: NOW, serverUrl: p.serverUrl, username: USERNAME, dataDir: p.dataDir });
  const sample = (done: number): Sample => {
    const m = process.memoryUsage();
    const wasm = bench.wasmMemoryBytes?.() ?? 0;
    return {
      ...resident(wasm),
      done,
      rss: m.rss,
      heapUsed: m.heapUsed,
      heapTotal: m.heapTotal,
      external: m.external,
      arrayBuffers: m.arrayBuffers,
      wasmBytes: wasm,
    };
  };
  const calendarId = await bench.addCalendar({ owner: 'alex', url: p.calendarUrl, displayName: `Bench ${p.size}`, role: 'primary' });
  const transport = createTransport({
    credentials: { username: USERNAME, password: PASSWORD },
    scope: scopeForUrl(p.serverUrl),
    allowPrivateNetworks: true,
    timeoutMs: 600_000,
  });
  // As the server on 2 cores (SYNC_PARSE_THREADS defaults to cores − 1); BENCH_PARSE_THREADS=0 parses in this thread.
  const threads = Number(process.env.BENCH_PARSE_THREADS ?? 1);
  const pool = threads > 0 ? createParsePool({ threads }) : null;
  (globalThis as { gc?: () => void }).gc?.();
  const before = sample(0);
  const samples: Sample[] = [];
  let peakRss = before.rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, vm('VmRSS'))), 20);
  const snapshots = process.env.BENCH_HEAP_SNAPSHOTS;
  const cpu = process.cpuUsage();
  const begin = performance.now();
  let report: Awaited<ReturnType<typeof runInboundSync>> | null = await runInboundSync(
    {
      store: bench.store,
      remote: createCalDavRemoteCalendar({ calendarUrl: p.calendarUrl, transport }),
      codec: icalEventCodec,
      ...(pool && { parser: pool.parser }),
    },
    {
      calendarId,
      now: NOW,
      window: defaultSyncWindow(NOW, { daysBack: 30, daysAhead: 400 }),
      onProgress: ({ done, total }) => {
        forceGc();
        samples.push(sample(done));
        peakRss = Math.max(peakRss, vm('VmRSS'));
        // The last batch applied, the run not returned yet: what it still holds is what grows with the calendar.
        if (done === total && snapshots !== undefined && p.mode === 'gc')
          writeHeapSnapshot(join(snapshots, `import-${p.size}.heapsnapshot`));
      },
    },
  );
  const ms = performance.now() - begin;
  const used = process.cpuUsage(cpu);
  clearInterval(sampler);
  peakRss = Math.max(peakRss, vm('VmRSS'));
  const fetched = report.fetched;
  report = null;
  await pool?.close();
  await closeMultistatusPool();
  (globalThis as { gc?: () => void }).gc?.();
  const after = sample(p.size);
  await bench.close();
  return {
    mode: p.mode,
    size: p.size,
    fetched,
    ms,
    cpuMs: (used.user + used.system) / 1000,
    before,
    samples,
    peakRss,
    hwm: vm('VmHWM'),
    after,
  };
}

// -------------------------------------------------------------------------------------------------
// The orchestrating process
// -------------------------------------------------------------------------------------------------

function runChild(args: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      // Started as `npm start` starts the server (NODE_FLAGS, MALLOC_ENV), plus the bench's own flags.
      [
        '--expose-gc',
        ...NODE_FLAGS,
        ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean),
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
      ],
      { cwd: REPO_ROOT, env: { ...process.env, ...MALLOC_ENV, BENCH_CHILD: JSON.stringify(args) }, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`child ${JSON.stringify(args)} exited ${code}: ${out.slice(-2000)}`)),
    );
  });
}

/** The samples at about a fifth, half and all of the import. */
function trace(samples: readonly Sample[], pick: (s: Sample) => number): string {
  const at = (share: number): Sample | undefined => samples[Math.max(0, Math.ceil(samples.length * share) - 1)];
  return [0.2, 0.5, 1]
    .map(at)
    .filter((s): s is Sample => s !== undefined)
    .map((s) => mib(pick(s)))
    .join(' → ');
}

function printResult(r: ChildResult): void {
  const max = (pick: (s: Sample) => number): number => Math.max(...r.samples.map(pick));
  const peak = r.samples.reduce((a, b) => (b.rss > a.rss ? b : a), r.before);
  const label = r.mode === 'gc' ? 'forced GC per batch (live)' : 'V8 left alone';
  console.log(
    `  ${label.padEnd(27)} ${(r.ms / 1000).toFixed(1).padStart(6)} s, CPU ${(r.cpuMs / 1000).toFixed(1)} s; ` +
      `RSS ${mib(r.before.rss)} → peak ${mib(r.peakRss)} MiB (VmHWM ${mib(r.hwm)}); ` +
      `resident at the peak sample: WASM ${mib(r.before.wasm)} → ${mib(peak.wasm)}, malloc ${mib(r.before.malloc)} → ${mib(peak.malloc)}, V8 & other anon ${mib(r.before.v8)} → ${mib(peak.v8)} (${trace(r.samples, (s) => s.v8)}), code ${mib(peak.code)}; ` +
      `heapUsed ${mib(r.before.heapUsed)} → ${trace(r.samples, (s) => s.heapUsed)} (max ${mib(max((s) => s.heapUsed))}), heapTotal max ${mib(max((s) => s.heapTotal))}; ` +
      `external max ${mib(max((s) => s.external))} (arrayBuffers ${mib(max((s) => s.arrayBuffers))}); ` +
      `PGlite WASM ${mib(r.before.wasmBytes)} → ${mib(r.after.wasmBytes)}; after the run + GC: RSS ${mib(r.after.rss)}, heapUsed ${mib(r.after.heapUsed)} MiB; ${loadNote()}`,
  );
}

async function main(): Promise<void> {
  console.log(
    'Tandem first-import memory: runInboundSync + parse pool + PGlite in a data directory, one process per size (Radicale 3, loopback)',
  );
  console.log(`Node ${process.version}; ${loadNote()} (1/5/15 min); MiB throughout`);
  const rows: ChildResult[] = [];
  for (const size of SIZES) {
    const { spec, seedName } = importDataset(size, NOW);
    const prepared = await prepareStorage(spec, (line) => console.log(`  ${line}`), { seedName });
    const radicale = await startRadicale({ storageDir: prepared.storageDir, username: USERNAME, password: PASSWORD });
    try {
      console.log(`\n${size.toLocaleString('en-US')} events`);
      for (const mode of (process.env.BENCH_MODES ?? 'plain,gc').split(',') as Mode[]) {
        const dataDir = mkdtempSync(join(tmpdir(), 'bench-import-memory-'));
        try {
          await runChild({ op: 'init', dataDir });
          const out = await runChild({
            op: 'import',
            mode,
            size: String(size),
            dataDir,
            calendarUrl: `${radicale.calendarHomeUrl}${spec.bigCalendar.name}/`,
            serverUrl: radicale.baseUrl,
          });
          const result = JSON.parse(out.trim().split('\n').pop() ?? '') as ChildResult;
          if (result.fetched !== size) throw new Error(`imported ${result.fetched} of ${size}`);
          printResult(result);
          rows.push(result);
        } finally {
          rmSync(dataDir, { recursive: true, force: true });
        }
      }
    } finally {
      await radicale.stop();
      prepared.discard();
    }
  }
  console.log('\nBounded by the batch? (max over the import; MiB)');
  console.log('  events   | RSS peak (V8 alone) | live heap max (GC) | external max (GC) | PGlite WASM allocated / touched (GC)');
  for (const size of SIZES) {
    const plain = rows.find((r) => r.size === size && r.mode === 'plain');
    const gc = rows.find((r) => r.size === size && r.mode === 'gc');
    if (!plain || !gc) continue;
    const max = (r: ChildResult, pick: (s: Sample) => number): string => mib(Math.max(...r.samples.map(pick)));
    console.log(
      `  ${size.toLocaleString('en-US').padStart(8)} | ${mib(plain.peakRss).padStart(19)} | ${max(gc, (s) => s.heapUsed).padStart(18)} | ${max(gc, (s) => s.external).padStart(17)} | ${mib(gc.after.wasmBytes).padStart(16)} / ${max(gc, (s) => s.wasm)}`,
    );
  }
  console.log(`\n${loadNote()}`);
}

const childArgs = process.env.BENCH_CHILD;
if (childArgs !== undefined) {
  // As `tandem serve` (src/main.ts) does; BENCH_V8_DEFAULT_GROWTH=1 leaves V8's own factor (the "before").
  if (process.env.BENCH_V8_DEFAULT_GROWTH !== '1') boundHeapGrowth();
  const args = JSON.parse(childArgs) as Record<string, string>;
  const work =
    args.op === 'init'
      ? initDataDir(args.dataDir!).then(() => '')
      : importInChild({
          mode: args.mode as Mode,
          size: Number(args.size),
          dataDir: args.dataDir!,
          calendarUrl: args.calendarUrl!,
          serverUrl: args.serverUrl!,
        }).then((r) => JSON.stringify(r));
  work.then(
    (out) => {
      process.stdout.write(`${out}\n`);
      process.exit(0);
    },
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
} else {
  main().catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
