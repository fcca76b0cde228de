/**
 * RFC 4791 §7.9 calendar-multiget: fetch etag + calendar-data for known hrefs, in batches.
 * Each result carries the href exactly as the caller passed it, in the order asked, so callers can
 * match results to their own records even when the server spells the href differently (encoding).
 */
import { traceImport } from '../observability/import-trace.ts';
import type { MultigetItem } from './multiget-item.ts';
import { assertMultistatusStatus, hrefForBody, NAMESPACE_DECLARATIONS, report, XML_DECLARATION } from './propfind.ts';
import { bodyForWorker, readOffThread, readsOffThread } from './read-multistatus-off-thread.ts';
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

/** An answer with no members, read by warmMultigetReader: nothing in it but the start-up. */
const EMPTY_ANSWER = {
  body: '<d:multistatus xmlns:d="DAV:"/>',
  url: 'http://warm.invalid/',
  requested: [],
  requestBase: 'http://warm.invalid/',
};

/**
 * Starts the thread that reads large multiget answers, and its modules, without waiting for it:
 * a first import calls it while the server computes the listing (~1 s for 5,000 items on Radicale),
 * so the first multiget after it does not wait for a thread to start (~0.2 s cold; decision 0017,
 * fifth round). The thread ends by itself when idle, as after any read.
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
