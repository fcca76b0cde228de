import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { davRequest, getEvent, makeCalendar, propfind, putEvent, simpleEventIcs } from '../../support/caldav-fixtures.ts';
import { startFaultProxy, type FaultOutcome, type FaultProxy } from '../../support/fault-proxy.ts';
import { startICloudEmulator, type ICloudEmulator } from '../../support/icloud-emulator.ts';
import { CALDAV, DAV, descendants, el, textOf } from '../../support/icloud-emulator/xml.ts';
import { startRadicale } from '../../support/radicale.ts';
import { waitFor } from '../../support/wait-for.ts';

type Radicale = Awaited<ReturnType<typeof startRadicale>>;

/** The client side uses fetch, as tsdav does, so faults are seen the way Tandem will see them. */
async function fetchText(url: string, init: RequestInit): Promise<{ status: number; headers: Headers; body: Buffer }> {
  const res = await fetch(url, init);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
}

describe('fault proxy in front of Radicale', () => {
  let radicale: Radicale;
  let proxy: FaultProxy;
  let calendarUrl: string;
  let proxiedCalendarUrl: string;
  let authHeader: string;
  const ics = (uid: string): string => simpleEventIcs({ uid, summary: uid, start: '20260501T090000Z', end: '20260501T100000Z' });

  beforeAll(async () => {
    radicale = await startRadicale();
    proxy = await startFaultProxy(radicale.baseUrl);
    calendarUrl = `${radicale.calendarHomeUrl}proxied/`;
    proxiedCalendarUrl = calendarUrl.replace(radicale.baseUrl, proxy.url);
    await makeCalendar(radicale, calendarUrl, { displayName: 'Proxied' });
    await putEvent(radicale, `${calendarUrl}existing.ics`, ics('existing'));
    authHeader = `Basic ${Buffer.from(`${radicale.username}:${radicale.password}`).toString('base64')}`;
  });

  afterEach(() => {
    proxy.clearFaults();
  });

  afterAll(async () => {
    await proxy?.stop();
    await radicale?.stop();
  });

  it('with faults off, passes answers through byte for byte', async () => {
    const requests: Array<[string, RequestInit]> = [
      ['existing.ics', { method: 'GET', headers: { Authorization: authHeader } }],
      [
        '',
        {
          method: 'PROPFIND',
          headers: { Authorization: authHeader, Depth: '1', 'Content-Type': 'application/xml' },
          body: '<propfind xmlns="DAV:"><prop><getetag/><displayname/></prop></propfind>',
        },
      ],
      ['missing.ics', { method: 'GET', headers: { Authorization: authHeader } }],
    ];
    for (const [name, init] of requests) {
      const direct = await fetchText(calendarUrl + name, init);
      const proxied = await fetchText(proxiedCalendarUrl + name, init);
      expect(proxied.status).toBe(direct.status);
      expect(proxied.headers.get('etag')).toBe(direct.headers.get('etag'));
      expect(proxied.headers.get('content-type')).toBe(direct.headers.get('content-type'));
      expect(proxied.body.equals(direct.body)).toBe(true);
    }
    expect(proxy.counts.passed).toBeGreaterThanOrEqual(requests.length);
  });

  it('passes writes through with their conditions', async () => {
    const auth = { username: radicale.username, password: radicale.password };
    const created = await putEvent(auth, `${proxiedCalendarUrl}via-proxy.ics`, ics('via-proxy'), { ifNoneMatch: true });
    expect(created.status).toBe(201);
    expect((await putEvent(auth, `${proxiedCalendarUrl}via-proxy.ics`, ics('via-proxy'), { ifNoneMatch: true })).status).toBe(412);
    expect((await getEvent(auth, `${calendarUrl}via-proxy.ics`)).etag).toBe(created.etag);
  });

  it('dropConnection: the client sees the connection closed and the server never sees the request', async () => {
    proxy.setFaults({ seed: 1, dropConnection: 1 });
    const before = proxy.counts.dropped;
    await expect(
      fetch(`${proxiedCalendarUrl}dropped.ics`, {
        method: 'PUT',
        headers: { Authorization: authHeader, 'Content-Type': 'text/calendar' },
        body: ics('dropped'),
      }),
    ).rejects.toThrow();
    expect(proxy.counts.dropped).toBe(before + 1);
    expect((await getEvent(radicale, `${calendarUrl}dropped.ics`)).status).toBe(404);
  });

  it('dropResponse: the server applies the request, the client sees the connection closed', async () => {
    proxy.setFaults({ seed: 1, dropResponse: 1 });
    await expect(
      fetch(`${proxiedCalendarUrl}applied.ics`, {
        method: 'PUT',
        headers: { Authorization: authHeader, 'Content-Type': 'text/calendar' },
        body: ics('applied'),
      }),
    ).rejects.toThrow();
    expect(proxy.counts.responseDropped).toBe(1);
    expect((await getEvent(radicale, `${calendarUrl}applied.ics`)).status).toBe(200);
  });

  it('http500 and http503 (with Retry-After) are answered by the proxy, not forwarded', async () => {
    proxy.setFaults({ seed: 2, http500: 1 });
    const failed = await fetchText(`${proxiedCalendarUrl}err.ics`, {
      method: 'PUT',
      headers: { Authorization: authHeader, 'Content-Type': 'text/calendar' },
      body: ics('err'),
    });
    expect(failed.status).toBe(500);
    proxy.setFaults({ seed: 2, http503: 1, retryAfterSeconds: 3 });
    const busy = await fetchText(`${proxiedCalendarUrl}err.ics`, { method: 'GET', headers: { Authorization: authHeader } });
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('3');
    expect((await getEvent(radicale, `${calendarUrl}err.ics`)).status).toBe(404);
  });

  it('timeout: holds the connection unanswered until the client gives up', async () => {
    proxy.setFaults({ seed: 3, timeout: 1 });
    const before = proxy.counts.timeout;
    const abort = new AbortController();
    let settled = false;
    const held = fetch(`${proxiedCalendarUrl}existing.ics`, { headers: { Authorization: authHeader }, signal: abort.signal }).finally(
      () => {
        settled = true;
      },
    );
    await waitFor(async () => proxy.counts.timeout === before + 1, 'the proxy to hold the request');
    expect(settled).toBe(false);
    abort.abort();
    await expect(held).rejects.toThrow(/abort/i);
  });

  it('truncateBody: the client gets the headers and a body cut short', async () => {
    proxy.setFaults({ seed: 4, truncateBody: 1 });
    const res = await fetch(`${proxiedCalendarUrl}existing.ics`, { headers: { Authorization: authHeader } });
    expect(res.status).toBe(200);
    expect(Number(res.headers.get('content-length'))).toBeGreaterThan(0);
    await expect(res.text()).rejects.toThrow();
    expect(proxy.counts.truncated).toBe(1);
  });

  it('draws faults from the seed: counts add up, match what the client saw, and replay identically', async () => {
    const run = async (): Promise<FaultOutcome[]> => {
      proxy.setFaults({ seed: 42, dropConnection: 0.15, dropResponse: 0.1, http500: 0.15, http503: 0.15, truncateBody: 0.15 });
      const seen: FaultOutcome[] = [];
      for (let i = 0; i < 40; i++) {
        try {
          const res = await fetch(`${proxiedCalendarUrl}existing.ics`, { headers: { Authorization: authHeader } });
          await res.arrayBuffer();
          seen.push(res.status === 500 ? 'http500' : res.status === 503 ? 'http503' : 'passed');
        } catch {
          seen.push('dropped'); // a closed connection: dropped, responseDropped or truncated look alike to a client
        }
      }
      return seen;
    };
    proxy.resetCounts();
    const first = await run();
    const counts = { ...proxy.counts };
    expect(Object.values(counts).reduce((sum, n) => sum + n, 0)).toBe(40);
    const tally = (outcome: FaultOutcome): number => first.filter((seen) => seen === outcome).length;
    expect(tally('http500')).toBe(counts.http500);
    expect(tally('http503')).toBe(counts.http503);
    expect(tally('passed')).toBe(counts.passed);
    expect(tally('dropped')).toBe(counts.dropped + counts.responseDropped + counts.truncated);
    // With these odds, 40 draws that all landed in one bucket would mean the draw is broken.
    expect(new Set(first).size).toBeGreaterThan(2);

    proxy.resetCounts();
    expect(await run()).toEqual(first);
    expect(proxy.counts).toEqual(counts);
  });
});

describe('fault proxy in front of the iCloud emulator', () => {
  let icloud: ICloudEmulator;
  let baseProxy: FaultProxy;
  let partitionProxy: FaultProxy;
  let auth: { username: string; password: string };

  beforeAll(async () => {
    icloud = await startICloudEmulator();
    auth = { username: icloud.appleId, password: icloud.appPassword };
    partitionProxy = await startFaultProxy(icloud.partitionUrl);
    baseProxy = await startFaultProxy(icloud.baseUrl, { rewriteOrigins: { [icloud.partitionUrl]: partitionProxy.url } });
  });

  afterAll(async () => {
    await baseProxy?.stop();
    await partitionProxy?.stop();
    await icloud?.stop();
  });

  it('rewrites absolute URLs (Location, calendar-home-set) so discovery stays behind the proxies', async () => {
    const wellKnown = await davRequest(`${baseProxy.url}/.well-known/caldav`, { method: 'PROPFIND' });
    expect(wellKnown.status).toBe(301);
    expect(wellKnown.headers.location).toBe(`${baseProxy.url}/`);

    const principal = await propfind(auth, baseProxy.url + icloud.principalPath, '0', [el(CALDAV, 'calendar-home-set')]);
    const home = textOf(descendants(descendants(principal.root!, CALDAV, 'calendar-home-set')[0]!, DAV, 'href')[0]!).trim();
    expect(home).toBe(`${partitionProxy.url}/${icloud.userId}/calendars/`);

    const listing = await propfind(auth, home, '1', [el(DAV, 'displayname')]);
    expect(listing.status).toBe(207);
    expect(icloud.requestLog.at(-1)).toMatchObject({ url: icloud.calendarHomeUrl, status: 207 });
  });
});

describe('fault proxy rewriting', () => {
  it("rewrites the target's absolute URLs inside a gzipped XML answer", async () => {
    // A stand-in server that, unlike Radicale and Xandikos, answers with absolute hrefs, compressed.
    const server = createServer((req, res) => {
      const origin = `http://${req.headers.host}`;
      const xml = `<?xml version="1.0"?><multistatus xmlns="DAV:"><response><href>${origin}/cal/1.ics</href></response></multistatus>`;
      res.writeHead(207, { 'Content-Type': 'text/xml; charset=utf-8', 'Content-Encoding': 'gzip' });
      res.end(gzipSync(xml));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const proxy = await startFaultProxy(target);
    try {
      const res = await fetch(`${proxy.url}/cal/`, { method: 'PROPFIND', headers: { 'Accept-Encoding': 'gzip' } });
      const text = await res.text();
      // The server saw its own Host (so it wrote its own origin) and the client got the proxy's.
      expect(text).toContain(`<href>${proxy.url}/cal/1.ics</href>`);
      expect(text).not.toContain(target);
    } finally {
      await proxy.stop();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
