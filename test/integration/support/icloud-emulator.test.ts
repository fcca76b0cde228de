import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  davRequest,
  deleteEvent,
  getEvent,
  listEvents,
  propfind,
  putEvent,
  simpleEventIcs,
  syncCollection,
} from '../../support/caldav-fixtures.ts';
import { startICloudEmulator, type ICloudEmulator } from '../../support/icloud-emulator.ts';
import {
  CALDAV,
  CS,
  DAV,
  ICAL,
  childElements,
  descendants,
  el,
  firstChild,
  parseXml,
  textOf,
  type XmlElement,
} from '../../support/icloud-emulator/xml.ts';
import { waitFor } from '../../support/wait-for.ts';

/** The 200-status value of a property in one <response>, or undefined when it is missing or in a 404 propstat. */
function okProp(response: XmlElement, ns: string, name: string): XmlElement | undefined {
  for (const propstat of childElements(response, DAV, 'propstat')) {
    if (!/ 200 /.test(textOf(firstChild(propstat, DAV, 'status')!))) continue;
    const found = firstChild(firstChild(propstat, DAV, 'prop')!, ns, name);
    if (found) return found;
  }
  return undefined;
}

function notFoundProps(response: XmlElement): string[] {
  return childElements(response, DAV, 'propstat')
    .filter((propstat) => / 404 /.test(textOf(firstChild(propstat, DAV, 'status')!)))
    .flatMap((propstat) => childElements(firstChild(propstat, DAV, 'prop')!).map((prop) => prop.name));
}

function byHref(root: XmlElement): Map<string, XmlElement> {
  return new Map(descendants(root, DAV, 'response').map((response) => [textOf(firstChild(response, DAV, 'href')!).trim(), response]));
}

const LISTING_PROPS = [
  el(DAV, 'displayname'),
  el(DAV, 'resourcetype'),
  el(CALDAV, 'supported-calendar-component-set'),
  el(CS, 'getctag'),
  el(ICAL, 'calendar-color'),
  el(DAV, 'current-user-privilege-set'),
  el(CS, 'source'),
];

describe('iCloud emulator', () => {
  let icloud: ICloudEmulator;
  let auth: { username: string; password: string };

  beforeAll(async () => {
    icloud = await startICloudEmulator();
    auth = { username: icloud.appleId, password: icloud.appPassword };
  });

  afterEach(() => {
    icloud.setFault({ kind: 'none' });
  });

  afterAll(async () => {
    await icloud?.stop();
  });

  describe('discovery', () => {
    it('redirects /.well-known/caldav to the root, for GET and PROPFIND, without credentials', async () => {
      for (const method of ['GET', 'PROPFIND']) {
        const res = await davRequest(`${icloud.baseUrl}/.well-known/caldav`, { method });
        expect(res.status).toBe(301);
        expect(new URL(res.headers.location!, icloud.baseUrl).href).toBe(`${icloud.baseUrl}/`);
      }
    });

    it('answers the root with a numeric principal', async () => {
      const res = await propfind(auth, `${icloud.baseUrl}/`, '0', [el(DAV, 'current-user-principal')]);
      expect(res.status).toBe(207);
      const principal = textOf(descendants(res.root!, DAV, 'current-user-principal')[0]!).trim();
      expect(principal).toMatch(/^\/\d+\/principal\/$/);
      expect(principal).toBe(icloud.principalPath);
    });

    it('puts the calendar home on the partition host, as an absolute URL on another port', async () => {
      const res = await propfind(auth, icloud.baseUrl + icloud.principalPath, '0', [el(CALDAV, 'calendar-home-set')]);
      const home = textOf(descendants(descendants(res.root!, CALDAV, 'calendar-home-set')[0]!, DAV, 'href')[0]!).trim();
      expect(home).toBe(icloud.calendarHomeUrl);
      expect(new URL(home).port).not.toBe(new URL(icloud.baseUrl).port);
      expect(home).toBe(`${icloud.partitionUrl}/${icloud.userId}/calendars/`);
    });

    it('serves calendar paths on the base host too when not strict', async () => {
      const lenient = await startICloudEmulator({ strictPartition: false });
      try {
        const credentials = { username: lenient.appleId, password: lenient.appPassword };
        const res = await propfind(credentials, `${lenient.baseUrl}/${lenient.userId}/calendars/home/`, '0', [el(DAV, 'displayname')]);
        expect(res.status).toBe(207);
        expect(textOf(descendants(res.root!, DAV, 'displayname')[0]!)).toBe('Home');
      } finally {
        await lenient.stop();
      }
    });

    it('serves calendar paths only on the partition host', async () => {
      const onBase = await propfind(auth, `${icloud.baseUrl}/${icloud.userId}/calendars/`, '1', [el(DAV, 'resourcetype')]);
      expect(onBase.status).toBe(404);
      const onPartition = await propfind(auth, icloud.calendarHomeUrl, '0', [el(DAV, 'resourcetype')]);
      expect(onPartition.status).toBe(207);
    });
  });

  describe('authentication', () => {
    it('accepts the app-specific password with spaces and in upper case', async () => {
      const shouted = ` ${icloud.appPassword.toUpperCase().replace(/-/g, ' - ')} `;
      const res = await propfind({ username: icloud.appleId, password: shouted }, `${icloud.baseUrl}/`, '0', [
        el(DAV, 'current-user-principal'),
      ]);
      expect(res.status).toBe(207);
    });

    it.each([
      ['a wrong app-specific password', (id: string) => ({ username: id, password: 'abcd-efgh-ijkl-mnop' })],
      ['a main-Apple-ID-shaped password', (id: string) => ({ username: id, password: 'Correct-Horse-Battery-9' })],
      ['another Apple ID', () => ({ username: 'someone.else@icloud.com', password: 'hjkl-mnpq-rstv-wxyz' })],
    ])('refuses %s with 401 and a Basic challenge', async (_what, credentials) => {
      for (const url of [`${icloud.baseUrl}/`, icloud.calendarHomeUrl]) {
        const res = await propfind(credentials(icloud.appleId), url, '0', [el(DAV, 'current-user-principal')]);
        expect(res.status).toBe(401);
        expect(res.headers['www-authenticate']).toMatch(/^Basic realm="[^"]+"$/);
      }
    });

    it('refuses a request with no credentials', async () => {
      const res = await davRequest(`${icloud.baseUrl}/`, { method: 'PROPFIND', headers: { Depth: '0' } });
      expect(res.status).toBe(401);
    });
  });

  describe('calendar home listing', () => {
    let listing: Map<string, XmlElement>;
    let raw: string;

    beforeAll(async () => {
      const res = await propfind(auth, icloud.calendarHomeUrl, '1', LISTING_PROPS);
      expect(res.status).toBe(207);
      raw = res.text;
      listing = byHref(res.root!);
    });

    const path = (url: string): string => new URL(url).pathname;

    it('lists the home itself, inbox, outbox, notification, the subscription, Reminders and the user calendars', () => {
      expect([...listing.keys()].sort()).toEqual(
        [
          icloud.calendarHomeUrl,
          icloud.calendarUrls.inbox,
          `${icloud.calendarHomeUrl}outbox/`,
          `${icloud.calendarHomeUrl}notification/`,
          icloud.calendarUrls.subscribed,
          icloud.calendarUrls.reminders,
          icloud.calendarUrls.home,
          icloud.calendarUrls.work,
        ]
          .map(path)
          .sort(),
      );
      expect(okProp(listing.get(path(icloud.calendarUrls.inbox))!, DAV, 'resourcetype')!.children).toContainEqual(
        el(CALDAV, 'schedule-inbox'),
      );
    });

    it('marks the subscription as subscribed, with a webcal source and read-only privileges', () => {
      const subscribed = listing.get(path(icloud.calendarUrls.subscribed))!;
      expect(textOf(okProp(subscribed, DAV, 'displayname')!)).toBe('US Holidays');
      expect(firstChild(okProp(subscribed, DAV, 'resourcetype')!, CS, 'subscribed')).toBeDefined();
      expect(textOf(okProp(subscribed, CS, 'source')!)).toMatch(/^webcal:\/\//);
      const privileges = descendants(okProp(subscribed, DAV, 'current-user-privilege-set')!, DAV, 'privilege').flatMap((p) =>
        childElements(p).map((c) => c.name),
      );
      expect(privileges).toContain('read');
      expect(privileges).not.toContain('write');
      expect(privileges).not.toContain('write-content');
    });

    it('has a VTODO-only Reminders list and writable VEVENT calendars Home and Work', () => {
      const components = (url: string): string[] =>
        descendants(okProp(listing.get(path(url))!, CALDAV, 'supported-calendar-component-set')!, CALDAV, 'comp').map(
          (comp) => comp.attrs.name ?? '',
        );
      expect(components(icloud.calendarUrls.reminders)).toEqual(['VTODO']);
      for (const url of [icloud.calendarUrls.home, icloud.calendarUrls.work]) {
        const response = listing.get(path(url))!;
        expect(components(url)).toEqual(['VEVENT']);
        expect(firstChild(okProp(response, DAV, 'resourcetype')!, CALDAV, 'calendar')).toBeDefined();
        expect(descendants(okProp(response, DAV, 'current-user-privilege-set')!, DAV, 'write')).toHaveLength(1);
      }
      expect(textOf(okProp(listing.get(path(icloud.calendarUrls.home))!, DAV, 'displayname')!)).toBe('Home');
      expect(textOf(okProp(listing.get(path(icloud.calendarUrls.work))!, DAV, 'displayname')!)).toBe('Work');
    });

    it('puts properties a collection lacks in a separate 404 propstat', () => {
      expect(notFoundProps(listing.get(path(icloud.calendarUrls.inbox))!)).toEqual(
        expect.arrayContaining(['displayname', 'calendar-color', 'source']),
      );
      expect(notFoundProps(listing.get(path(icloud.calendarHomeUrl))!)).toContain('calendar-color');
    });

    it("writes iCloud's XML shape: default xmlns repeated per response and property, no prefixes", () => {
      expect(raw).toMatch(/^<\?xml version="1\.0" encoding="UTF-8" standalone="yes"\?>/);
      expect(raw).toContain('<multistatus xmlns="DAV:">');
      expect(raw).toContain('<response xmlns="DAV:">');
      expect(raw).toContain('<displayname xmlns="DAV:">Home</displayname>');
      expect(raw).toContain("<comp name='VTODO' xmlns='urn:ietf:params:xml:ns:caldav'/>");
      expect(raw).not.toMatch(/<\/?[A-Za-z][\w-]*:[\w-]+[\s>/]/);
    });
  });

  describe('events', () => {
    const event = (uid: string, extra: { end?: string; lines?: string[] } = {}): string =>
      simpleEventIcs({
        uid,
        summary: uid,
        start: '20260401T090000Z',
        ...(extra.end === undefined ? {} : { end: extra.end }),
        ...(extra.lines ? { extra: extra.lines } : {}),
      });

    it('round-trips PUT/GET/DELETE with ETags, If-None-Match and If-Match, stored in the Radicale behind it', async () => {
      const url = `${icloud.calendarUrls.home}E1.ics`;
      const created = await putEvent(auth, url, event('E1', { end: '20260401T100000Z' }), { ifNoneMatch: true });
      expect(created.status).toBe(201);
      expect(created.etag).toMatch(/^".+"$/);
      expect((await putEvent(auth, url, event('E1', { end: '20260401T100000Z' }), { ifNoneMatch: true })).status).toBe(412);
      const fetched = await getEvent(auth, url);
      expect(fetched.body).toContain('UID:E1');
      expect(fetched.etag).toBe(created.etag);
      const direct = await getEvent(icloud.radicale, icloud.radicaleUrlFor(url));
      expect(direct.etag).toBe(created.etag);

      const members = await listEvents(auth, icloud.calendarUrls.home);
      expect(members).toContainEqual({ href: new URL(url).pathname, url, etag: created.etag });

      expect((await putEvent(auth, url, event('E1', { end: '20260401T110000Z' }), { ifMatch: '"stale"' })).status).toBe(412);
      expect(await deleteEvent(auth, url, { ifMatch: '"stale"' })).toBe(412);
      expect([200, 204]).toContain(await deleteEvent(auth, url, { ifMatch: created.etag! }));
      expect((await getEvent(auth, url)).status).toBe(404);
    });

    it("reports a member's resourcetype in a 404 propstat", async () => {
      const url = `${icloud.calendarUrls.work}M1.ics`;
      expect((await putEvent(auth, url, event('M1', { end: '20260401T100000Z' }))).status).toBe(201);
      const res = await propfind(auth, icloud.calendarUrls.work, '1', [el(DAV, 'getetag'), el(DAV, 'resourcetype')]);
      const member = byHref(res.root!).get(new URL(url).pathname)!;
      expect(okProp(member, DAV, 'getetag')).toBeDefined();
      expect(okProp(member, DAV, 'resourcetype')).toBeUndefined();
      expect(notFoundProps(member)).toEqual(['resourcetype']);
    });

    it('refuses (404) a timed VEVENT with neither DTEND nor DURATION, and stores nothing', async () => {
      const url = `${icloud.calendarUrls.home}no-end.ics`;
      expect((await putEvent(auth, url, event('no-end'))).status).toBe(404);
      expect((await getEvent(icloud.radicale, icloud.radicaleUrlFor(url))).status).toBe(404);
      expect(
        (await putEvent(auth, `${icloud.calendarUrls.home}with-duration.ics`, event('with-duration', { lines: ['DURATION:PT30M'] })))
          .status,
      ).toBe(201);
      const allDay = simpleEventIcs({ uid: 'all-day', summary: 'all day', start: '20260402' }).replace(
        'DTSTART:20260402',
        'DTSTART;VALUE=DATE:20260402',
      );
      expect((await putEvent(auth, `${icloud.calendarUrls.home}all-day.ics`, allDay)).status).toBe(201);
    });

    it('refuses writes to the subscribed calendar', async () => {
      expect((await putEvent(auth, `${icloud.calendarUrls.subscribed}x.ics`, event('x', { end: '20260401T100000Z' }))).status).toBe(403);
    });

    it('sync-collection: opaque tokens, iCloud paths, only the changes since the token, 403 for a bad token', async () => {
      const first = await syncCollection(auth, icloud.calendarUrls.work, null);
      expect(first.status).toBe(207);
      expect(first.syncToken).toMatch(/^HwoQ/);
      expect(first.changed.every((change) => change.href.startsWith(new URL(icloud.calendarUrls.work).pathname))).toBe(true);

      // A change made "in iCloud" directly in the store behind the emulator.
      const url = `${icloud.calendarUrls.work}from-phone.ics`;
      expect((await putEvent(icloud.radicale, icloud.radicaleUrlFor(url), event('from-phone', { end: '20260401T100000Z' }))).status).toBe(
        201,
      );
      const before = icloud.requestLog.length;
      const second = await syncCollection(auth, icloud.calendarUrls.work, first.syncToken);
      expect(icloud.requestLog.length - before).toBe(1);
      expect(second.status).toBe(207);
      expect(second.changed.map((change) => change.href)).toEqual([new URL(url).pathname]);

      const idle = await syncCollection(auth, icloud.calendarUrls.work, second.syncToken);
      expect(idle.changed).toEqual([]);
      expect(idle.deleted).toEqual([]);

      const bad = await syncCollection(auth, icloud.calendarUrls.work, 'HwoQEgwAAgarbage');
      expect(bad.status).toBe(403);
      expect(bad.text).toContain('valid-sync-token');
    });

    it('calendar-multiget takes and returns iCloud hrefs', async () => {
      const url = `${icloud.calendarUrls.work}multi.ics`;
      await putEvent(auth, url, event('multi', { end: '20260401T100000Z' }));
      const body = `<?xml version="1.0"?><C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/><C:calendar-data/></D:prop><D:href>${new URL(url).pathname}</D:href></C:calendar-multiget>`;
      const res = await davRequest(icloud.calendarUrls.work, {
        method: 'REPORT',
        auth,
        headers: { 'Content-Type': 'application/xml', Depth: '1' },
        body,
      });
      expect(res.status).toBe(207);
      const response = descendants(parseXml(res.text), DAV, 'response')[0]!;
      expect(textOf(firstChild(response, DAV, 'href')!)).toBe(new URL(url).pathname);
      expect(textOf(okProp(response, CALDAV, 'calendar-data')!)).toContain('UID:multi');
    });

    it('lists a calendar created directly in the store', async () => {
      const { makeCalendar } = await import('../../support/caldav-fixtures.ts');
      await makeCalendar(icloud.radicale, `${icloud.radicale.calendarHomeUrl}late/`, { displayName: 'Added on the phone' });
      const res = await propfind(auth, icloud.calendarHomeUrl, '1', [el(DAV, 'displayname')]);
      expect(okProp(byHref(res.root!).get(`/${icloud.userId}/calendars/late/`)!, DAV, 'displayname')).toEqual(
        el(DAV, 'displayname', ['Added on the phone']),
      );
    });
  });

  describe('request log', () => {
    it('records method, absolute URL, status and depth for both hosts', async () => {
      const start = icloud.requestLog.length;
      await propfind(auth, `${icloud.baseUrl}/`, '0', [el(DAV, 'current-user-principal')]);
      await getEvent(auth, `${icloud.calendarUrls.home}missing.ics`);
      expect(icloud.requestLog.slice(start)).toEqual([
        { method: 'PROPFIND', url: `${icloud.baseUrl}/`, status: 207, depth: '0' },
        { method: 'GET', url: `${icloud.calendarUrls.home}missing.ics`, status: 404 },
      ]);
    });
  });

  describe('faults', () => {
    const probe = () => propfind(auth, icloud.calendarHomeUrl, '0', [el(DAV, 'resourcetype')]);

    it('unauthorized: 401 with a Basic challenge even for the right password', async () => {
      icloud.setFault({ kind: 'unauthorized' });
      const res = await probe();
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic /);
    });

    it('forbidden: 403 (no two-factor / locked account)', async () => {
      icloud.setFault({ kind: 'forbidden' });
      expect((await probe()).status).toBe(403);
    });

    it('unavailable: 503 with Retry-After', async () => {
      icloud.setFault({ kind: 'unavailable', retryAfterSeconds: 7 });
      const res = await probe();
      expect(res.status).toBe(503);
      expect(res.headers['retry-after']).toBe('7');
      expect(icloud.requestLog.at(-1)).toMatchObject({ status: 503 });
    });

    it('slow: holds the request unanswered, then answers it normally', async () => {
      icloud.setFault({ kind: 'slow', delayMs: 600_000 });
      const abort = new AbortController();
      let settled = false;
      const held = davRequest(icloud.calendarHomeUrl, { method: 'PROPFIND', auth, headers: { Depth: '0' }, signal: abort.signal }).finally(
        () => {
          settled = true;
        },
      );
      await waitFor(async () => icloud.inFlight === 1, 'the slow request to reach the emulator');
      expect(settled).toBe(false);
      abort.abort();
      await expect(held).rejects.toThrow();

      icloud.setFault({ kind: 'slow', delayMs: 1 });
      expect((await probe()).status).toBe(207);
    });

    it('none: back to normal', async () => {
      icloud.setFault({ kind: 'unavailable', retryAfterSeconds: 1 });
      icloud.setFault({ kind: 'none' });
      expect((await probe()).status).toBe(207);
    });
  });
});
