import { existsSync, mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { CALDAV, DAV, ICAL, descendants, el, textOf } from '../../support/icloud-emulator/xml.ts';
import { startRadicale } from '../../support/radicale.ts';

type Radicale = Awaited<ReturnType<typeof startRadicale>>;

describe('Radicale launcher', () => {
  let server: Radicale;
  let calendarUrl: string;

  beforeAll(async () => {
    server = await startRadicale({ username: 'alice', password: 'wonderland' });
    calendarUrl = `${server.calendarHomeUrl}work/`;
    await makeCalendar(server, calendarUrl, { displayName: 'Work', color: '#FF0000FF', components: ['VEVENT'] });
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('serves discovery: well-known → /, current-user-principal /alice/, calendar home /alice/', async () => {
    const wellKnown = await davRequest(`${server.baseUrl}/.well-known/caldav`, { method: 'GET', auth: server });
    expect(wellKnown.status).toBe(301);
    expect(wellKnown.headers.location).toBe('/');

    const root = await propfind(server, `${server.baseUrl}/`, '0', [el(DAV, 'current-user-principal')]);
    expect(root.status).toBe(207);
    const principal = textOf(descendants(root.root!, DAV, 'current-user-principal')[0]!).trim();
    expect(principal).toBe('/alice/');

    const home = await propfind(server, server.baseUrl + principal, '0', [el(CALDAV, 'calendar-home-set')]);
    expect(textOf(descendants(home.root!, CALDAV, 'calendar-home-set')[0]!).trim()).toBe('/alice/');
    expect(server.calendarHomeUrl).toBe(`${server.baseUrl}/alice/`);
  });

  it('refuses a wrong password with 401', async () => {
    const res = await propfind({ username: 'alice', password: 'nope' }, `${server.baseUrl}/`, '0', [el(DAV, 'current-user-principal')]);
    expect(res.status).toBe(401);
  });

  it('keeps the properties MKCALENDAR set', async () => {
    const res = await propfind(server, calendarUrl, '0', [
      el(DAV, 'displayname'),
      el(ICAL, 'calendar-color'),
      el(CALDAV, 'supported-calendar-component-set'),
    ]);
    expect(textOf(descendants(res.root!, DAV, 'displayname')[0]!)).toBe('Work');
    expect(textOf(descendants(res.root!, ICAL, 'calendar-color')[0]!)).toBe('#FF0000FF');
    expect(descendants(res.root!, CALDAV, 'comp').map((comp) => comp.attrs.name)).toEqual(['VEVENT']);
  });

  it('round-trips an event with conditional PUT/DELETE semantics (If-None-Match, If-Match, 412)', async () => {
    const url = `${calendarUrl}round-trip.ics`;
    const ics = simpleEventIcs({ uid: 'round-trip@test', summary: 'Round trip', start: '20260310T090000Z', end: '20260310T100000Z' });
    const created = await putEvent(server, url, ics, { ifNoneMatch: true });
    expect(created.status).toBe(201);
    expect(created.etag).toMatch(/^".+"$/);
    expect((await putEvent(server, url, ics, { ifNoneMatch: true })).status).toBe(412);

    const fetched = await getEvent(server, url);
    expect(fetched.status).toBe(200);
    expect(fetched.body).toContain('UID:round-trip@test');
    expect(fetched.etag).toBe(created.etag);
    expect(await listEvents(server, calendarUrl)).toEqual([{ href: '/alice/work/round-trip.ics', url, etag: created.etag }]);

    const edited = ics.replace('SUMMARY:Round trip', 'SUMMARY:Edited');
    expect((await putEvent(server, url, edited, { ifMatch: '"stale"' })).status).toBe(412);
    const updated = await putEvent(server, url, edited, { ifMatch: created.etag! });
    expect([200, 201, 204]).toContain(updated.status);
    expect(updated.etag).not.toBe(created.etag);

    expect(await deleteEvent(server, url, { ifMatch: created.etag! })).toBe(412);
    expect([200, 204]).toContain(await deleteEvent(server, url, { ifMatch: updated.etag! }));
    expect((await getEvent(server, url)).status).toBe(404);
    expect(await listEvents(server, calendarUrl)).toEqual([]);
  });

  it('sync-collection: an issued old token still works; an unknown or expired one is 403 valid-sync-token', async () => {
    const first = await syncCollection(server, calendarUrl, null);
    expect(first.status).toBe(207);
    expect(first.syncToken).toMatch(/^http:\/\/radicale\.org\/ns\/sync\//);
    const oldToken = first.syncToken!;

    const url = `${calendarUrl}sync-1.ics`;
    await putEvent(server, url, simpleEventIcs({ uid: 'sync-1@test', summary: 'S', start: '20260311T090000Z', end: '20260311T100000Z' }));
    const second = await syncCollection(server, calendarUrl, oldToken);
    expect(second.status).toBe(207);
    expect(second.changed.map((change) => change.href)).toEqual(['/alice/work/sync-1.ics']);
    expect(second.syncToken).not.toBe(oldToken);

    // Replaying the first token again still works: Radicale keeps every token it issued (max age 30 days).
    expect((await syncCollection(server, calendarUrl, oldToken)).status).toBe(207);

    const garbage = await syncCollection(server, calendarUrl, 'not-a-token');
    expect(garbage.status).toBe(403);
    expect(garbage.text).toMatch(/valid-sync-token/);
    const unknown = await syncCollection(server, calendarUrl, 'http://radicale.org/ns/sync/0000');
    expect(unknown.status).toBe(403);

    // An expired token is one whose record Radicale dropped from its cache; dropping it by hand is the same.
    const hash = oldToken.slice(oldToken.lastIndexOf('/') + 1);
    unlinkSync(join(server.storageDir, 'collection-root', 'alice', 'work', '.Radicale.cache', 'sync-token', hash));
    const expired = await syncCollection(server, calendarUrl, oldToken);
    expect(expired.status).toBe(403);
    expect(expired.text).toMatch(/valid-sync-token/);
  });
});

describe('Radicale storage', () => {
  it('removes its temporary storage on stop', async () => {
    const server = await startRadicale();
    expect(existsSync(server.storageDir)).toBe(true);
    await server.stop();
    expect(existsSync(server.storageDir)).toBe(false);
  });

  it('serves a seeded storage folder (files written before start) and leaves it in place on stop', async () => {
    const storageDir = mkdtempSync(join(tmpdir(), 'tandem-radicale-seed-'));
    try {
      const calendarDir = join(storageDir, 'collection-root', 'seeder', 'seeded');
      mkdirSync(calendarDir, { recursive: true });
      writeFileSync(join(calendarDir, '.Radicale.props'), JSON.stringify({ tag: 'VCALENDAR', 'D:displayname': 'Seeded' }));
      writeFileSync(
        join(calendarDir, 'one.ics'),
        simpleEventIcs({ uid: 'seed-1@test', summary: 'Seeded', start: '20260312T090000Z', end: '20260312T100000Z' }),
      );
      const server = await startRadicale({ storageDir, username: 'seeder', password: 'pw' });
      try {
        const events = await listEvents(server, `${server.calendarHomeUrl}seeded/`);
        expect(events.map((event) => event.href)).toEqual(['/seeder/seeded/one.ics']);
      } finally {
        await server.stop();
      }
      expect(existsSync(join(calendarDir, 'one.ics'))).toBe(true);
    } finally {
      rmSync(storageDir, { recursive: true, force: true });
    }
  });
});
