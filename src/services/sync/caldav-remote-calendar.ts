import {
  calendarMultiget,
  CalDavError,
  deleteEvent,
  getEvent,
  listEtags,
  putEvent,
  syncCollection,
  warmMultigetReader,
  type SpooledObjects,
  type CalDavTransport,
} from '../../caldav/index.ts';
// The client's own canonical form, so the hrefs we derive equal the ones its listings return.
import { canonicalUrl } from '../../caldav/xml.ts';
import { classifyCalDavFailure, type CalDavProvider } from '../../caldav/providers/classify-failure.ts';
import { eventResourceName } from '../../domain/sync/appointment-uid.ts';
import type { RemoteCalendar } from '../../domain/sync/ports.ts';
import {
  RemoteAccessDenied,
  RemoteNotFound,
  RemotePreconditionFailed,
  RemoteRefused,
  RemoteSyncTokenInvalid,
  RemoteUnavailable,
} from './remote-errors.ts';

/**
 * The sync engine's RemoteCalendar over the CalDAV client, for one calendar collection. Hrefs are
 * absolute canonical URLs throughout — the client returns listings that way, and hrefFor derives
 * the same form — so the engine can compare them as plain strings. CalDavError kinds become the
 * port's errors per the table in ports.ts; nothing else leaks out.
 */

/** The engine asks for up to 500 objects at a time (run-inbound-sync.ts, batchesPerRequest): one request. */
export const MULTIGET_BATCH_SIZE = 500;

export function createCalDavRemoteCalendar(options: {
  calendarUrl: string;
  transport: CalDavTransport;
  provider?: CalDavProvider;
}): RemoteCalendar {
  const { transport } = options;
  const provider = options.provider ?? 'caldav';
  const mapped = <T>(href: string | null, call: () => Promise<T>): Promise<T> => mappedFor(provider, href, call);
  // A collection URL ends in a slash; resources resolve inside it only then.
  const calendarUrl = canonicalUrl(
    options.calendarUrl.endsWith('/') ? options.calendarUrl : `${options.calendarUrl}/`,
    options.calendarUrl,
  );

  // What the last listing brought with it (withData), until the next listing or releaseListing.
  let spooled: SpooledObjects | null = null;
  const release = (): void => {
    spooled?.close();
    spooled = null;
  };

  return {
    syncCollection: (token, listingOptions) =>
      mapped(null, async () => {
        release();
        const result = await syncCollection({ calendarUrl, syncToken: token, transport, withData: listingOptions?.withData === true });
        spooled = result.objects ?? null;
        // Members that came without their data (a server that sends none with the listing) are
        // multigot next, and a large answer is read on the reader's thread: it starts while the
        // first request is answered (~0.2 s cold, decision 0017, fifth round). The objects that
        // came with the listing are read in place and need no thread (SpooledObjects).
        if (listingOptions?.withData === true && (spooled?.size ?? 0) < result.changed.length) warmMultigetReader();
        return { changed: result.changed, deleted: result.deleted, token: result.syncToken, truncated: result.truncated };
      }),

    releaseListing: release,

    listEtags: () => mapped(null, () => listEtags({ calendarUrl, transport })),

    multiget: (hrefs, multigetOptions) =>
      mapped(null, async () => {
        if (hrefs.length === 0) return [];
        const held = spooled;
        const fromListing = held === null ? [] : hrefs.filter((href) => held.has(href));
        const toFetch = held === null ? hrefs : hrefs.filter((href) => !held.has(href));
        if (toFetch.length === 0) multigetOptions?.onReceived?.();
        const items = [
          ...(held === null || fromListing.length === 0 ? [] : await held.read(fromListing, calendarUrl)),
          ...(toFetch.length === 0
            ? []
            : await calendarMultiget({
                calendarUrl,
                hrefs: toFetch,
                transport,
                batchSize: MULTIGET_BATCH_SIZE,
                ...(multigetOptions?.onReceived !== undefined && { onReceived: multigetOptions.onReceived }),
              })),
        ];
        const asked = new Map(hrefs.map((href, i) => [href, i]));
        // Only what was asked for, in the order asked; a member the server answered with 404 comes back without data.
        return items
          .filter((item) => asked.has(item.href))
          .sort((x, y) => asked.get(x.href)! - asked.get(y.href)!)
          .map((item) => ({ href: item.href, etag: item.etag, ics: item.status >= 200 && item.status < 300 ? item.calendarData : null }));
      }),

    get: (href) =>
      mapped(href, async () => {
        const found = await getEvent({ url: href, transport });
        return found === null ? null : { etag: found.etag, ics: found.calendarData };
      }),

    put: (href, ics, condition) => mapped(href, () => putEvent({ url: href, calendarData: ics, condition, transport })),

    // The client treats 404/410 on DELETE as done (idempotent); the engine does the same with RemoteNotFound.
    delete: (href, ifMatch) => mapped(href, () => deleteEvent({ url: href, ifMatch, transport })),

    hrefFor: (uid) => canonicalUrl(`${calendarUrl}${eventResourceName(uid)}`, calendarUrl),
  };
}

async function mappedFor<T>(provider: CalDavProvider, href: string | null, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw error instanceof CalDavError ? remoteError(error, href, provider) : error;
  }
}

/** ports.ts's table: CalDavError.kind → the port error the engine branches on, with the classifier's verdict. */
export function remoteError(error: CalDavError, href: string | null, provider: CalDavProvider = 'caldav'): Error {
  const options = { href, cause: error, failure: classifyCalDavFailure(error, provider) };
  switch (error.kind) {
    case 'sync_token_invalid':
      return new RemoteSyncTokenInvalid(error.message, options);
    case 'precondition_failed':
      return new RemotePreconditionFailed(error.message, options);
    case 'not_found':
      return new RemoteNotFound(error.message, options);
    case 'unauthorized':
    case 'forbidden':
      return new RemoteAccessDenied(error.message, options);
    case 'blocked_address':
    case 'cross_origin':
    case 'refused_response':
      return new RemoteRefused(error.message, options);
    case 'rate_limited':
    case 'server_error':
    case 'network':
    case 'timeout':
    case 'invalid_response':
    case 'insufficient_storage':
      return new RemoteUnavailable(error.message, { ...options, retryAfterMs: error.retryAfterMs });
  }
}
