/**
 * Large multistatus answers are read on a worker thread. A 50 MB multiget answer or a 300,000-item
 * listing takes the reader (xml.ts) a second or more of CPU; on the event loop that would hold every other
 * request of the process (the API included) for as long. Small answers — nearly all of them — are
 * read in place, where a worker's round trip would cost more than the parse.
 *
 * What comes back is what the request module returns, not the element tree: a tree of 300,000
 * responses costs the main thread as much to receive (structured clone) as to build. Long listings
 * come back as one packed string, unpacked here in slices that yield to the event loop.
 */
import { availableParallelism } from 'node:os';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Worker } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { workerScript } from '../worker-script.ts';
import { CalDavError, type CalDavErrorKind } from './errors.ts';
import { ownCopy } from './own-copy.ts';
import type { MultigetItem } from './multiget-item.ts';
import { bodySize, type CalDavResponse } from './transport.ts';

/** Bytes [start, end) of a listing on disk (listing-spool.ts), read as a document inside the root's tags. */
interface SpooledRange {
  fd: number;
  start: number;
  end: number;
  root: string;
  rootEnd: string;
  url: string;
}

/** Members of a listing on disk, read as a multiget answer (multiget.ts, readSpooledObjects). */
export type SpooledObjectsTask = SpooledRange & { requested: readonly string[]; requestBase: string };

/** A group of a spooled listing's members; `dataText`: its calendar-data contents that are text alone, as [start, end) pairs. */
export type SpooledGroupTask = SpooledRange & { calendarUrl: string; dataText: readonly number[] };

/** What a group holds: its members in order (`response`: the index of the response element they came in), deletions, token. */
export interface SpooledGroup {
  members: Array<{ href: string; etag: string | null; response: number; hasData: boolean }>;
  deleted: string[];
  syncToken: string | null;
  truncated: boolean;
  /** Response elements read. */
  responses: number;
}

/** Bodies from this size up (bytes as received; characters for an answer that has only text) are read on a worker thread. */
export const OFF_THREAD_MIN_CHARS = 256 * 1024;

/** Entries unpacked between two turns of the event loop. */
const ENTRIES_PER_TURN = 5_000;

/** The body as received (decoded in the worker), or as text where only text exists. */
export type WorkerBody = string | Uint8Array;

export type MultistatusTask =
  | { op: 'sync-collection'; body: WorkerBody; url: string; calendarUrl: string }
  | { op: 'etags'; body: WorkerBody; url: string; calendarUrl: string }
  | { op: 'multiget'; body: WorkerBody; url: string; requested: readonly string[]; requestBase: string }
  /** A group of a listing on disk holding a member too large to read on the event loop (sync-collection.ts). */
  | ({ op: 'sync-collection-group' } & SpooledGroupTask)
  /** Members of a listing on disk read as a multiget answer: one member too large to read on the event loop. */
  | ({ op: 'multiget-spooled' } & SpooledObjectsTask);

export type MultistatusTaskResult =
  | { op: 'sync-collection'; count: number; changed: string; deleted: string[]; syncToken: string; truncated: boolean }
  | { op: 'etags'; count: number; items: string }
  | { op: 'multiget' | 'multiget-spooled'; items: MultigetItem[] }
  | ({ op: 'sync-collection-group' } & SpooledGroup)
  | { op: 'error'; error: { kind: CalDavErrorKind; message: string; url: string; status: number | null } };

/** Whether an answer is large enough to be read on a worker thread. */
export function readsOffThread(response: CalDavResponse): boolean {
  return bodySize(response) >= OFF_THREAD_MIN_CHARS;
}

/** What the worker gets: the bytes as received when there are (copied, never decoded here), else the text. */
export function bodyForWorker(response: CalDavResponse): WorkerBody {
  return response.bytes ?? response.body;
}

/**
 * Two pools. Multigets are bounded by the request size (500 objects); listings are not: reading a
 * 20,000-item listing holds ~75 MiB of parse tree, and V8 then sets that thread's next full-GC
 * threshold to a multiple of it. On a thread shared with multigets, every multiget after it left its
 * garbage in the old generation until that threshold: the thread's heap grew by ~3 MiB per multiget,
 * to 220 MiB at 20,000 events, in proportion to the calendar (decision 0020). So a listing's thread
 * ends as soon as no listing needs it, taking its heap with it.
 *
 * "Needs it" is counted, not left to an idle timeout: a token-less listing holds the thread from the
 * moment its request is sent (holdListingReader), so the thread starts while the server computes the
 * answer (over a second for 5,000 items on Radicale) instead of after it (0.2–1.1 s cold, decision 0020,
 * third round), and the pool is destroyed when the last hold and the last listing read are done.
 */
let readPool: Piscina | null = null;
let listingPool: Piscina | null = null;
/** Holds and listing reads in progress on listingPool; the pool is destroyed when it falls to 0. */
let listingUsers = 0;

/**
 * A backstop only: the pool is destroyed when its last user is done. It must outlast the longest
 * listing request, or the thread started for it is gone before the answer comes.
 */
const LISTING_IDLE_MS = 120_000;

function open(op: MultistatusTask['op']): Piscina {
  const threads = workerScript(import.meta.url, 'multistatus-worker');
  // One thread is enough to keep the event loop free; a second helps when several calendars sync at once.
  const maxThreads = Math.max(1, Math.min(2, availableParallelism() - 1));
  if (op === 'multiget' || op === 'multiget-spooled') {
    // A thread that read a 50 MB answer holds that much heap: let it go soon after.
    readPool ??= new Piscina({ ...threads, minThreads: 0, maxThreads, idleTimeout: 10_000 });
    return readPool;
  }
  listingPool ??= new Piscina({ ...threads, minThreads: 0, maxThreads, idleTimeout: LISTING_IDLE_MS });
  return listingPool;
}

/** One user of the listing pool fewer; the last one ends its threads. */
function releaseListingPool(): void {
  listingUsers -= 1;
  if (listingUsers > 0 || listingPool === null) return;
  const done = listingPool;
  listingPool = null;
  // A warm-up still starting is cancelled by this; its rejection is expected and ignored.
  done.destroy().catch(() => undefined);
}

/** An empty listing: reading it starts the thread and loads the reader, nothing more. */
const EMPTY_LISTING = {
  body: '<d:multistatus xmlns:d="DAV:"><d:sync-token>w</d:sync-token></d:multistatus>',
  url: 'http://warm.invalid/',
  calendarUrl: 'http://warm.invalid/',
};

/**
 * Starts the listing reader's thread without waiting for it, and keeps it until the returned release
 * is called: call it as a listing request (one likely to be large) is sent, release once its answer
 * has been read (in place or not). Releasing twice is harmless.
 */
export function holdListingReader(): () => void {
  listingUsers += 1;
  const pool = open('sync-collection');
  pool.run({ op: 'sync-collection', ...EMPTY_LISTING }).catch(() => undefined);
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    // The pool may have been closed (shutdown) and replaced since: the count is for whichever is open.
    releaseListingPool();
  };
}

/** The listing pool's threads now (tests watch them start before an answer and end after it). */
export function listingReaderThreads(): readonly Worker[] {
  return listingPool?.threads ?? [];
}

/** Reads `task` on the worker pool; throws the CalDavError the reader threw. */
export async function readOffThread<T extends MultistatusTask['op']>(
  task: Extract<MultistatusTask, { op: T }>,
): Promise<Exclude<MultistatusTaskResult, { op: 'error' }> & { op: T }> {
  const listing = task.op === 'sync-collection' || task.op === 'etags' || task.op === 'sync-collection-group';
  if (listing) listingUsers += 1;
  try {
    const result = (await open(task.op).run(task)) as MultistatusTaskResult;
    if (result.op === 'error') throw new CalDavError(result.error);
    return result as Exclude<MultistatusTaskResult, { op: 'error' }> & { op: T };
  } finally {
    if (listing) releaseListingPool();
  }
}

/** Ends the worker threads (they also end by themselves when idle). */
export async function closeMultistatusPool(): Promise<void> {
  const running = [readPool, listingPool];
  readPool = null;
  listingPool = null;
  await Promise.all(running.map((pool) => pool?.destroy()));
}

/**
 * Strings (null allowed) as one string: `~` for null, `<length>:<text>` otherwise — any character
 * may appear in the text (XML character references can produce even NUL).
 */
export function packStrings(values: ReadonlyArray<string | null>): string {
  return values.map((v) => (v === null ? '~' : `${v.length}:${v}`)).join('');
}

/**
 * The pairs packed by packStrings, `count` of them, yielding to the event loop every few thousand.
 * Each string is a copy of its own, not a slice of `packed`: V8 makes a slice of 13 characters or more
 * a view that keeps the whole packed string alive. A first import keeps the listing's hrefs (to fetch)
 * for the whole import and drops the etags at once, so slices kept every etag of the calendar too —
 * ~3 MiB at 20,000 members where the hrefs alone are ~2 MiB (decision 0020, ninth session).
 */
export async function unpackPairs(packed: string, count: number): Promise<Array<[string | null, string | null]>> {
  const pairs: Array<[string | null, string | null]> = [];
  let at = 0;
  const next = (): string | null => {
    if (packed[at] === '~') {
      at += 1;
      return null;
    }
    const colon = packed.indexOf(':', at);
    const length = Number(packed.slice(at, colon));
    at = colon + 1 + length;
    return ownCopy(packed.slice(colon + 1, at));
  };
  for (let i = 0; i < count; i++) {
    if (i > 0 && i % ENTRIES_PER_TURN === 0) await nextTurn();
    pairs.push([next(), next()]);
  }
  return pairs;
}
