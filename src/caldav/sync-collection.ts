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
import { setImmediate as nextTurn } from 'node:timers/promises';
import { CalDavError, errorForStatus, type CalDavErrorKind } from './errors.ts';
import { traceImport } from '../observability/import-trace.ts';
import { report, XML_DECLARATION } from './propfind.ts';
import {
  bodyForWorker,
  holdListingReader,
  readOffThread,
  readsOffThread,
  unpackPairs,
  type SpooledGroup,
  type SpooledGroupTask,
} from './read-multistatus-off-thread.ts';
import { bodySize, type CalDavResponse, type CalDavTransport } from './transport.ts';
import { ListingSpool, readSpooled } from './listing-spool.ts';
import { SpooledObjects } from './multiget.ts';
import { MultistatusSplitter, type SplitChild } from './multistatus-splitter.ts';
import { ownCopy } from './own-copy.ts';
import { escapeXml, foundProp, foundText, MAX_XML_CHARS, NS, parseXml, readMultistatus, resourceKey, type XmlElement } from './xml.ts';

export interface SyncCollectionResult {
  changed: Array<{ href: string; etag: string | null }>;
  deleted: string[];
  syncToken: string;
  truncated: boolean;
}

/** `withData`: each member's calendar-data too (RFC 6578 §3.2 lets a client ask for any property). */
export function syncCollectionBody(syncToken: string | null, withData = false): string {
  const token = syncToken === null || syncToken === '' ? '<d:sync-token/>' : `<d:sync-token>${escapeXml(syncToken)}</d:sync-token>`;
  const props = withData ? '<d:getetag/><c:calendar-data/>' : '<d:getetag/>';
  const namespaces = withData ? `xmlns:d="DAV:" xmlns:c="${NS.CALDAV}"` : 'xmlns:d="DAV:"';
  return `${XML_DECLARATION}<d:sync-collection ${namespaces}>${token}<d:sync-level>1</d:sync-level><d:prop>${props}</d:prop></d:sync-collection>`;
}

/**
 * Reads a sync-collection multistatus. Pure. `url` is the URL that answered (hrefs resolve
 * against it); `calendarUrl` the collection asked about, when it differs.
 */
export function parseSyncCollection(p: { body: string; url: string; calendarUrl?: string }): SyncCollectionResult {
  const changed: SyncCollectionResult['changed'] = [];
  const deleted: string[] = [];
  const read = readSyncCollectionMembers(p, {
    changed: (href, etag) => changed.push({ href, etag }),
    deleted: (href) => deleted.push(href),
  });
  if (read.syncToken === null) {
    throw new CalDavError({ kind: 'invalid_response', url: p.url, message: 'sync-collection answer without a sync-token' });
  }
  return { changed, deleted, syncToken: read.syncToken, truncated: read.truncated };
}

const CALENDAR_DATA = { ns: NS.CALDAV, name: 'calendar-data' } as const;

/** What readSyncCollectionMembers reports, member by member, in the answer's order. */
interface MemberSink {
  /** `response`: the index of its response element in the body; `hasData`: it came with its calendar-data. */
  changed(href: string, etag: string | null, response: number, hasData: boolean): void;
  deleted(href: string): void;
}

/** The members of a sync-collection answer (or of a part of one: a group of a spooled listing). */
function readSyncCollectionMembers(
  p: { body: string; url: string; calendarUrl?: string },
  sink: MemberSink,
): { syncToken: string | null; truncated: boolean; responses: number } {
  // Keys, not sameResource per href: one URL parse per member instead of five (5,000 in a first listing).
  const collection = new Set([p.url, p.calendarUrl ?? p.url].map((u) => resourceKey(new URL(u))));
  let truncated = false;
  let responses = 0;
  // Member by member as read: the listing is never held as one tree (decision 0020).
  // A member's calendar-data is only looked at (it is there or not): it is read where it is used,
  // a batch at a time (SpooledObjects); decoding it here too cost a fifth of a listing's reading.
  const multistatus = readMultistatus({ body: p.body, url: p.url, unreadText: CALENDAR_DATA }, (response) => {
    const index = responses++;
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
        if (response.status === 404 || response.status === 410) sink.deleted(href);
        continue;
      }
      const data = foundProp(response, NS.CALDAV, 'calendar-data')?.text ?? '';
      sink.changed(href, foundText(response, NS.DAV, 'getetag'), index, data.trim() !== '');
    }
  });
  return { syncToken: multistatus.syncToken, truncated, responses };
}

/** A listing's members read from its spool file in groups of this many children of the root… */
const SPOOL_GROUP_MEMBERS = 250;
/** …or of at most this many bytes, whichever comes first. */
const SPOOL_GROUP_BYTES = 1024 * 1024;
/** Pieces of the file fed to the splitter. */
const SPOOL_READ_BYTES = 256 * 1024;

/** Groups from this size up are read off the event loop (a normal group is about SPOOL_GROUP_BYTES). */
const LARGE_GROUP_BYTES = 4 * SPOOL_GROUP_BYTES;

/** Reads one group (in place, or on the listing's thread: multistatus-worker.ts). */
export function readSpooledGroup(task: SpooledGroupTask): SpooledGroup {
  const body = `${task.root}${textWithoutData(readSpooled(task.fd, task.start, task.end), task.start, task.dataText)}${task.rootEnd}`;
  const members: SpooledGroup['members'] = [];
  const deleted: string[] = [];
  const read = readSyncCollectionMembers(
    { body, url: task.url, calendarUrl: task.calendarUrl },
    // Copies: a slice of `body` would keep the whole group's text (its members' calendar data too)
    // alive for as long as the import keeps the href — 22 MiB at 20,000 events (decision 0020, eleventh session).
    {
      changed: (href, etag, response, hasData) =>
        members.push({ href: ownCopy(href), etag: etag === null ? null : ownCopy(etag), response, hasData }),
      deleted: (href) => deleted.push(ownCopy(href)),
    },
  );
  return { members, deleted, ...read, syncToken: read.syncToken === null ? null : ownCopy(read.syncToken) };
}

/** How many numbers of `dataText` ([start, end) pairs in order) are pairs that end by `end`. */
function contentsBefore(dataText: readonly number[], end: number): number {
  let n = 0;
  while (n < dataText.length && dataText[n + 1]! <= end) n += 2;
  return n;
}

/**
 * A group's text, each calendar-data content in `dataText` (absolute [start, end) pairs) given as
 * one `x` — what the listing's reading asks of it (is there data? UNREAD_TEXT) reads the same, and
 * the megabytes of data the batches read again are neither decoded nor scanned here (decision 0017,
 * twelfth session). Only a content whose first character that `trim()` would keep is a plain ASCII
 * one, and which holds no `&`, is replaced: one starting with a reference or a character outside
 * ASCII (a space `trim()` knows), or holding a reference anywhere (which the reader checks in an
 * element it does read), is kept as written.
 */
function textWithoutData(bytes: Buffer, offset: number, dataText: readonly number[]): string {
  if (dataText.length === 0) return bytes.toString('utf8');
  const parts: string[] = [];
  let at = 0;
  for (let i = 0; i < dataText.length; i += 2) {
    const start = dataText[i]! - offset;
    const end = dataText[i + 1]! - offset;
    if (start < at || end > bytes.length)
      throw new Error(`calendar-data at ${dataText[i]} is not in the group read (${offset}–${offset + bytes.length})`);
    if (!plainText(bytes, start, end)) continue;
    parts.push(bytes.toString('utf8', at, start), 'x');
    at = end;
  }
  parts.push(bytes.toString('utf8', at));
  return parts.join('');
}

/** Whether bytes [start, end) hold a character `trim()` keeps, the first one plain ASCII, and no `&`. */
function plainText(bytes: Buffer, start: number, end: number): boolean {
  let i = start;
  // Tab, line feed, vertical tab, form feed, carriage return, space: what trim() removes in ASCII.
  while (i < end && (bytes[i] === 0x20 || (bytes[i]! >= 0x09 && bytes[i]! <= 0x0d))) i++;
  if (i === end || bytes[i]! >= 0x80) return false;
  return bytes.subarray(i, end).indexOf(0x26) < 0;
}

/** A spooled listing as read: the members, and where each one's data is in the file. */
export interface SpooledListing extends SyncCollectionResult {
  /** Per changed member, the byte range of its response element in the file; -1, -1 for a member without data. */
  ranges: Float64Array;
  /** The root's start tag and end tag, which make a group of members a document of its own. */
  root: string;
  rootEnd: string;
}

/**
 * Reads a sync-collection answer from its spool file (listing-spool.ts) a group of members at a
 * time, so that neither the answer nor its tree is ever held whole: each group is wrapped in the
 * root's tags and read as a document by the same reader as any listing.
 *
 * On the event loop, a turn between groups (a few ms each): what made a large listing worth a
 * thread of its own (decision 0020) — one parse of the whole answer holding the loop and a tree as
 * large as the calendar — is not there, and a first import then starts no thread for its listing
 * (the server computes the answer meanwhile; a new thread costs ~0.1 s of CPU and compiles the
 * reader again, decision 0017, tenth session).
 */
export async function readSpooledSyncCollection(p: {
  fd: number;
  size: number;
  url: string;
  calendarUrl: string;
  maxMemberBytes: number;
}): Promise<SpooledListing> {
  // The root's start and end tags as text, which wrap every group into a document of its own.
  let root: string | null = null;
  let rootEnd: string | null = null;
  const pending: SplitChild[] = [];
  let pendingBytes = 0;
  // The pending members' calendar-data contents that are text alone, as [start, end) pairs.
  const dataText: number[] = [];
  const changed: SyncCollectionResult['changed'] = [];
  const ranges: number[] = [];
  const deleted: string[] = [];
  let syncToken: string | null = null;
  let truncated = false;
  const splitter = new MultistatusSplitter(
    {
      onRoot: (startTag, qualifiedName) => {
        root = Buffer.from(startTag).toString('utf8');
        // The splitter spells the name byte for byte (latin1): its bytes, read as UTF-8.
        rootEnd = Buffer.from(`</${qualifiedName}>`, 'latin1').toString('utf8');
      },
      onChild: (child) => {
        pending.push(child);
        pendingBytes += child.end - child.start;
      },
      onDataText: (start, end) => dataText.push(start, end),
    },
    p.url,
    p.maxMemberBytes,
  );
  const readGroup = async (): Promise<void> => {
    if (pending.length === 0 || root === null || rootEnd === null) return;
    const task = {
      fd: p.fd,
      start: pending[0]!.start,
      end: pending[pending.length - 1]!.end,
      root,
      rootEnd,
      url: p.url,
      calendarUrl: p.calendarUrl,
      // A member half read when the group is cut may have reported its data already: it goes with the next group.
      dataText: dataText.splice(0, contentsBefore(dataText, pending[pending.length - 1]!.end)),
    };
    const responses = pending.filter((child) => child.localName === 'response');
    pending.length = 0;
    pendingBytes = 0;
    // A group this large holds a member far over the object cap (a 50 MB event): read on the
    // listing's thread, so that its text is not read on the event loop (decision 0010).
    const read =
      task.end - task.start >= LARGE_GROUP_BYTES ? await readOffThread({ op: 'sync-collection-group', ...task }) : readSpooledGroup(task);
    // Each DAV:response child is one response read; anything else (a response in another
    // namespace) would mislabel the ranges after it.
    if (read.responses !== responses.length) {
      throw new CalDavError({ kind: 'invalid_response', url: p.url, message: 'the listing has members the reader did not recognise' });
    }
    for (const member of read.members) {
      changed.push({ href: member.href, etag: member.etag });
      const element = responses[member.response];
      if (member.hasData && element !== undefined) ranges.push(element.start, element.end);
      else ranges.push(-1, -1);
    }
    deleted.push(...read.deleted);
    syncToken = read.syncToken ?? syncToken;
    truncated ||= read.truncated;
  };
  for (let at = 0; at < p.size; at += SPOOL_READ_BYTES) {
    splitter.push(readSpooled(p.fd, at, Math.min(p.size, at + SPOOL_READ_BYTES)));
    if (pending.length >= SPOOL_GROUP_MEMBERS || pendingBytes >= SPOOL_GROUP_BYTES) {
      await readGroup();
      await nextTurn();
    }
  }
  splitter.end();
  await readGroup();
  if (root === null || rootEnd === null) {
    throw new CalDavError({ kind: 'invalid_response', url: p.url, message: 'sync-collection answer without a multistatus' });
  }
  if (syncToken === null) {
    throw new CalDavError({ kind: 'invalid_response', url: p.url, message: 'sync-collection answer without a sync-token' });
  }
  return {
    changed,
    deleted,
    syncToken,
    truncated,
    ranges: Float64Array.from(ranges),
    // Assigned in the splitter's callback, which flow analysis does not follow.
    root: root as string,
    rootEnd: rootEnd as string,
  };
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
  /**
   * Ask for every member's calendar-data too (a first import, which fetches them all next): one
   * request instead of a listing and then multigets. On Radicale, 5,000 events: the listing with
   * the data 0.61 s, the listing alone 0.52 s and the multigets after it another 0.45–0.50 s of the
   * server's CPU (decision 0017, tenth session). The answer goes to a file (listing-spool.ts).
   */
  withData?: boolean;
}): Promise<SyncCollectionResult & { objects?: SpooledObjects }> {
  if (p.withData === true) {
    try {
      return await requestWithData(p);
    } catch (error) {
      if (!(error instanceof CalDavError) || !PLAIN_AFTER.has(error.kind)) throw error;
      // A server that will not send the data with the listing (or an answer too large to keep):
      // the listing alone, then multigets, as for any other listing.
    }
  }
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

/** Failures of a listing with data after which the listing without it is asked for; the rest would fail it too. */
const PLAIN_AFTER = new Set<CalDavErrorKind>([
  'invalid_response',
  'refused_response',
  'forbidden',
  'not_found',
  'server_error',
  'insufficient_storage',
  'timeout',
]);

/** A 207 answer with each member's data, read from its spool file a group at a time. */
async function requestWithData(p: {
  calendarUrl: string;
  syncToken: string | null;
  transport: CalDavTransport;
}): Promise<SyncCollectionResult & { objects?: SpooledObjects }> {
  const spool = ListingSpool.create(p.calendarUrl);
  let kept = false;
  try {
    traceImport(`listing sent`);
    const response = await report({
      transport: p.transport,
      url: p.calendarUrl,
      depth: '0',
      body: syncCollectionBody(p.syncToken, true),
      bodySink: spool.write,
    });
    traceImport(`listing arrived ${spool.length}`);
    if (response.status !== 207) {
      throw new CalDavError({
        kind: 'invalid_response',
        url: response.url,
        status: response.status,
        message: `HTTP ${response.status} to a listing with data`,
      });
    }
    const read = await readSpooledSyncCollection({
      fd: spool.fd,
      size: spool.length,
      url: response.url,
      calendarUrl: p.calendarUrl,
      // The reader's own cap on a document: a member over it could not be read in any group.
      maxMemberBytes: MAX_XML_CHARS,
    });
    const { changed } = read;
    traceImport(`listing read ${changed.length}`);
    const result = { changed, deleted: read.deleted, syncToken: read.syncToken, truncated: read.truncated };
    const objects = new SpooledObjects(spool, {
      url: response.url,
      root: read.root,
      rootEnd: read.rootEnd,
      hrefs: changed.map((c) => c.href),
      ranges: read.ranges,
    });
    if (objects.size === 0) return result;
    kept = true;
    return { ...result, objects };
  } finally {
    if (!kept) spool.close();
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
