/**
 * First import through the user's path (issue 13, item 1), not part of the test suite:
 *
 *   npm run bench:import                       # 1,000 / 5,000 / 20,000 events, PGlite and PostgreSQL
 *   BENCH_SIZES=5000 BENCH_DATABASES=pglite npm run bench:import
 *   BENCH_BUILD=skip BENCH_ANCHORS=floor BENCH_PARSE_THREADS=2 …   # the built server as is, floor only, 2 parse threads
 *   BENCH_RUNS=1 …                             # one server per database and size instead of the median of 3
 *   BENCH_IDLE_SECONDS=75 …                    # the second import after the server sat idle 75 s, not at once
 *
 * For each calendar size, against a local Radicale holding one calendar (10 % recurring events,
 * bench/sync/generate.ts), in the same run:
 *  - the raw floor: a `sync-collection` REPORT and one `calendar-multiget` of every href, plain fetch;
 *  - vdirsyncer (Debian's): first sync of the calendar into a folder, then an idle re-sync;
 *  - Tandem: the built server (`node dist/main.js serve`, a process of its own) on PGlite and on
 *    PostgreSQL; a new workspace signs up, connects the Radicale account through the API, makes the
 *    calendar its primary, and polls GET /api/sync/status until the calendar says synced (no import
 *    in progress, no error). The time is from the connect request to that answer; the server's RSS
 *    is sampled every 50 ms meanwhile (peak during the import, and VmHWM: the process's all-time peak).
 *    Two imports per server: `just started` — the first import after the server started, every
 *    function it runs still to be compiled (its own, PGlite's WebAssembly, the threads'); then `warm` —
 *    a second workspace connects the same calendar (a first import for that business) on the same
 *    server, as on a server that has run for a while: in the eighth session's runs about a third of a
 *    just-started server's CPU during its first import was V8 compiling (perf, decision 0017, ninth
 *    session). BENCH_WARM=0 leaves the second import out.
 * The load average is printed with each figure: the machine is shared, compare within one run.
 *
 * The seeds are generated relative to the first day of the current month (the server runs on the
 * real clock, and its window is 30 days back, 400 ahead) and cached in .cache/bench-radicale/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startRadicale } from '../test/support/radicale.ts';
import { freePort } from '../test/support/free-port.ts';
import { NODE_FLAGS } from '../src/heap-growth.ts';
import { MALLOC_ENV } from '../src/malloc-env.ts';
import { PASSWORD, prepareStorage, REPO_ROOT, USERNAME, type DatasetSpec } from './sync/radicale-storage.ts';
import { loadNote } from './support/load-note.ts';

const SIZES = (process.env.BENCH_SIZES ?? '1000,5000,20000').split(',').map(Number);
const DATABASES = (process.env.BENCH_DATABASES ?? 'pglite,postgres').split(',') as ('pglite' | 'postgres')[];
const POSTGRES_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const VDIRSYNCER = '/usr/bin/vdirsyncer';
const POLL_MS = 50;
/**
 * BENCH_TRACE=<prefix>: each import's timeline goes to `<prefix>-<database>-<size>.log` (the warm one to
 * `…-warm.log`; runs after the first `…-run<N>.log`) — the server's
 * lines (TANDEM_TRACE, src/observability/import-trace.ts), this side's connect / configured / synced, and
 * Radicale's CPU sampled every 10 ms — read with `npx tsx bench/import-timeline.ts <file>`.
 */
const TRACE = process.env.BENCH_TRACE ?? '';
/**
 * BENCH_SERVER_OUTPUT=<file>: everything the servers print, each piece after a line `@@ <epoch ms>` —
 * with BENCH_NODE_ARGS=--trace-opt, what V8 compiled and when, to set against a BENCH_TRACE timeline.
 */
const SERVER_OUTPUT = process.env.BENCH_SERVER_OUTPUT ?? '';
const WARM = process.env.BENCH_WARM !== '0';
/**
 * BENCH_RUNS: servers started per database and size (default 3); each row is the median run, its
 * other runs' times alongside. On a shared 2-core VM one import moved ±20 % between identical runs
 * (decision 0017, fourteenth session), more than most changes it is meant to show.
 */
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 3));
/**
 * BENCH_IDLE_SECONDS: the server sits idle this long before its second import, which is then
 * reported as "after N s idle" instead of "warm" — what a business meets connecting its calendar to
 * a server that has been quiet for a while (threads ended, heaps shrunk).
 */
const IDLE_SECONDS = Number(process.env.BENCH_IDLE_SECONDS ?? 0);
const SECOND_IMPORT = IDLE_SECONDS > 0 ? `after ${IDLE_SECONDS} s idle` : 'warm';

const today = new Date();
/** Fixed for a month, so the cached seeds stay valid; the server's window is around the real now. */
const NOW = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1, 12));

const started = performance.now();
const log = (text: string): void => console.log(`  [${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${text}`);
const secs = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const mib = (kb: number): string => `${(kb / 1024).toFixed(0)} MiB`;

function row(label: string, value: string, note = ''): void {
  console.log(`${label.padEnd(46)} ${value.padStart(10)}  ${note}`);
}

// -------------------------------------------------------------------------------------------------
// Anchors
// -------------------------------------------------------------------------------------------------

const authHeader = `Basic ${Buffer.from(`${USERNAME}:${PASSWORD}`).toString('base64')}`;

/** The wire floor: the listing and one multiget of everything, with nothing done to the answers. */
async function rawFloor(calendarUrl: string): Promise<{ ms: number; items: number; bytes: number }> {
  const begin = performance.now();
  const listing = await fetch(calendarUrl, {
    method: 'REPORT',
    headers: { authorization: authHeader, 'content-type': 'application/xml; charset=utf-8', depth: '0' },
    body: '<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>',
  });
  const listed = await listing.text();
  const hrefs = [...listed.matchAll(/<(?:\w+:)?href>([^<]+)<\/(?:\w+:)?href>/g)].map((m) => m[1]!).filter((h) => h.endsWith('.ics'));
  const multiget = await fetch(calendarUrl, {
    method: 'REPORT',
    headers: { authorization: authHeader, 'content-type': 'application/xml; charset=utf-8', depth: '1' },
    body: `<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><d:getetag/><c:calendar-data/></d:prop>${hrefs.map((h) => `<d:href>${h}</d:href>`).join('')}</c:calendar-multiget>`,
  });
  const body = await multiget.text();
  return { ms: performance.now() - begin, items: hrefs.length, bytes: Buffer.byteLength(listed) + Buffer.byteLength(body) };
}

function ensureVdirsyncer(): void {
  if (existsSync(VDIRSYNCER)) return;
  const result = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'ensure-debian-packages.sh'), `${VDIRSYNCER}=vdirsyncer`], {
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('vdirsyncer is missing and could not be installed');
}

/** vdirsyncer's first sync of the calendar into an empty folder, then a sync with nothing changed. */
function vdirsyncer(calendarUrl: string): { firstMs: number; idleMs: number; files: number } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-vdirsyncer-'));
  try {
    mkdirSync(join(dir, 'local'));
    const config = join(dir, 'config');
    writeFileSync(
      config,
      [
        '[general]',
        `status_path = "${join(dir, 'status')}/"`,
        '[pair bench]',
        'a = "bench_remote"',
        'b = "bench_local"',
        'collections = null',
        '[storage bench_remote]',
        'type = "caldav"',
        `url = "${calendarUrl}"`,
        `username = "${USERNAME}"`,
        `password = "${PASSWORD}"`,
        '[storage bench_local]',
        'type = "filesystem"',
        `path = "${join(dir, 'local')}/"`,
        'fileext = ".ics"',
        '',
      ].join('\n'),
    );
    const run = (...args: string[]): number => {
      const begin = performance.now();
      const result = spawnSync(VDIRSYNCER, ['-c', config, ...args], {
        encoding: 'utf8',
        input: 'y\n'.repeat(10),
        // It prints a line per item copied: 20,000 items are more than spawnSync's default 1 MiB, which kills it.
        maxBuffer: 256 * 1024 * 1024,
      });
      // Its stdout lists every item copied; the reason of a failure is at the end of stderr.
      const reason = result.stderr.trim().split('\n').slice(-3).join(' | ');
      if (result.status !== 0) {
        const how = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
        throw new Error(`vdirsyncer ${args.join(' ')} failed (${how}): ${reason}`);
      }
      return performance.now() - begin;
    };
    run('discover');
    const firstMs = run('sync');
    const idleMs = run('sync');
    const files = spawnSync('ls', [join(dir, 'local')], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((f) => f.endsWith('.ics')).length;
    return { firstMs, idleMs, files };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// -------------------------------------------------------------------------------------------------
// Tandem, the built server
// -------------------------------------------------------------------------------------------------

interface ServerRun {
  child: ChildProcess;
  base: string;
  output(): string;
  stop(): Promise<void>;
}

async function startTandem(env: Record<string, string>): Promise<ServerRun> {
  const port = await freePort();
  // Started as `npm start` starts it (NODE_FLAGS, MALLOC_ENV), plus the bench's own flags.
  const node = [...NODE_FLAGS, ...(process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)];
  const child = spawn(process.execPath, [...node, 'dist/main.js', 'serve'], {
    cwd: REPO_ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...MALLOC_ENV,
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      TANDEM_SEED_DEMO: 'false',
      TANDEM_RATE_LIMITS: 'off',
      CALDAV_ALLOW_PRIVATE_NETWORKS: 'true',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      // BENCH_PARSE_THREADS: the server's parse threads (SYNC_PARSE_THREADS); its own default when unset.
      ...(process.env.BENCH_PARSE_THREADS === undefined ? {} : { SYNC_PARSE_THREADS: process.env.BENCH_PARSE_THREADS }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-8_000);
    if (SERVER_OUTPUT) appendFileSync(SERVER_OUTPUT, `@@ ${Date.now()}\n${chunk.toString('utf8')}`);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const kill = (): void => void child.kill('SIGKILL');
  process.once('exit', kill);
  const base = `http://127.0.0.1:${port}`;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tandem serve exited: ${output}`);
    try {
      const res = await fetch(`${base}/readyz`);
      await res.arrayBuffer();
      break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    child,
    base,
    output: () => output,
    async stop() {
      process.removeListener('exit', kill);
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function api<T>(base: string, method: string, path: string, body?: unknown, token?: string): Promise<T> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as T;
}

function procStatus(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}

/** User + system CPU of a process so far, in ms (/proc/<pid>/stat, clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** One import's timeline file (BENCH_TRACE), with Radicale's CPU sampled into it while the import runs. */
interface Trace {
  file: string;
  mark(event: string): void;
  /** Starts sampling Radicale's CPU; returns the stop. */
  start(): () => void;
}

function openTrace(file: string, radicalePid: number | null): Trace {
  writeFileSync(file, '');
  const mark = (event: string): void => appendFileSync(file, `${(performance.timeOrigin + performance.now()).toFixed(1)} bench ${event}\n`);
  return {
    file,
    mark,
    start() {
      if (radicalePid === null) return () => undefined;
      let last = cpuMs(radicalePid);
      const sampler = setInterval(() => {
        const now = cpuMs(radicalePid);
        if (now !== last) mark(`radicale cpu ${now - last}`);
        last = now;
      }, 10);
      return () => clearInterval(sampler);
    },
  };
}

/** The Radicale process serving `storageDir` (for its CPU), if /proc shows it. */
function radicalePidFor(storageDir: string): number | null {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      if (command.includes('radicale') && command.includes(storageDir)) return Number(entry);
    } catch {
      // The process ended meanwhile.
    }
  }
  return null;
}

interface ImportFigures {
  ms: number;
  cpuMs: number;
  connectMs: number;
  /** The POST /api/connections alone (discovery, listing, storing); the rest of connectMs is the configure PUT. */
  connectOnlyMs: number;
  rssBeforeKb: number;
  rssPeakKb: number;
  hwmKb: number;
  total: number | null;
}

/** One calendar size's times: the anchors, and Tandem's just-started and warm imports by database. */
interface SizeResult {
  size: number;
  floor: number;
  vdir: number;
  tandem: Partial<Record<'pglite' | 'postgres', number>>;
  warm: Partial<Record<'pglite' | 'postgres', number>>;
}

interface StatusJson {
  calendarId: string;
  lastSyncedAt: string | null;
  lastError: { code: string; message: string } | null;
  importProgress: { done: number; total: number } | null;
}

/** The first import on a server just started, and (unless BENCH_WARM=0) a second workspace's on the same server. */
async function tandemImport(
  kind: 'pglite' | 'postgres',
  homeUrl: string,
  calendarName: string,
  traceFile: string | null,
  radicalePid: number | null,
): Promise<{ cold: ImportFigures; warm: ImportFigures | null }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-import-data-'));
  const env: Record<string, string> = { DATA_DIR: dataDir, TANDEM_SECRET_KEY: Buffer.alloc(32, 7).toString('base64') };
  // The server appends its timeline to one path: the just-started import's file is moved aside while
  // the warm import writes its own there, then each goes to its name.
  if (traceFile !== null) env.TANDEM_TRACE = traceFile;
  const trace = (): Trace | null => (traceFile === null ? null : openTrace(traceFile, radicalePid));
  let admin: pg.Client | null = null;
  const database = `bench_import_${process.pid}_${Date.now().toString(36)}`;
  if (kind === 'postgres') {
    admin = new pg.Client({ connectionString: POSTGRES_URL });
    await admin.connect();
    await admin.query(`create database ${database}`);
    const url = new URL(POSTGRES_URL);
    url.pathname = `/${database}`;
    env.DATABASE_URL = url.toString();
  }
  const server = await startTandem(env);
  try {
    const cold = await importThrough(server, admin === null ? null : database, homeUrl, calendarName, trace());
    if (!WARM) return { cold, warm: null };
    if (traceFile !== null) renameSync(traceFile, `${traceFile}.cold`);
    if (IDLE_SECONDS > 0) await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
    const warm = await importThrough(server, admin === null ? null : database, homeUrl, calendarName, trace());
    if (traceFile !== null) {
      renameSync(traceFile, traceFile.replace(/\.log$/, '-warm.log'));
      renameSync(`${traceFile}.cold`, traceFile);
    }
    return { cold, warm };
  } catch (error) {
    console.error(`tandem serve said:\n${server.output()}`);
    throw error;
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (admin) {
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.end();
    }
  }
}

async function importThrough(
  server: ServerRun,
  database: string | null,
  homeUrl: string,
  calendarName: string,
  trace: Trace | null,
): Promise<ImportFigures> {
  {
    const unique = Date.now().toString(36);
    const email = `owner-${unique}@bench.test`;
    await api(server.base, 'POST', '/api/workspaces', {
      name: `Bench ${unique}`,
      slug: `bench-${unique}`,
      owner: { name: 'Owner', email, password: 'correct horse battery', timezone: 'Europe/Berlin' },
    });
    const session = await api<{ token: string; userId: string }>(server.base, 'POST', '/api/auth/sign-in', {
      email,
      password: 'correct horse battery',
    });
    const pid = server.child.pid!;
    const rssBeforeKb = procStatus(pid, 'VmRSS');
    let rssPeakKb = rssBeforeKb;
    const sampler = setInterval(() => {
      rssPeakKb = Math.max(rssPeakKb, procStatus(pid, 'VmRSS'));
    }, 50);
    const cpuBefore = cpuMs(pid);
    const stopSampling = trace?.start() ?? ((): void => undefined);
    trace?.mark('bench connect');
    const begin = performance.now();
    const connection = await api<{ calendars: { id: string; displayName: string; url: string }[] }>(
      server.base,
      'POST',
      '/api/connections',
      { provider: 'caldav', serverUrl: homeUrl, username: USERNAME, password: PASSWORD },
      session.token,
    );
    const connectOnlyMs = performance.now() - begin;
    const calendar = connection.calendars.find((c) => c.url.replace(/\/$/, '').endsWith(`/${calendarName}`));
    if (!calendar) throw new Error(`calendar ${calendarName} not among ${connection.calendars.map((c) => c.url).join(', ')}`);
    await api(
      server.base,
      'PUT',
      `/api/users/${session.userId}/calendar-configuration`,
      { primaryCalendarId: calendar.id, conflictCalendarIds: [] },
      session.token,
    );
    const connectMs = performance.now() - begin;
    trace?.mark('bench configured');
    let total: number | null = null;
    for (;;) {
      const status = await api<StatusJson[]>(server.base, 'GET', '/api/sync/status', undefined, session.token);
      const mine = status.find((s) => s.calendarId === calendar.id);
      if (mine?.importProgress) total = mine.importProgress.total;
      if (mine?.lastError) throw new Error(`sync failed: ${JSON.stringify(mine.lastError)}`);
      if (mine?.lastSyncedAt && mine.importProgress === null) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    const ms = performance.now() - begin;
    const cpu = cpuMs(pid) - cpuBefore;
    trace?.mark(`bench synced; server cpu ${cpu}`);
    stopSampling();
    clearInterval(sampler);
    rssPeakKb = Math.max(rssPeakKb, procStatus(pid, 'VmRSS'));
    const hwmKb = procStatus(pid, 'VmHWM');
    if (database !== null) {
      const url = new URL(POSTGRES_URL);
      url.pathname = `/${database}`;
      const check = new pg.Client({ connectionString: url.toString() });
      await check.connect();
      const items = await check.query<{ n: string }>('select count(*) as n from remote_items where remote_calendar_id = $1', [calendar.id]);
      await check.end();
      total = Number(items.rows[0]!.n);
    }
    return { ms, cpuMs: cpu, connectMs, connectOnlyMs, rssBeforeKb, rssPeakKb, hwmKb, total };
  }
}

/** The run whose time is the median (the lower middle one of an even count): its own CPU and memory go with it. */
function medianRun(runs: readonly ImportFigures[]): ImportFigures {
  const sorted = [...runs].sort((a, b) => a.ms - b.ms);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

// -------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  console.log('Tandem first-import benchmark: connect through the API → sync status complete (Radicale 3, loopback)');
  console.log(
    `machine: ${cpus().length} CPUs, ${loadNote()} (1/5/15 min); Node ${process.version}; data around ${NOW.toISOString().slice(0, 10)}`,
  );
  if (!existsSync(join(REPO_ROOT, 'dist', 'main.js')) || process.env.BENCH_BUILD !== 'skip') {
    log('npm run build');
    const built = spawnSync('npm', ['run', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (built.status !== 0) throw new Error('npm run build failed');
  }
  ensureVdirsyncer();
  const vdirVersion = spawnSync(VDIRSYNCER, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const results: SizeResult[] = [];

  for (const size of SIZES) {
    const spec: DatasetSpec = {
      seed: 20261206 + size,
      now: NOW,
      window: { daysBack: 30, daysAhead: 400 },
      bigCalendar: { name: `import-${size}`, events: size, recurringShare: 0.1 },
      smallCalendars: { prefix: 'none-', count: 0, events: 0 },
    };
    const prepared = await prepareStorage(spec, log, { seedName: `import-${size}-${NOW.toISOString().slice(0, 7)}` });
    const radicale = await startRadicale({ storageDir: prepared.storageDir, username: USERNAME, password: PASSWORD });
    const calendarUrl = `${radicale.calendarHomeUrl}${spec.bigCalendar.name}/`;
    try {
      console.log(
        `\n${size.toLocaleString('en-US')} events (${prepared.stats.recurring.weekly + prepared.stats.recurring.daily + prepared.stats.recurring.monthly} recurring series)`,
      );
      // One warm-up listing: Radicale's own first-request costs are nobody's.
      await rawFloor(calendarUrl);
      const floors = [await rawFloor(calendarUrl), await rawFloor(calendarUrl), await rawFloor(calendarUrl)].sort((a, b) => a.ms - b.ms);
      const floor = floors[1]!;
      row(
        'raw floor (sync-collection + one multiget)',
        secs(floor.ms),
        `median of 3 (${floors.map((f) => secs(f.ms)).join(' / ')}); ${floor.items} items, ${(floor.bytes / 1e6).toFixed(2)} MB; ${loadNote()}`,
      );
      // BENCH_ANCHORS=floor leaves vdirsyncer out (minutes at 5,000 events): for quick iterations only.
      let vdir = { firstMs: NaN, idleMs: NaN, files: 0 };
      let vdirNote = 'left out (BENCH_ANCHORS=floor)';
      if (process.env.BENCH_ANCHORS !== 'floor') {
        // An anchor that fails is reported in its row; Tandem's rows of the same size still run.
        try {
          vdir = vdirsyncer(calendarUrl);
          vdirNote = `${vdir.files} files`;
        } catch (error) {
          vdirNote = error instanceof Error ? error.message : String(error);
        }
      }
      row(`vdirsyncer first sync (${vdirVersion})`, secs(vdir.firstMs), `${vdirNote}; ${loadNote()}`);
      row('vdirsyncer idle re-sync', secs(vdir.idleMs), loadNote());
      const result: SizeResult = { size, floor: floor.ms, vdir: vdir.firstMs, tandem: {}, warm: {} };
      for (const kind of DATABASES) {
        const colds: ImportFigures[] = [];
        const warms: ImportFigures[] = [];
        for (let run = 1; run <= RUNS; run++) {
          const traceFile = TRACE === '' ? null : `${TRACE}-${kind}-${size}${run === 1 ? '' : `-run${run}`}.log`;
          const { cold, warm } = await tandemImport(
            kind,
            radicale.calendarHomeUrl,
            spec.bigCalendar.name,
            traceFile,
            radicalePidFor(prepared.storageDir),
          );
          colds.push(cold);
          if (warm !== null) warms.push(warm);
        }
        const name = kind === 'pglite' ? 'PGlite' : 'PostgreSQL';
        const figuresNote = (figures: ImportFigures, runs: readonly ImportFigures[]): string =>
          `${(figures.ms / floor.ms).toFixed(2)}× floor, vdirsyncer ÷ Tandem ${(vdir.firstMs / figures.ms).toFixed(1)}×; ${runs.length === 1 ? '' : `median of ${runs.length} (${runs.map((r) => secs(r.ms)).join(' / ')}); `}server CPU ${secs(figures.cpuMs)}; connect+configure ${secs(figures.connectMs)} (connect ${secs(figures.connectOnlyMs)}); RSS ${mib(figures.rssBeforeKb)} → peak ${mib(figures.rssPeakKb)} (VmHWM ${mib(figures.hwmKb)})${figures.total === null ? '' : `; ${figures.total} items`}; ${loadNote()}`;
        const cold = medianRun(colds);
        result.tandem[kind] = cold.ms;
        row(`Tandem first import, ${name}, just started`, secs(cold.ms), figuresNote(cold, colds));
        if (warms.length > 0) {
          const warm = medianRun(warms);
          result.warm[kind] = warm.ms;
          row(`Tandem first import, ${name}, ${SECOND_IMPORT}`, secs(warm.ms), figuresNote(warm, warms));
        }
      }
      results.push(result);
    } finally {
      await radicale.stop();
      prepared.discard();
    }
  }

  console.log('\nGrowth (Tandem time ÷ the 5,000-event time; floor and vdirsyncer alongside)');
  const base = results.find((r) => r.size === 5000);
  for (const r of results) {
    const parts = DATABASES.flatMap((kind) =>
      (['tandem', 'warm'] as const).flatMap((phase) => {
        const t = r[phase][kind];
        if (t === undefined) return [];
        const ratio = base?.[phase][kind] === undefined ? '' : ` (${(t / base[phase][kind]).toFixed(2)}×)`;
        return [`${kind}${phase === 'warm' ? ` ${SECOND_IMPORT}` : ''} ${secs(t)}${ratio}`];
      }),
    );
    const floorRatio = base ? ` (${(r.floor / base.floor).toFixed(2)}×)` : '';
    row(
      `${r.size.toLocaleString('en-US')} events`,
      '',
      `${parts.join(', ')}; floor ${secs(r.floor)}${floorRatio}; vdirsyncer ${secs(r.vdir)}`,
    );
  }
  console.log(`\nfinished in ${secs(performance.now() - started)}, ${loadNote()}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
