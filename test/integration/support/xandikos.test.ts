import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  davRequest,
  deleteEvent,
  getEvent,
  listEvents,
  makeCalendar,
  propfind,
  putEvent,
  simpleEventIcs,
  syncCollection,
} from '../../support/caldav-fixtures.ts';
import { CALDAV, DAV, ICAL, descendants, el, firstChild, textOf } from '../../support/icloud-emulator/xml.ts';
import { startXandikos } from '../../support/xandikos.ts';

type Xandikos = Awaited<ReturnType<typeof startXandikos>>;

describe('Xandikos launcher', () => {
  let server: Xandikos;

  beforeAll(async () => {
    server = await startXandikos();
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('serves discovery: well-known → /, principal /user/, home /user/calendars/ with a default calendar', async () => {
    const wellKnown = await davRequest(`${server.baseUrl}/.well-known/caldav`, { method: 'GET' });
    expect(wellKnown.status).toBe(302);
    expect(wellKnown.headers.location).toBe('/');

    const root = await propfind(server, `${server.baseUrl}/`, '0', [el(DAV, 'current-user-principal')]);
    expect(root.status).toBe(207);
    const principal = textOf(descendants(root.root!, DAV, 'current-user-principal')[0]!).trim();
    expect(principal).toBe('/user/');

    const home = await propfind(server, server.baseUrl + principal, '0', [el(CALDAV, 'calendar-home-set')]);
    expect(server.baseUrl + textOf(descendants(home.root!, CALDAV, 'calendar-home-set')[0]!).trim()).toBe(server.calendarHomeUrl);

    const listing = await propfind(server, server.calendarHomeUrl, '1', [el(DAV, 'resourcetype')]);
    const calendars = descendants(listing.root!, DAV, 'response')
      .filter((response) => descendants(response, CALDAV, 'calendar').length > 0)
      .map((response) => textOf(firstChild(response, DAV, 'href')!));
    expect(calendars).toEqual(['/user/calendars/calendar/']);
    expect(server.defaultCalendarUrl).toBe(`${server.baseUrl}/user/calendars/calendar/`);
  });

  it('answers 415 to a PROPFIND without an XML content type (why the fixtures always send one)', async () => {
    const res = await davRequest(`${server.baseUrl}/user/`, {
      method: 'PROPFIND',
      headers: { Depth: '0' },
      body: '<propfind xmlns="DAV:"><allprop/></propfind>',
    });
    expect(res.status).toBe(415);
  });

  it('round-trips an event with conditional PUT/DELETE semantics', async () => {
    const url = `${server.defaultCalendarUrl}round-trip.ics`;
    const ics = simpleEventIcs({ uid: 'x-round-trip@test', summary: 'Round trip', start: '20260310T090000Z', end: '20260310T100000Z' });
    const created = await putEvent(server, url, ics, { ifNoneMatch: true });
    expect(created.status).toBe(201);
    expect(created.etag).toMatch(/^".+"$/);
    expect((await putEvent(server, url, ics, { ifNoneMatch: true })).status).toBe(412);
    const fetched = await getEvent(server, url);
    expect(fetched.body).toContain('UID:x-round-trip@test');
    expect(fetched.etag).toBe(created.etag);
    expect(await listEvents(server, server.defaultCalendarUrl)).toEqual([
      { href: '/user/calendars/calendar/round-trip.ics', url, etag: created.etag },
    ]);
    expect((await putEvent(server, url, ics.replace('Round trip', 'Edited'), { ifMatch: '"stale"' })).status).toBe(412);
    expect(await deleteEvent(server, url, { ifMatch: '"stale"' })).toBe(412);
    expect([200, 204]).toContain(await deleteEvent(server, url, { ifMatch: created.etag! }));
    expect((await getEvent(server, url)).status).toBe(404);
  });

  it('makeCalendar: colour applied via the PROPPATCH fallback; the component set stays all types', async () => {
    const url = `${server.calendarHomeUrl}work/`;
    await makeCalendar(server, url, { displayName: 'Work', color: '#00FF00FF', components: ['VEVENT'] });
    const res = await propfind(server, url, '0', [
      el(DAV, 'displayname'),
      el(ICAL, 'calendar-color'),
      el(CALDAV, 'supported-calendar-component-set'),
    ]);
    expect(textOf(descendants(res.root!, DAV, 'displayname')[0]!)).toBe('Work');
    expect(textOf(descendants(res.root!, ICAL, 'calendar-color')[0]!)).toBe('#00FF00FF');
    // Xandikos ignores (409) a component set: every calendar takes VEVENT, VTODO, VJOURNAL and VFREEBUSY.
    expect(descendants(res.root!, CALDAV, 'comp').map((comp) => comp.attrs.name)).toEqual(['VEVENT', 'VTODO', 'VJOURNAL', 'VFREEBUSY']);
  });

  it('sync-collection: an old token works; an unknown one is a 500, not 403 valid-sync-token', async () => {
    const first = await syncCollection(server, server.defaultCalendarUrl, null);
    expect(first.status).toBe(207);
    expect(first.syncToken).toMatch(/^[0-9a-f]{40}$/);
    await putEvent(
      server,
      `${server.defaultCalendarUrl}sync-1.ics`,
      simpleEventIcs({ uid: 'x-sync-1@test', summary: 'S', start: '20260311T090000Z', end: '20260311T100000Z' }),
    );
    const second = await syncCollection(server, server.defaultCalendarUrl, first.syncToken);
    expect(second.status).toBe(207);
    expect(second.changed.map((change) => change.href)).toEqual(['/user/calendars/calendar/sync-1.ics']);

    expect((await syncCollection(server, server.defaultCalendarUrl, 'not-a-token')).status).toBe(500);
    expect((await syncCollection(server, server.defaultCalendarUrl, '0'.repeat(40))).status).toBe(500);
  });

  it('ignores credentials altogether (no 401 to test against)', async () => {
    const res = await propfind({ username: 'someone', password: 'wrong' }, `${server.baseUrl}/`, '0', [el(DAV, 'current-user-principal')]);
    expect(res.status).toBe(207);
  });
});

describe('Xandikos storage', () => {
  it('removes its temporary folder on stop', async () => {
    const server = await startXandikos();
    const res = await propfind(server, server.defaultCalendarUrl, '0', [el(DAV, 'resourcetype')]);
    expect(res.status).toBe(207);
    expect(existsSync(server.dataDir)).toBe(true);
    await server.stop();
    expect(existsSync(server.dataDir)).toBe(false);
    await expect(davRequest(`${server.baseUrl}/`, { method: 'GET' })).rejects.toThrow();
  });
});
