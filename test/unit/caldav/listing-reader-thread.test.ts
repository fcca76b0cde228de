/**
 * A token-less listing (a first import) starts its reader thread when the request is sent, so the
 * thread's start overlaps the server's work; the thread still ends once the listing is read, taking
 * the listing's heap with it (decision 0020).
 */
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { closeMultistatusPool, listingReaderThreads, OFF_THREAD_MIN_CHARS } from '../../../src/caldav/read-multistatus-off-thread.ts';
import { syncCollection } from '../../../src/caldav/sync-collection.ts';
import type { CalDavResponse, CalDavTransport } from '../../../src/caldav/transport.ts';

const CALENDAR_URL = 'http://dav.example/user/calendars/work/';
const MEMBERS = 3_000;

const member = (i: number) =>
  `<d:response><d:href>/user/calendars/work/${i}.ics</d:href><d:propstat><d:prop><d:getetag>"e${i}"</d:getetag></d:prop>` +
  '<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>';
const LISTING = `<d:multistatus xmlns:d="DAV:">${Array.from({ length: MEMBERS }, (_, i) => member(i)).join('')}<d:sync-token>t1</d:sync-token></d:multistatus>`;

/** A server answering with LISTING, noting the listing threads that exist when the request arrives. */
function server(): { transport: CalDavTransport; threadsAtRequest: Array<readonly unknown[]>; exits: Array<Promise<unknown>> } {
  const threadsAtRequest: Array<readonly unknown[]> = [];
  const exits: Array<Promise<unknown>> = [];
  const transport: CalDavTransport = {
    request: async (): Promise<CalDavResponse> => {
      const threads = listingReaderThreads();
      threadsAtRequest.push(threads);
      // Listened to now: a thread that has already exited would never emit it.
      exits.push(...threads.map((thread) => once(thread, 'exit')));
      return { status: 207, url: CALENDAR_URL, headers: new Headers(), body: LISTING };
    },
  };
  return { transport, threadsAtRequest, exits };
}

afterAll(closeMultistatusPool);

describe('the listing reader thread', () => {
  it('starts when a token-less listing is sent and ends once it is read', async () => {
    expect(LISTING.length).toBeGreaterThanOrEqual(OFF_THREAD_MIN_CHARS);
    const { transport, threadsAtRequest, exits } = server();
    const result = await syncCollection({ calendarUrl: CALENDAR_URL, syncToken: null, transport });
    expect(result.changed).toHaveLength(MEMBERS);
    expect(result.changed[7]).toEqual({ href: `${CALENDAR_URL}7.ics`, etag: '"e7"' });
    expect(threadsAtRequest.map((threads) => threads.length)).toEqual([1]);
    // Resolves only if the thread that was started for the listing ends.
    await Promise.all(exits);
    expect(listingReaderThreads()).toHaveLength(0);
  });

  it('is not started by a listing with a token (an incremental poll)', async () => {
    const { transport, threadsAtRequest } = server();
    const result = await syncCollection({ calendarUrl: CALENDAR_URL, syncToken: 't0', transport });
    expect(result.changed).toHaveLength(MEMBERS);
    expect(threadsAtRequest.map((threads) => threads.length)).toEqual([0]);
  });

  it('ends when a token-less listing fails before any answer is read', async () => {
    const exits: Array<Promise<unknown>> = [];
    const transport: CalDavTransport = {
      request: async () => {
        exits.push(...listingReaderThreads().map((thread) => once(thread, 'exit')));
        throw new Error('connection reset');
      },
    };
    await expect(syncCollection({ calendarUrl: CALENDAR_URL, syncToken: null, transport })).rejects.toThrow('connection reset');
    expect(exits).toHaveLength(1);
    await Promise.all(exits);
    expect(listingReaderThreads()).toHaveLength(0);
  });
});
