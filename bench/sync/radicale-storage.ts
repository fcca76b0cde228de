/**
 * The benchmark's Radicale storage folder (DESIGN §7). PUTting 5,000 events one by one takes a
 * quarter of an hour, so the `.ics` files are written straight into
 * `<storage>/collection-root/<user>/<calendar>/` with a `.Radicale.props` naming it a calendar;
 * Radicale then builds its item cache on the first request (≈ 2 min for 5,000 objects).
 *
 * A pristine, cache-warmed copy is kept in `.cache/bench-radicale/seed/` (git-ignored), stamped
 * with the generator's parameters; every run works on a fresh copy of it in
 * `.cache/bench-radicale/run-<pid>/`, so the edits a run makes never leak into the next one, and a run
 * interrupted half-way leaves the seed intact. The copy is made of hard links (15,000 small files
 * copied take long on a busy disk): Radicale writes every item, cache and history file to a temporary
 * file and renames it over the old one, which leaves the seed's file alone; only its lock files are
 * opened for writing in place, and those are not linked.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { davRequest } from '../../test/support/caldav-fixtures.ts';
import { startRadicale } from '../../test/support/radicale.ts';
import { generateBigCalendar, generateSmallCalendar, type BigCalendarStats, type CalendarFile } from './generate.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE_ROOT = join(REPO_ROOT, '.cache', 'bench-radicale');
export const USERNAME = 'bench';
export const PASSWORD = 'bench-radicale-password';

/** In the seed folder (outside collection-root, so Radicale ignores it): what the seed was made from. */
const MARKER = 'bench-seed.json';

/** Whether a process with this id is running. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Bump when the generated content changes in any way: the cached seed is rebuilt. */
const GENERATOR_VERSION = 3;

export interface DatasetSpec {
  seed: number;
  now: Date;
  window: { daysBack: number; daysAhead: number };
  bigCalendar: { name: string; events: number; recurringShare: number };
  smallCalendars: { prefix: string; count: number; events: number };
}

/**
 * The one-calendar data set of the first-import benchmarks (bench:import, bench:import-memory):
 * `events` events, 10 % recurring, around `now`; both share its cached seed.
 */
export function importDataset(events: number, now: Date): { spec: DatasetSpec; seedName: string } {
  return {
    spec: {
      seed: 20261206 + events,
      now,
      window: { daysBack: 30, daysAhead: 400 },
      bigCalendar: { name: `import-${events}`, events, recurringShare: 0.1 },
      smallCalendars: { prefix: 'none-', count: 0, events: 0 },
    },
    seedName: `import-${events}-${now.toISOString().slice(0, 7)}`,
  };
}

export interface PreparedStorage {
  storageDir: string;
  /** Whether the seed had to be written and its cache built in this run. */
  cold: boolean;
  /** Time spent writing and warming the seed (0 when it was cached). */
  seedMs: number;
  /** Time spent linking the seed into the run folder. */
  copyMs: number;
  /** Removes the run folder (call after Radicale stopped). */
  discard(): void;
  stats: BigCalendarStats;
  /** Resource name → calendar data of the big calendar as seeded. */
  bigFiles: CalendarFile[];
  smallCalendarNames: string[];
}

export function smallCalendarName(spec: DatasetSpec, index: number): string {
  return `${spec.smallCalendars.prefix}${String(index).padStart(3, '0')}`;
}

function fingerprint(spec: DatasetSpec): string {
  return JSON.stringify({ version: GENERATOR_VERSION, ...spec, now: spec.now.toISOString() });
}

function writeCalendar(userDir: string, name: string, displayName: string, files: readonly CalendarFile[]): void {
  const dir = join(userDir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, '.Radicale.props'),
    JSON.stringify({ tag: 'VCALENDAR', 'D:displayname': displayName, 'C:supported-calendar-component-set': 'VEVENT' }),
  );
  for (const file of files) writeFileSync(join(dir, file.name), file.ics);
}

function countEntries(dir: string): number {
  try {
    return readdirSync(dir).length;
  } catch {
    return 0;
  }
}

const SYNC_COLLECTION_BODY =
  '<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:"><d:sync-token/><d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>';

/** A sync-collection without a token: Radicale reads (and caches) every item and records their history. */
async function touchCollection(url: string): Promise<void> {
  const res = await davRequest(url, {
    method: 'REPORT',
    auth: { username: USERNAME, password: PASSWORD },
    headers: { 'Content-Type': 'application/xml; charset=utf-8', Depth: '0' },
    body: SYNC_COLLECTION_BODY,
  });
  if (res.status !== 207) throw new Error(`warming ${url}: REPORT answered ${res.status}: ${res.text.slice(0, 300)}`);
}

/** Mirrors `from` into `to` with hard links (copies where linking fails), leaving out Radicale's lock and temporary files. */
function linkTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.name.startsWith('.Radicale.lock') || entry.name.startsWith('.Radicale.tmp-')) continue;
    const source = join(from, entry.name);
    const target = join(to, entry.name);
    if (entry.isDirectory()) {
      linkTree(source, target);
    } else if (entry.isFile()) {
      try {
        linkSync(source, target);
      } catch {
        copyFileSync(source, target);
      }
    }
  }
}

export async function prepareStorage(
  spec: DatasetSpec,
  log: (line: string) => void,
  /** Another data set (bench:import's 1,000 / 5,000 / 20,000) keeps a seed of its own beside this one. */
  options: { seedName?: string } = {},
): Promise<PreparedStorage> {
  const seedName = options.seedName ?? 'seed';
  const seedDir = join(CACHE_ROOT, seedName);
  // One folder per benchmark process (and data set): two runs at once never share a Radicale storage.
  const runDir = join(CACHE_ROOT, seedName === 'seed' ? `run-${process.pid}` : `run-${process.pid}-${seedName}`);
  const marker = join(seedDir, MARKER);
  const big = generateBigCalendar({
    seed: spec.seed,
    count: spec.bigCalendar.events,
    recurringShare: spec.bigCalendar.recurringShare,
    now: spec.now,
    window: spec.window,
  });
  const smallCalendarNames = Array.from({ length: spec.smallCalendars.count }, (_, i) => smallCalendarName(spec, i));

  const wanted = fingerprint(spec);
  const cached = existsSync(marker) && readFileSync(marker, 'utf8') === wanted;
  let seedMs = 0;
  if (!cached) {
    const started = performance.now();
    // Built under a name of its own and renamed into place when complete, so an interrupted build
    // is never taken for a seed, and a second benchmark started meanwhile does not trip over it.
    const buildDir = join(CACHE_ROOT, `seed-building-${process.pid}-${seedName}`);
    log(`seed: no usable cached storage in ${seedDir}; writing it (first run only)`);
    rmSync(buildDir, { recursive: true, force: true });
    const userDir = join(buildDir, 'collection-root', USERNAME);
    writeCalendar(userDir, spec.bigCalendar.name, `Bench ${spec.bigCalendar.events}`, big.files);
    smallCalendarNames.forEach((name, i) => {
      writeCalendar(
        userDir,
        name,
        `Bench small ${i}`,
        generateSmallCalendar({ seed: spec.seed * 1000 + i + 1, count: spec.smallCalendars.events, now: spec.now }),
      );
    });
    log(
      `seed: wrote ${big.files.length} + ${smallCalendarNames.length}×${spec.smallCalendars.events} .ics files in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );

    const server = await startRadicale({ storageDir: buildDir, username: USERNAME, password: PASSWORD });
    try {
      const cacheDir = join(userDir, spec.bigCalendar.name, '.Radicale.cache', 'item');
      const warmStarted = performance.now();
      log(`seed: Radicale is building its item cache for ${big.files.length} events (≈ 2 min)…`);
      const progress = setInterval(() => {
        log(
          `seed:   cache ${countEntries(cacheDir)}/${big.files.length} items, ${((performance.now() - warmStarted) / 1000).toFixed(0)} s`,
        );
      }, 10_000);
      try {
        await touchCollection(`${server.calendarHomeUrl}${spec.bigCalendar.name}/`);
      } finally {
        clearInterval(progress);
      }
      log(`seed: big calendar cached in ${((performance.now() - warmStarted) / 1000).toFixed(1)} s`);
      for (const name of smallCalendarNames) await touchCollection(`${server.calendarHomeUrl}${name}/`);
      if (smallCalendarNames.length > 0) log(`seed: ${smallCalendarNames.length} small calendars cached`);
    } catch (error) {
      await server.stop();
      rmSync(buildDir, { recursive: true, force: true });
      throw error;
    }
    await server.stop();
    writeFileSync(join(buildDir, MARKER), wanted);
    rmSync(seedDir, { recursive: true, force: true });
    renameSync(buildDir, seedDir);
    seedMs = performance.now() - started;
  }

  // Runs left behind by benchmarks that died (their process is gone) are removed.
  for (const name of readdirSync(CACHE_ROOT)) {
    const pid = /^(?:run|seed-building)-(\d+)(?:-.*)?$/.exec(name)?.[1];
    if (pid !== undefined && !isAlive(Number(pid))) rmSync(join(CACHE_ROOT, name), { recursive: true, force: true });
  }
  const copyStarted = performance.now();
  linkTree(seedDir, runDir);
  const copyMs = performance.now() - copyStarted;
  return {
    storageDir: runDir,
    cold: !cached,
    seedMs,
    copyMs,
    discard: () => rmSync(runDir, { recursive: true, force: true }),
    stats: big.stats,
    bigFiles: big.files,
    smallCalendarNames,
  };
}
