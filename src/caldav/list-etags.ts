/**
 * The full etag listing of a calendar (Depth-1 PROPFIND): the fallback when a sync token is
 * refused, and the daily reconciliation. Only event resources count — not the collection itself,
 * not sub-collections, not tasks where the server says what a resource holds.
 */
import { CalDavError } from './errors.ts';
import { assertMultistatusStatus, propfindResponse, type PropName } from './propfind.ts';
import { bodyForWorker, readOffThread, readsOffThread, unpackPairs } from './read-multistatus-off-thread.ts';
import type { CalDavTransport } from './transport.ts';
import { foundProp, foundText, NS, readMultistatus, sameResource, type DavResponse } from './xml.ts';

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

/** The member a listed response names, or null when it is the collection, a sub-collection or not an event. */
function etagOf(response: DavResponse, collectionUrls: string[]): { href: string; etag: string } | null {
  const href = response.hrefs[0] as string;
  if (collectionUrls.some((c) => sameResource(c, href))) return null;
  const isCollection =
    foundProp(response, NS.DAV, 'resourcetype')?.children.some((t) => t.ns === NS.DAV && t.name === 'collection') ?? false;
  if (isCollection || new URL(href).pathname.endsWith('/')) return null;
  if (!holdsEvents(foundText(response, NS.DAV, 'getcontenttype'))) return null;
  const etag = foundText(response, NS.DAV, 'getetag');
  if (etag === null) {
    // Dropping it would read as "deleted" to the sync engine; failing loudly is the safe side.
    throw new CalDavError({ kind: 'invalid_response', url: href, message: 'calendar resource listed without an etag' });
  }
  return { href, etag };
}

/** Reads a Depth-1 PROPFIND answer of a calendar, member by member as read (never one tree, decision 0020). Pure. */
export function parseEtagList(p: { body: string; url: string; calendarUrl?: string }): Array<{ href: string; etag: string }> {
  const collectionUrls = [p.url, p.calendarUrl ?? p.url];
  const items: Array<{ href: string; etag: string }> = [];
  readMultistatus({ body: p.body, url: p.url }, (response) => {
    const item = etagOf(response, collectionUrls);
    if (item !== null) items.push(item);
  });
  return items;
}

export async function listEtags(p: { calendarUrl: string; transport: CalDavTransport }): Promise<Array<{ href: string; etag: string }>> {
  const response = await propfindResponse({ transport: p.transport, url: p.calendarUrl, depth: '1', props: LIST_ETAGS_PROPS });
  assertMultistatusStatus(response);
  const task = { url: response.url, calendarUrl: p.calendarUrl };
  if (!readsOffThread(response)) return parseEtagList({ body: response.body, ...task });
  const { count, items } = await readOffThread({ op: 'etags', body: bodyForWorker(response), ...task });
  return (await unpackPairs(items, count)).map(([href, etag]) => ({ href: href!, etag: etag! }));
}
