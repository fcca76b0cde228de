/**
 * RFC 4791 §7.9 calendar-multiget: fetch etag + calendar-data for known hrefs, in batches.
 * Each result carries the href exactly as the caller passed it, in the order asked, so callers can
 * match results to their own records even when the server spells the href differently (encoding).
 */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { traceImport } from '../observability/import-trace.ts';
import type { MultigetItem } from './multiget-item.ts';
import { assertMultistatusStatus, hrefForBody, NAMESPACE_DECLARATIONS, report, XML_DECLARATION } from './propfind.ts';
import { readSpooled, type ListingSpool } from './listing-spool.ts';
import {
  bodyForWorker,
  OFF_THREAD_MIN_CHARS,
  readOffThread,
  readsOffThread,
  type SpooledObjectsTask,
} from './read-multistatus-off-thread.ts';
import type { CalDavTransport } from './transport.ts';
import { canonicalUrl, foundProp, foundText, NS, parseMultistatus, type DavResponse, type Multistatus } from './xml.ts';

export type { MultigetItem } from './multiget-item.ts';

export const DEFAULT_MULTIGET_BATCH_SIZE = 100;

/** A time range to expand recurrences over, for callers that want instances rather than masters. */
export interface ExpandRange {
  from: Date;
  to: Date;
}

/** iCalendar UTC date-time (RFC 5545 §3.3.5), as CalDAV time-range and expand attributes want it. */
export function icalUtc(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;
}

export function calendarDataRequest(expand?: ExpandRange): string {
  return expand === undefined
    ? '<c:calendar-data/>'
    : `<c:calendar-data><c:expand start="${icalUtc(expand.from)}" end="${icalUtc(expand.to)}"/></c:calendar-data>`;
}

export function multigetBody(p: { calendarUrl: string; hrefs: readonly string[]; expand?: ExpandRange }): string {
  const hrefs = p.hrefs.map((h) => `<d:href>${hrefForBody(h, p.calendarUrl)}</d:href>`).join('');
  return `${XML_DECLARATION}<c:calendar-multiget ${NAMESPACE_DECLARATIONS}><d:prop><d:getetag/>${calendarDataRequest(p.expand)}</d:prop>${hrefs}</c:calendar-multiget>`;
}

function toItem(response: DavResponse, href: string): MultigetItem {
  // Not trimmed: the data is iCalendar text and ends where the server says it ends.
  const data = foundProp(response, NS.CALDAV, 'calendar-data')?.text ?? null;
  const calendarData = data !== null && data.trim() !== '' ? data : null;
  const failed = response.propstats.find((ps) => ps.status < 200 || ps.status >= 300);
  const status = response.status ?? (calendarData !== null ? 200 : (failed?.status ?? 200));
  return { href, etag: foundText(response, NS.DAV, 'getetag'), calendarData, status };
}

/** Items in the order they were requested (servers answer in their own order), unrequested ones last. */
function itemsIn(multistatus: Multistatus, requested: readonly string[], requestBase: string): MultigetItem[] {
  const position = new Map(requested.map((h, i) => [canonicalUrl(h, requestBase), i]));
  const items: Array<MultigetItem & { order: number }> = [];
  for (const response of multistatus.responses) {
    for (const href of response.hrefs) {
      const order = position.get(href);
      items.push({ ...toItem(response, order === undefined ? href : (requested[order] as string)), order: order ?? requested.length });
    }
  }
  return items.sort((x, y) => x.order - y.order).map(({ order: _order, ...item }) => item);
}

/**
 * Reads a multiget (or calendar-query) multistatus. Pure. Hrefs come back absolute and canonical,
 * or exactly as in `requested` (resolved against `requestBase`, default `url`) where they name the
 * same resource.
 */
export function parseMultiget(p: { body: string; url: string; requested?: readonly string[]; requestBase?: string }): MultigetItem[] {
  return itemsIn(parseMultistatus({ body: p.body, url: p.url }), p.requested ?? [], p.requestBase ?? p.url);
}

/**
 * The objects a listing brought with it (sync-collection.ts, withData), on disk: asked for by href,
 * each group is read back from the file and read as a multiget answer — the same reader, the same
 * items — wrapped in the listing's root tags. Hrefs the listing had no data for are not here (the
 * caller fetches them). close() ends the file.
 */
export class SpooledObjects {
  private readonly at = new Map<string, number>();
  /** Reads under way: the descriptor is closed only after them, never under a thread still reading it (its number could be reused). */
  private reading = 0;
  private closing = false;

  constructor(
    private readonly spool: ListingSpool,
    private readonly listing: { url: string; root: string; rootEnd: string; hrefs: readonly string[]; ranges: Float64Array },
  ) {
    listing.hrefs.forEach((href, i) => {
      if (listing.ranges[2 * i]! >= 0) this.at.set(href, i);
    });
  }

  /** How many objects came with the listing. */
  get size(): number {
    return this.at.size;
  }

  has(href: string): boolean {
    return this.at.has(href);
  }

  /** The items for `hrefs` (each one this holds), as calendarMultiget would return them. */
  async read(hrefs: readonly string[], requestBase: string): Promise<MultigetItem[]> {
    const { ranges } = this.listing;
    const startOf = (href: string): number => ranges[2 * this.at.get(href)!]!;
    const endOf = (href: string): number => ranges[2 * this.at.get(href)! + 1]!;
    const wanted = hrefs.filter((href) => this.at.has(href)).sort((a, b) => startOf(a) - startOf(b));
    const items: MultigetItem[] = [];
    if (this.closing) throw new Error('the listing these objects came with has been let go');
    this.reading += 1;
    try {
      // Runs of members that lie together in the file (a first import asks for them in listing
      // order), each at most OFF_THREAD_MIN_CHARS long unless it is one member: read in place, as any
      // answer of that size is, with a turn of the event loop between two. Only a member over that
      // size (a 50 MB event) is read on the multiget reader's thread, which reads its bytes from the
      // file itself. Reading every run there cost a just-started server's first import of 5,000
      // events 0.2–1.1 s more CPU — that thread's start and its own compilation of the reader, which
      // this thread has compiled for the listing already — and ~20 MiB more peak memory (decision
      // 0017, twelfth session).
      for (let first = 0; first < wanted.length;) {
        if (this.closing) throw new Error('the listing these objects came with has been let go');
        const start = startOf(wanted[first]!);
        let last = first;
        while (
          last + 1 < wanted.length &&
          startOf(wanted[last + 1]!) - endOf(wanted[last]!) <= RUN_GAP_BYTES &&
          endOf(wanted[last + 1]!) - start < OFF_THREAD_MIN_CHARS
        ) {
          last++;
        }
        const run = wanted.slice(first, last + 1);
        const task = {
          fd: this.spool.fd,
          start,
          end: endOf(run[run.length - 1]!),
          root: this.listing.root,
          rootEnd: this.listing.rootEnd,
          url: this.listing.url,
          requested: run,
          requestBase,
        };
        let read: MultigetItem[];
        if (task.end - task.start < OFF_THREAD_MIN_CHARS) {
          if (first > 0) await nextTurn();
          read = readSpooledObjects(task);
        } else {
          read = (await readOffThread({ op: 'multiget-spooled', ...task })).items;
        }
        // A run's bytes may hold members not asked for (between two that were): they are left out.
        const asked = new Set(run);
        items.push(...read.filter((item) => asked.has(item.href)));
        first = last + 1;
      }
    } finally {
      this.reading -= 1;
      if (this.closing && this.reading === 0) this.end();
    }
    return items;
  }

  close(): void {
    if (this.closing) return;
    this.closing = true;
    if (this.reading === 0) this.end();
  }

  private end(): void {
    this.at.clear();
    this.spool.close();
  }
}

/** Members this close together in the file are read with what lies between them (read and ignored). */
const RUN_GAP_BYTES = 64 * 1024;

/** Bytes [start, end) of a listing on disk, read as a multiget answer inside the listing's root tags (here, or on the reader's thread). */
export function readSpooledObjects(task: SpooledObjectsTask): MultigetItem[] {
  const { fd, start, end, root, rootEnd, ...answer } = task;
  return parseMultiget({ body: `${root}${readSpooled(fd, start, end).toString('utf8')}${rootEnd}`, ...answer });
}

/** An answer with no members, read by warmMultigetReader: nothing in it but the start-up. */
const EMPTY_ANSWER = {
  body: '<d:multistatus xmlns:d="DAV:"/>',
  url: 'http://warm.invalid/',
  requested: [],
  requestBase: 'http://warm.invalid/',
};

/**
 * Starts the thread that reads large multiget answers, and its modules, without waiting for it:
 * a first import whose listing came without the objects' data calls it before its first multiget,
 * so that multiget's answer does not wait for a thread to start (~0.2 s cold; decision 0017, fifth
 * round). The thread ends by itself when idle, as after any read.
 */
export function warmMultigetReader(): void {
  readOffThread({ op: 'multiget', ...EMPTY_ANSWER }).catch(() => undefined);
}

/**
 * Hrefs the server does not answer for are absent from the result (callers treat them as "not
 * fetched this time", never as deleted).
 */
export async function calendarMultiget(p: {
  calendarUrl: string;
  hrefs: string[];
  transport: CalDavTransport;
  batchSize?: number;
  expand?: ExpandRange;
  /** Called once the last batch's answer has arrived, before it is read (a caller may send its next request then). */
  onReceived?: () => void;
}): Promise<MultigetItem[]> {
  const batchSize = Math.max(1, p.batchSize ?? DEFAULT_MULTIGET_BATCH_SIZE);
  const items: MultigetItem[] = [];
  for (let start = 0; start < p.hrefs.length; start += batchSize) {
    const batch = p.hrefs.slice(start, start + batchSize);
    traceImport(`multiget sent ${batch.length}`);
    const response = await report({
      transport: p.transport,
      url: p.calendarUrl,
      depth: '1',
      body: multigetBody({ calendarUrl: p.calendarUrl, hrefs: batch, expand: p.expand }),
    });
    traceImport(`multiget arrived ${batch.length}`);
    if (start + batchSize >= p.hrefs.length) p.onReceived?.();
    // Requested hrefs resolve against the calendar URL; answered ones were resolved against the answering URL.
    assertMultistatusStatus(response);
    const task = { url: response.url, requested: batch, requestBase: p.calendarUrl };
    items.push(
      ...(readsOffThread(response)
        ? (await readOffThread({ op: 'multiget', body: bodyForWorker(response), ...task })).items
        : parseMultiget({ body: response.body, ...task })),
    );
    traceImport(`multiget read ${batch.length}`);
  }
  return items;
}
