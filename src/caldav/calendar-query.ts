/**
 * A time-range calendar-query with server-side recurrence expansion (RFC 4791 §7.8, §9.6.5):
 * the "live fetch" approach, kept for the benchmark that compares it with stored sync.
 *
 * Zoho answers calendar-query with etags only, ignoring the requested calendar-data; members that
 * come back without data are fetched again with a multiget carrying the same expansion.
 */
import { calendarDataRequest, calendarMultiget, icalUtc, parseMultiget, type MultigetItem } from './multiget.ts';
import { NAMESPACE_DECLARATIONS, report, XML_DECLARATION } from './propfind.ts';
import type { CalDavTransport } from './transport.ts';
import { sameResource } from './xml.ts';

export function calendarQueryBody(p: { from: Date; to: Date }): string {
  const range = `start="${icalUtc(p.from)}" end="${icalUtc(p.to)}"`;
  return (
    `${XML_DECLARATION}<c:calendar-query ${NAMESPACE_DECLARATIONS}>` +
    `<d:prop><d:getetag/>${calendarDataRequest({ from: p.from, to: p.to })}</d:prop>` +
    `<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range ${range}/></c:comp-filter></c:comp-filter></c:filter>` +
    `</c:calendar-query>`
  );
}

/** Reads a calendar-query multistatus, leaving out the collection itself (Zoho lists it). Pure. */
export function parseCalendarQuery(p: { body: string; url: string; calendarUrl?: string }): MultigetItem[] {
  const collection = [p.url, p.calendarUrl ?? p.url];
  return parseMultiget({ body: p.body, url: p.url }).filter(
    (item) => !collection.some((c) => sameResource(c, item.href)) && !new URL(item.href).pathname.endsWith('/'),
  );
}

export async function calendarQueryExpanded(p: {
  calendarUrl: string;
  from: Date;
  to: Date;
  transport: CalDavTransport;
}): Promise<Array<{ href: string; etag: string | null; calendarData: string }>> {
  const response = await report({ transport: p.transport, url: p.calendarUrl, depth: '1', body: calendarQueryBody(p) });
  const items = parseCalendarQuery({ body: response.body, url: response.url, calendarUrl: p.calendarUrl });
  const withoutData = items.filter((i) => i.calendarData === null && i.status === 200).map((i) => i.href);
  const refetched =
    withoutData.length === 0
      ? []
      : await calendarMultiget({
          calendarUrl: p.calendarUrl,
          hrefs: withoutData,
          transport: p.transport,
          expand: { from: p.from, to: p.to },
        });
  const results: Array<{ href: string; etag: string | null; calendarData: string }> = [];
  for (const item of [...items, ...refetched]) {
    if (item.calendarData !== null) results.push({ href: item.href, etag: item.etag, calendarData: item.calendarData });
  }
  return results;
}
