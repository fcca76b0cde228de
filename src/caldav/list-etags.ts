/**
 * The full etag listing of a calendar (Depth-1 PROPFIND): the fallback when a sync token is
 * refused, and the daily reconciliation. Only event resources count — not the collection itself,
 * not sub-collections, not tasks where the server says what a resource holds.
 */
import { CalDavError } from './errors.ts';
import { assertMultistatusStatus, propfindResponse, type PropName } from './propfind.ts';
import { bodyForWorker, readOffThread, readsOffThread, unpackPairs } from './read-multistatus-off-thread.ts';
import type { CalDavTransport } from './transport.ts';
import { foundProp, foundText, NS, parseMultistatus, sameResource, type Multistatus } from './xml.ts';

export const LIST_ETAGS_PROPS: readonly PropName[] = [
  [NS.DAV, 'getetag'],
  [NS.DAV, 'resourcetype'],
  [NS.DAV, 'getcontenttype'],
];

/**
 * Radicale and others say `text/calendar; component=VTODO`; a resource that names its component
 * and it is not VEVENT is not an event. A resource that says nothing is assumed to be one.
 */
function holdsEvents(contentType: string | null): boolean {
  if (contentType === null) return true;
  const [mediaType, ...params] = contentType
    .toLowerCase()
    .split(';')
    .map((s) => s.trim());
  if (mediaType !== 'text/calendar') return false;
  const component = params
    .find((param) => param.startsWith('component='))
    ?.slice('component='.length)
    .replace(/"/g, '');
  return component === undefined || component === 'vevent';
}

function etagsIn(multistatus: Multistatus, collectionUrls: string[]): Array<{ href: string; etag: string }> {
  const items: Array<{ href: string; etag: string }> = [];
  for (const response of multistatus.responses) {
    const href = response.hrefs[0] as string;
    if (collectionUrls.some((c) => sameResource(c, href))) continue;
    const isCollection =
      foundProp(response, NS.DAV, 'resourcetype')?.children.some((t) => t.ns === NS.DAV && t.name === 'collection') ?? false;
    if (isCollection || new URL(href).pathname.endsWith('/')) continue;
    if (!holdsEvents(foundText(response, NS.DAV, 'getcontenttype'))) continue;
    const etag = foundText(response, NS.DAV, 'getetag');
    if (etag === null) {
      // Dropping it would read as "deleted" to the sync engine; failing loudly is the safe side.
      throw new CalDavError({ kind: 'invalid_response', url: href, message: 'calendar resource listed without an etag' });
    }
    items.push({ href, etag });
  }
  return items;
}

/** Reads a Depth-1 PROPFIND answer of a calendar. Pure. */
export function parseEtagList(p: { body: string; url: string; calendarUrl?: string }): Array<{ href: string; etag: string }> {
  return etagsIn(parseMultistatus({ body: p.body, url: p.url }), [p.url, p.calendarUrl ?? p.url]);
}

export async function listEtags(p: { calendarUrl: string; transport: CalDavTransport }): Promise<Array<{ href: string; etag: string }>> {
  const response = await propfindResponse({ transport: p.transport, url: p.calendarUrl, depth: '1', props: LIST_ETAGS_PROPS });
  assertMultistatusStatus(response);
  const task = { url: response.url, calendarUrl: p.calendarUrl };
  if (!readsOffThread(response)) return parseEtagList({ body: response.body, ...task });
  const { count, items } = await readOffThread({ op: 'etags', body: bodyForWorker(response), ...task });
  return (await unpackPairs(items, count)).map(([href, etag]) => ({ href: href!, etag: etag! }));
}
