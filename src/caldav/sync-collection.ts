/**
 * RFC 6578 sync-collection: what changed in a calendar since a token.
 *
 * Server behaviour this accounts for:
 * - a member answered with a bare `<status>404</status>` (no propstat) is deleted; a member whose
 *   props sit in a 404 propstat still exists (those props are merely absent);
 * - the collection itself may appear among the members (iCloud, with an etag) — it is not a change,
 *   unless it carries a 507, which means "truncated, ask again from the returned token" (§3.6);
 * - a whole-answer HTTP 507 with a multistatus body means the same (Google pages this way);
 * - a refused token: 403 with `<valid-sync-token/>` (RFC), or a bare 500 (Xandikos).
 */
import { CalDavError, errorForStatus } from './errors.ts';
import { traceImport } from '../observability/import-trace.ts';
import { report, XML_DECLARATION } from './propfind.ts';
import { bodyForWorker, holdListingReader, readOffThread, readsOffThread, unpackPairs } from './read-multistatus-off-thread.ts';
import { bodySize, type CalDavResponse, type CalDavTransport } from './transport.ts';
import { escapeXml, foundText, NS, parseXml, readMultistatus, resourceKey, type XmlElement } from './xml.ts';

export interface SyncCollectionResult {
  changed: Array<{ href: string; etag: string | null }>;
  deleted: string[];
  syncToken: string;
  truncated: boolean;
}

export function syncCollectionBody(syncToken: string | null): string {
  const token = syncToken === null || syncToken === '' ? '<d:sync-token/>' : `<d:sync-token>${escapeXml(syncToken)}</d:sync-token>`;
  return `${XML_DECLARATION}<d:sync-collection xmlns:d="DAV:">${token}<d:sync-level>1</d:sync-level><d:prop><d:getetag/></d:prop></d:sync-collection>`;
}

/**
 * Reads a sync-collection multistatus. Pure. `url` is the URL that answered (hrefs resolve
 * against it); `calendarUrl` the collection asked about, when it differs.
 */
export function parseSyncCollection(p: { body: string; url: string; calendarUrl?: string }): SyncCollectionResult {
  // Keys, not sameResource per href: one URL parse per member instead of five (5,000 in a first listing).
  const collection = new Set([p.url, p.calendarUrl ?? p.url].map((u) => resourceKey(new URL(u))));
  const changed: SyncCollectionResult['changed'] = [];
  const deleted: string[] = [];
  let truncated = false;
  // Member by member as read: the listing is never held as one tree (decision 0020).
  const multistatus = readMultistatus({ body: p.body, url: p.url }, (response) => {
    for (const href of response.hrefs) {
      const url = new URL(href);
      if (collection.has(resourceKey(url))) {
        if (response.status === 507) truncated = true;
        continue;
      }
      // Members of a calendar are resources, never collections; a trailing slash is some other
      // collection the server chose to mention.
      if (url.pathname.endsWith('/')) continue;
      if (response.propstats.length === 0) {
        if (response.status === 404 || response.status === 410) deleted.push(href);
        continue;
      }
      changed.push({ href, etag: foundText(response, NS.DAV, 'getetag') });
    }
  });
  if (multistatus.syncToken === null) {
    throw new CalDavError({ kind: 'invalid_response', url: p.url, message: 'sync-collection answer without a sync-token' });
  }
  return { changed, deleted, syncToken: multistatus.syncToken, truncated };
}

function containsElement(root: XmlElement, ns: string, name: string): boolean {
  const stack = [root];
  while (stack.length > 0) {
    const element = stack.pop() as XmlElement;
    if (element.ns === ns && element.name === name) return true;
    stack.push(...element.children);
  }
  return false;
}

/** Whether an error body names the DAV:valid-sync-token precondition. */
export function namesValidSyncToken(response: CalDavResponse): boolean {
  // A real precondition body is a few hundred bytes; a large one is not read on the event loop for this.
  if (readsOffThread(response) || !response.body.includes('valid-sync-token')) return false;
  try {
    return containsElement(parseXml({ body: response.body, url: response.url }), NS.DAV, 'valid-sync-token');
  } catch {
    return false;
  }
}

/** parseSyncCollection, on a worker thread when the answer is large (a 300,000-item listing). */
async function readSyncCollection(response: CalDavResponse, calendarUrl: string): Promise<SyncCollectionResult> {
  const task = { url: response.url, calendarUrl };
  if (!readsOffThread(response)) return parseSyncCollection({ body: response.body, ...task });
  const read = await readOffThread({ op: 'sync-collection', body: bodyForWorker(response), ...task });
  const changed = (await unpackPairs(read.changed, read.count)).map(([href, etag]) => ({ href: href!, etag }));
  return { changed, deleted: read.deleted, syncToken: read.syncToken, truncated: read.truncated };
}

// Statuses whose body we must read before deciding what they mean.
const INSPECTED_STATUSES = [400, 403, 409, 500, 507] as const;

export async function syncCollection(p: {
  calendarUrl: string;
  syncToken: string | null;
  transport: CalDavTransport;
}): Promise<SyncCollectionResult> {
  const sentToken = p.syncToken !== null && p.syncToken !== '';
  // A listing without a token names every member (a first import, a refused token): large enough to
  // be read off the event loop unless the calendar is small. Its thread starts while the server
  // computes the answer, not after it (decision 0020, third round).
  const release = sentToken ? null : holdListingReader();
  try {
    return await requestAndRead(p, sentToken);
  } finally {
    release?.();
  }
}

/** The REPORT and the reading of its answer. */
async function requestAndRead(
  p: { calendarUrl: string; syncToken: string | null; transport: CalDavTransport },
  sentToken: boolean,
): Promise<SyncCollectionResult> {
  traceImport(`listing sent`);
  const response = await report({
    transport: p.transport,
    url: p.calendarUrl,
    // RFC 6578 §3.2: the report is only defined for Depth 0.
    depth: '0',
    body: syncCollectionBody(p.syncToken),
    acceptStatuses: INSPECTED_STATUSES,
  });
  traceImport(`listing arrived ${bodySize(response)}`);
  if (response.status === 207 || response.status === 507) {
    try {
      const result = await readSyncCollection(response, p.calendarUrl);
      traceImport(`listing read ${result.changed.length}`);
      return response.status === 507 ? { ...result, truncated: true } : result;
    } catch (error) {
      // A 507 without a usable multistatus is plain "insufficient storage".
      if (response.status === 507) throw errorForStatus({ status: 507, url: response.url, method: 'REPORT', headers: response.headers });
      throw error;
    }
  }
  if (namesValidSyncToken(response) || (sentToken && response.status === 500)) {
    throw new CalDavError({
      kind: 'sync_token_invalid',
      url: response.url,
      status: response.status,
      method: 'REPORT',
      message: `the server refused the sync token (HTTP ${response.status}); list etags instead`,
    });
  }
  throw errorForStatus({ status: response.status, url: response.url, method: 'REPORT', headers: response.headers });
}
