/**
 * The CalDAV client against real servers (Radicale and Xandikos from Debian) and the iCloud
 * emulator (a real Radicale behind iCloud's wire shapes): discovery, listing, incremental sync,
 * multiget and conditional writes, end to end. Each server's quirks are asserted where they show.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCalendar, simpleEventIcs } from '../../support/caldav-fixtures.ts';
import { startICloudEmulator, type ICloudEmulator } from '../../support/icloud-emulator.ts';
import { startRadicale } from '../../support/radicale.ts';
import { startXandikos } from '../../support/xandikos.ts';
import { calendarQueryExpanded } from '../../../src/caldav/calendar-query.ts';
import { discoverAccount } from '../../../src/caldav/discover-account.ts';
import { deleteEvent, getEvent, putEvent } from '../../../src/caldav/event-resource.ts';
import { listCalendars } from '../../../src/caldav/list-calendars.ts';
import { listEtags } from '../../../src/caldav/list-etags.ts';
import { calendarMultiget } from '../../../src/caldav/multiget.ts';
import { checkAppSpecificPassword, describeICloudError } from '../../../src/caldav/providers/icloud.ts';
import { syncCollection } from '../../../src/caldav/sync-collection.ts';
import { scopeForUrl } from '../../../src/caldav/credential-scope.ts';
import { createTransport, type CalDavTransport } from '../../../src/caldav/transport.ts';
import { failure } from '../../support/expect-caldav-error.ts';

const event = (uid: string, summary = `Event ${uid}`) =>
  simpleEventIcs({ uid, summary, start: '20260310T090000Z', end: '20260310T100000Z' });
const weekly = (uid: string) =>
  simpleEventIcs({ uid, summary: 'Weekly', start: '20260302T090000Z', end: '20260302T093000Z', extra: ['RRULE:FREQ=WEEKLY;COUNT=4'] });

/**
 * The life of one calendar through the client: create two events, initial sync, multiget, update
 * one and delete the other, incremental sync, etag listing, and the refused-token path.
 * Returns what the sync saw so a caller can assert server-specific details.
 */
async function exerciseCalendar(transport: CalDavTransport, calendarUrl: string) {
  const a = new URL('tandem-a.ics', calendarUrl).href;
  const b = new URL('tandem-b.ics', calendarUrl).href;
  const created = await putEvent({ url: a, calendarData: event('tandem-a'), condition: { ifNoneMatch: '*' }, transport });
  await putEvent({ url: b, calendarData: event('tandem-b'), condition: { ifNoneMatch: '*' }, transport });
  // Creating over an existing resource is refused, not overwritten.
  expect((await failure(putEvent({ url: a, calendarData: event('tandem-a'), condition: { ifNoneMatch: '*' }, transport }))).kind).toBe(
    'precondition_failed',
  );

  const initial = await syncCollection({ calendarUrl, syncToken: null, transport });
  expect(initial.changed.map((c) => c.href).sort()).toEqual([a, b]);
  expect(initial.deleted).toEqual([]);
  expect(initial.truncated).toBe(false);

  const fetched = await calendarMultiget({ calendarUrl, hrefs: [a, b], transport });
  expect(fetched.map((f) => [f.href, f.status])).toEqual([
    [a, 200],
    [b, 200],
  ]);
  for (const item of fetched) expect(item.calendarData).toMatch(/^BEGIN:VCALENDAR/);
  expect(fetched[0]?.calendarData).toContain('UID:tandem-a');
  const etagA = fetched[0]?.etag ?? created.etag;
  if (etagA === null || etagA === undefined) throw new Error('no etag for a');
  expect(initial.changed.find((c) => c.href === a)?.etag).toBe(etagA);

  // Someone else's etag is stale: the write is refused.
  expect(
    (await failure(putEvent({ url: a, calendarData: event('tandem-a', 'Stale'), condition: { ifMatch: '"not-the-etag"' }, transport })))
      .kind,
  ).toBe('precondition_failed');
  const updated = await putEvent({ url: a, calendarData: event('tandem-a', 'Moved'), condition: { ifMatch: etagA }, transport });
  const current = await getEvent({ url: b, transport });
  expect(current?.calendarData).toContain('UID:tandem-b');
  await deleteEvent({ url: b, ifMatch: current?.etag ?? null, transport });
  // Deleting again is fine: it is already gone.
  await deleteEvent({ url: b, ifMatch: null, transport });
  expect(await getEvent({ url: b, transport })).toBeNull();

  const incremental = await syncCollection({ calendarUrl, syncToken: initial.syncToken, transport });
  expect(incremental.changed.map((c) => c.href)).toEqual([a]);
  expect(incremental.deleted).toEqual([b]);
  expect(incremental.syncToken).not.toBe(initial.syncToken);
  if (updated.etag !== null) expect(incremental.changed[0]?.etag).toBe(updated.etag);

  const idle = await syncCollection({ calendarUrl, syncToken: incremental.syncToken, transport });
  expect([idle.changed, idle.deleted]).toEqual([[], []]);

  expect((await listEtags({ calendarUrl, transport })).map((e) => e.href)).toEqual([a]);

  await putEvent({
    url: new URL('tandem-weekly.ics', calendarUrl).href,
    calendarData: weekly('tandem-weekly'),
    condition: { ifNoneMatch: '*' },
    transport,
  });
  const inMarch = await calendarQueryExpanded({
    calendarUrl,
    from: new Date('2026-03-01T00:00:00Z'),
    to: new Date('2026-04-01T00:00:00Z'),
    transport,
  });
  expect(inMarch.map((i) => new URL(i.href).pathname.split('/').pop()).sort()).toEqual(['tandem-a.ics', 'tandem-weekly.ics']);
  return { inMarch };
}

describe('Radicale', () => {
  let server: Awaited<ReturnType<typeof startRadicale>>;
  let transport: CalDavTransport;

  beforeAll(async () => {
    server = await startRadicale();
    const auth = { username: server.username, password: server.password };
    await makeCalendar(auth, `${server.calendarHomeUrl}work/`, { displayName: 'Work', color: '#CC73E1FF', components: ['VEVENT'] });
    await makeCalendar(auth, `${server.calendarHomeUrl}tasks/`, { displayName: 'Tasks', components: ['VTODO'] });
    transport = createTransport({ credentials: auth, scope: scopeForUrl(server.baseUrl), allowPrivateNetworks: true });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('discovers the principal and home from the server URL', async () => {
    expect(await discoverAccount({ serverUrl: server.baseUrl, transport })).toEqual({
      principalUrl: server.calendarHomeUrl,
      calendarHomeUrl: server.calendarHomeUrl,
      calendarHomeUrls: [server.calendarHomeUrl],
      // Radicale answers calendar-user-address-set with the principal's own path.
      selfAddresses: [new URL(server.calendarHomeUrl).pathname],
    });
  });

  it('lists the event calendar and leaves out the task list and the home', async () => {
    const calendars = await listCalendars({ calendarHomeUrl: server.calendarHomeUrl, transport });
    expect(calendars.map((c) => [c.displayName, c.url, c.color, c.components, c.writable, c.connectable])).toEqual([
      ['Work', `${server.calendarHomeUrl}work/`, '#CC73E1', ['VEVENT'], true, true],
    ]);
  });

  it('syncs, fetches and writes a calendar', async () => {
    await exerciseCalendar(transport, `${server.calendarHomeUrl}work/`);
  });

  it('refuses an unknown sync token with 403 valid-sync-token → sync_token_invalid', async () => {
    const error = await failure(
      syncCollection({ calendarUrl: `${server.calendarHomeUrl}work/`, syncToken: 'http://radicale.org/ns/sync/0', transport }),
    );
    expect([error.kind, error.status]).toEqual(['sync_token_invalid', 403]);
  });

  it('answers a wrong password with unauthorized', async () => {
    const wrong = createTransport({
      credentials: { username: server.username, password: 'wrong' },
      scope: scopeForUrl(server.baseUrl),
      allowPrivateNetworks: true,
    });
    expect((await failure(discoverAccount({ serverUrl: server.baseUrl, transport: wrong }))).kind).toBe('unauthorized');
  });
});

describe('Xandikos', () => {
  let server: Awaited<ReturnType<typeof startXandikos>>;
  let transport: CalDavTransport;

  beforeAll(async () => {
    server = await startXandikos();
    transport = createTransport({
      credentials: { username: server.username, password: server.password },
      scope: scopeForUrl(server.baseUrl),
      allowPrivateNetworks: true,
    });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('discovers the principal and home from the server URL', async () => {
    expect(await discoverAccount({ serverUrl: server.baseUrl, transport })).toEqual({
      principalUrl: `${server.baseUrl}/user/`,
      calendarHomeUrl: server.calendarHomeUrl,
      calendarHomeUrls: [server.calendarHomeUrl],
      // Xandikos lists no calendar-user-address-set by default.
      selfAddresses: [],
    });
  });

  it('lists the default calendar, which supports every component', async () => {
    const calendars = await listCalendars({ calendarHomeUrl: server.calendarHomeUrl, transport });
    expect(calendars.map((c) => [c.url, c.writable, c.subscribed])).toEqual([[server.defaultCalendarUrl, true, false]]);
    expect(calendars[0]?.components).toContain('VEVENT');
  });

  it('syncs, fetches and writes a calendar', async () => {
    await exerciseCalendar(transport, server.defaultCalendarUrl);
  });

  it('answers an unknown sync token with a bare 500 → sync_token_invalid', async () => {
    const error = await failure(syncCollection({ calendarUrl: server.defaultCalendarUrl, syncToken: 'no-such-token', transport }));
    expect([error.kind, error.status]).toEqual(['sync_token_invalid', 500]);
  });
});

describe('iCloud emulator', () => {
  let icloud: ICloudEmulator;
  let transport: CalDavTransport;

  beforeAll(async () => {
    icloud = await startICloudEmulator();
    const password = checkAppSpecificPassword(icloud.appPassword.toUpperCase().replace(/-/g, ' '));
    if (!password.ok) throw new Error('the emulator’s password has the app-specific shape');
    transport = createTransport({
      credentials: { username: icloud.appleId, password: password.password },
      scope: icloud.credentialScope,
      allowPrivateNetworks: true,
      timeoutMs: 5_000,
    });
  });
  afterAll(async () => {
    await icloud?.stop();
  });

  it('discovers a home on the partition host, following the well-known redirect with credentials', async () => {
    const start = icloud.requestLog.length;
    const account = await discoverAccount({ serverUrl: icloud.baseUrl, transport });
    expect(account.principalUrl).toBe(`${icloud.baseUrl}${icloud.principalPath}`);
    expect(account.calendarHomeUrl).toBe(icloud.calendarHomeUrl);
    expect(new URL(account.calendarHomeUrl).port).not.toBe(new URL(icloud.baseUrl).port);
    expect(icloud.requestLog.slice(start).map((r) => [r.method, new URL(r.url).pathname, r.status])).toEqual([
      ['PROPFIND', '/.well-known/caldav', 301],
      ['PROPFIND', '/', 207],
      ['PROPFIND', icloud.principalPath, 207],
    ]);
  });

  it('lists Home and Work, marks the subscription unconnectable, and leaves out Reminders, inbox, outbox and notifications', async () => {
    const calendars = (await listCalendars({ calendarHomeUrl: icloud.calendarHomeUrl, transport })).sort((x, y) =>
      x.displayName.localeCompare(y.displayName),
    );
    expect(calendars.map((c) => [c.displayName, c.url, c.writable, c.subscribed, c.connectable, c.notConnectableReason])).toEqual([
      ['Home', icloud.calendarUrls.home, true, false, true, null],
      ['US Holidays', icloud.calendarUrls.subscribed, false, true, false, 'subscribed calendars cannot be connected'],
      ['Work', icloud.calendarUrls.work, true, false, true, null],
    ]);
    expect(calendars.find((c) => c.displayName === 'Home')?.color).toBe('#34AADC');
    expect(calendars.map((c) => c.url)).not.toContain(icloud.calendarUrls.reminders);
  });

  it('syncs, fetches and writes a calendar on the partition host', async () => {
    await exerciseCalendar(transport, icloud.calendarUrls.work);
  });

  it('refuses a stale sync token → sync_token_invalid', async () => {
    expect((await failure(syncCollection({ calendarUrl: icloud.calendarUrls.home, syncToken: 'HwoQEgwAAbogus', transport }))).kind).toBe(
      'sync_token_invalid',
    );
  });

  it('answers a timed event without DTEND with 404, explained as a rejected event', async () => {
    const noEnd = simpleEventIcs({ uid: 'no-end', summary: 'No end', start: '20260310T090000Z' });
    const error = await failure(
      putEvent({ url: `${icloud.calendarUrls.home}no-end.ics`, calendarData: noEnd, condition: { ifNoneMatch: '*' }, transport }),
    );
    expect([error.kind, error.method]).toEqual(['not_found', 'PUT']);
    expect(describeICloudError(error).code).toBe('icloud_event_rejected');
  });

  it('maps faults to kinds and iCloud messages: 401, 403, 503 with Retry-After, and silence', async () => {
    try {
      icloud.setFault({ kind: 'unauthorized' });
      const e401 = await failure(discoverAccount({ serverUrl: icloud.baseUrl, transport }));
      expect(describeICloudError(e401).code).toBe('icloud_auth_failed');

      icloud.setFault({ kind: 'forbidden' });
      const e403 = await failure(listCalendars({ calendarHomeUrl: icloud.calendarHomeUrl, transport }));
      expect(describeICloudError(e403).code).toBe('icloud_forbidden');

      icloud.setFault({ kind: 'unavailable', retryAfterSeconds: 90 });
      const e503 = await failure(syncCollection({ calendarUrl: icloud.calendarUrls.home, syncToken: null, transport }));
      expect([e503.kind, e503.status, e503.retryAfterMs]).toEqual(['rate_limited', 503, 90_000]);
      expect(describeICloudError(e503).code).toBe('icloud_server_error');

      icloud.setFault({ kind: 'slow', delayMs: 60_000 });
      const impatient = createTransport({
        credentials: { username: icloud.appleId, password: icloud.appPassword },
        scope: icloud.credentialScope,
        allowPrivateNetworks: true,
        timeoutMs: 200,
      });
      const slow = await failure(listCalendars({ calendarHomeUrl: icloud.calendarHomeUrl, transport: impatient }));
      expect(slow.kind).toBe('timeout');
      expect(describeICloudError(slow).code).toBe('icloud_unreachable');
    } finally {
      icloud.setFault({ kind: 'none' });
    }
  });

  it('rejects a wrong app-specific password with icloud_auth_failed', async () => {
    const wrong = createTransport({
      credentials: { username: icloud.appleId, password: 'aaaa-bbbb-cccc-dddd' },
      scope: icloud.credentialScope,
      allowPrivateNetworks: true,
    });
    const error = await failure(discoverAccount({ serverUrl: icloud.baseUrl, transport: wrong }));
    expect([error.kind, describeICloudError(error).code]).toEqual(['unauthorized', 'icloud_auth_failed']);
  });
});
