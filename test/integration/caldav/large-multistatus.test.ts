/**
 * Large CalDAV answers over real HTTP (test/support/hostile-caldav-server.ts): an answer from
 * OFF_THREAD_MIN_CHARS up is read on a worker thread and must give exactly what reading it in place
 * gives, errors included; an answer over the transport's cap is refused while it streams.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listEtags, parseEtagList } from '../../../src/caldav/list-etags.ts';
import { calendarMultiget, multigetBody, parseMultiget } from '../../../src/caldav/multiget.ts';
import { closeMultistatusPool, OFF_THREAD_MIN_CHARS } from '../../../src/caldav/read-multistatus-off-thread.ts';
import { parseSyncCollection, syncCollection, syncCollectionBody } from '../../../src/caldav/sync-collection.ts';
import { scopeForUrl } from '../../../src/caldav/credential-scope.ts';
import { createTransport, type CalDavTransport } from '../../../src/caldav/transport.ts';
import { failure } from '../../support/expect-caldav-error.ts';
import { waitFor } from '../../support/wait-for.ts';
import { startHostileCalDavServer, type HostileServer } from '../../support/hostile-caldav-server.ts';

const LISTING_ITEMS = 2_500;
const HUGE_BYTES = 1_000_000;

let hostile: HostileServer;
/** Serves a 32 MB event: far more than socket buffers hold, so a refused answer cannot have been sent whole. */
let huger: HostileServer;
let doctype: Server;
let doctypeOrigin: string;

beforeAll(async () => {
  hostile = await startHostileCalDavServer({ listingItems: LISTING_ITEMS, hugeBytes: HUGE_BYTES });
  huger = await startHostileCalDavServer({ hugeBytes: 32_000_000 });
  // A large answer that must be refused for what it says, wherever it is read.
  doctype = createServer((_req, res) => {
    res.writeHead(207, { 'content-type': 'application/xml' });
    res.end(
      `<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><d:multistatus xmlns:d="DAV:">${'<d:x/>'.repeat(OFF_THREAD_MIN_CHARS / 4)}</d:multistatus>`,
    );
  });
  await new Promise<void>((resolve) => doctype.listen(0, '127.0.0.1', resolve));
  doctypeOrigin = `http://127.0.0.1:${(doctype.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await hostile.close();
  await huger.close();
  doctype.closeAllConnections();
  await new Promise((resolve) => doctype.close(resolve));
  await closeMultistatusPool();
});

const transportTo = (origin: string, maxResponseBytes?: number): CalDavTransport =>
  createTransport({
    credentials: { username: 'u', password: 'p' },
    scope: scopeForUrl(origin),
    allowPrivateNetworks: true,
    ...(maxResponseBytes !== undefined && { maxResponseBytes }),
  });

/** The raw answer, to read in place and compare with what the request module returned. */
async function rawAnswer(transport: CalDavTransport, method: string, url: string, body: string, depth: string) {
  const response = await transport.request({ method, url, body, headers: { depth, 'content-type': 'application/xml' } });
  expect(response.body.length).toBeGreaterThanOrEqual(OFF_THREAD_MIN_CHARS);
  return response;
}

describe('large multistatus answers', () => {
  it('reads a 2,500-item sync-collection listing off the event loop exactly as in place', async () => {
    const calendarUrl = `${hostile.origin}/many/a/`;
    const transport = transportTo(hostile.origin);
    const result = await syncCollection({ calendarUrl, syncToken: null, transport });
    expect(result.changed).toHaveLength(LISTING_ITEMS);
    expect(result.changed[42]).toEqual({ href: `${calendarUrl}42.ics`, etag: '"e42"' });
    expect(result.syncToken).toBe('https://hostile.invalid/token/1');
    const raw = await rawAnswer(transport, 'REPORT', calendarUrl, syncCollectionBody(null), '0');
    // Compared as JSON: a deep equality of thousands of entries is slow to report and to run.
    expect(JSON.stringify(result)).toBe(JSON.stringify(parseSyncCollection({ body: raw.body, url: raw.url, calendarUrl })));
  });

  it('reads a 2,500-item etag listing off the event loop exactly as in place', async () => {
    const calendarUrl = `${hostile.origin}/many/b/`;
    const transport = transportTo(hostile.origin);
    const items = await listEtags({ calendarUrl, transport });
    expect(items).toHaveLength(LISTING_ITEMS);
    const raw = await rawAnswer(
      transport,
      'PROPFIND',
      calendarUrl,
      '<d:propfind xmlns:d="DAV:"><d:prop><d:getetag/></d:prop></d:propfind>',
      '1',
    );
    expect(JSON.stringify(items)).toBe(JSON.stringify(parseEtagList({ body: raw.body, url: raw.url, calendarUrl })));
  });

  it('reads a multiget answer holding a 1 MB event off the event loop, the event whole', async () => {
    const calendarUrl = `${hostile.origin}/huge/c/`;
    const transport = transportTo(hostile.origin);
    const hrefs = [`${calendarUrl}0.ics`];
    // onReceived: once, when the answer has arrived and before it is read (the engine sends its next request then).
    const seen: string[] = [];
    const [item, ...rest] = await calendarMultiget({ calendarUrl, hrefs, transport, onReceived: () => seen.push('received') }).then(
      (items) => {
        seen.push('read');
        return items;
      },
    );
    expect(seen).toEqual(['received', 'read']);
    expect(rest).toEqual([]);
    expect(item).toMatchObject({ href: hrefs[0], etag: '"e0"', status: 200 });
    expect(item!.calendarData!.length).toBeGreaterThan(HUGE_BYTES);
    expect(item!.calendarData).toContain('END:VCALENDAR');
    const raw = await rawAnswer(transport, 'REPORT', calendarUrl, multigetBody({ calendarUrl, hrefs }), '1');
    expect([item]).toEqual(parseMultiget({ body: raw.body, url: raw.url, requested: hrefs }));
  });

  it('keeps the reader’s error when a large answer is read off the event loop (DOCTYPE refused)', async () => {
    const error = await failure(
      syncCollection({ calendarUrl: `${doctypeOrigin}/cal/`, syncToken: null, transport: transportTo(doctypeOrigin) }),
    );
    expect(error.kind).toBe('refused_response');
    expect(error.message).toMatch(/DOCTYPE/);
  });

  it('refuses an answer over the cap while it streams, without the server sending it all', async () => {
    const calendarUrl = `${huger.origin}/huge/d/`;
    const error = await failure(
      calendarMultiget({ calendarUrl, hrefs: [`${calendarUrl}0.ics`], transport: transportTo(huger.origin, 64 * 1024) }),
    );
    expect(error.kind).toBe('refused_response');
    expect(error.message).toMatch(/65536-byte limit/);
    const [answer] = huger.served;
    await waitFor(async () => answer!.closed, 'the server to see the connection closed');
    expect(answer!.complete).toBe(false);
    expect(answer!.sentBytes).toBeLessThan(answer!.declaredBytes);
  });
});
