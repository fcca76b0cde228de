/**
 * The RemoteCalendar adapter over the CalDAV client, against Radicale, Xandikos and the iCloud
 * emulator: the port's behaviour (ports.ts) and its error table, as the sync engine relies on them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetch as undiciFetch } from 'undici';
import { CalDavError, createTransport, scopeForUrl, type CalDavErrorKind, type RequestEvent } from '../../../src/caldav/index.ts';
import type { FetchFunction } from '../../../src/caldav/transport.ts';
import { appointmentEventUid } from '../../../src/domain/sync/appointment-uid.ts';
import { buildAppointmentEvent, readAppointmentEvent } from '../../../src/ical/appointment-event.ts';
import { firstProperty, parseICalendar, textValue } from '../../../src/ical/jcal.ts';
import { createCalDavRemoteCalendar, remoteError } from '../../../src/services/sync/caldav-remote-calendar.ts';
import type { RemoteCalendar } from '../../../src/domain/sync/ports.ts';
import {
  RemoteAccessDenied,
  RemoteNotFound,
  RemotePreconditionFailed,
  RemoteSyncTokenInvalid,
  RemoteUnavailable,
  RemoteRefused,
} from '../../../src/services/sync/remote-errors.ts';
import { makeCalendar, simpleEventIcs } from '../../support/caldav-fixtures.ts';
import { startICloudEmulator, type ICloudEmulator } from '../../support/icloud-emulator.ts';
import { startRadicale } from '../../support/radicale.ts';
import { startXandikos } from '../../support/xandikos.ts';

const event = (uid: string, summary: string) => simpleEventIcs({ uid, summary, start: '20300304T090000Z', end: '20300304T100000Z' });

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (error: unknown) => error,
  );
}

interface Target {
  remote: RemoteCalendar;
  calendarUrl: string;
  /** A token this server refuses, and the status it refuses it with. */
  refusedToken: string;
  refusedStatus: number;
}

/** The whole life of two events through the port, on one server. */
async function exercise({ remote, calendarUrl, refusedToken, refusedStatus }: Target): Promise<void> {
  const a = remote.hrefFor(appointmentEventUid('0a0a0a0a-0000-4000-8000-00000000000a'));
  const b = remote.hrefFor('someone else@example.com');
  expect(a).toBe(`${calendarUrl}tandem-0a0a0a0a-0000-4000-8000-00000000000a-tandem.ics`);
  expect(b).toBe(`${calendarUrl}someone-else-example.com.ics`);

  await remote.put(a, event('a', 'A'), { ifNoneMatch: '*' });
  await remote.put(b, event('someone else@example.com', 'B'), { ifNoneMatch: '*' });
  // A retried create lands on the same href and is refused instead of duplicating.
  expect(await rejection(remote.put(a, event('a', 'A again'), { ifNoneMatch: '*' }))).toBeInstanceOf(RemotePreconditionFailed);

  const initial = await remote.syncCollection(null);
  expect(initial.changed.map((c) => c.href).sort()).toEqual([a, b].sort());
  expect([initial.deleted, initial.truncated]).toEqual([[], false]);

  const missing = `${calendarUrl}missing.ics`;
  const fetched = await remote.multiget([a, b, missing]);
  const byHref = new Map(fetched.map((f) => [f.href, f]));
  expect(byHref.get(a)?.ics).toContain('SUMMARY:A');
  expect(byHref.get(b)?.ics).toContain('SUMMARY:B');
  expect(byHref.get(missing)?.ics ?? null).toBeNull();
  const etagA = byHref.get(a)?.etag ?? (await remote.get(a))?.etag ?? null;
  expect(etagA).not.toBeNull();

  // The same listing with each member's data (a first import's): the same members, and multiget
  // then answers with the same objects — from what came with the listing where the server sent it.
  const withData = await remote.syncCollection(null, { withData: true });
  expect([withData.changed, withData.deleted, withData.truncated]).toEqual([initial.changed, initial.deleted, initial.truncated]);
  expect(await remote.multiget([a, b, missing])).toEqual(fetched);
  remote.releaseListing?.();
  expect(await remote.multiget([a, b, missing])).toEqual(fetched);

  expect(await rejection(remote.put(a, event('a', 'Stale'), { ifMatch: '"not-the-etag"' }))).toBeInstanceOf(RemotePreconditionFailed);
  await remote.put(a, event('a', 'A moved'), { ifMatch: etagA! });
  expect((await remote.get(a))?.ics).toContain('SUMMARY:A moved');

  const current = await remote.get(b);
  await remote.delete(b, current!.etag);
  expect(await remote.get(b)).toBeNull();
  // Gone already: deleting again is done, not an error (the dispatcher treats 404 as done either way).
  await remote.delete(b, null);

  const incremental = await remote.syncCollection(initial.token);
  expect(incremental.changed.map((c) => c.href)).toEqual([a]);
  expect(incremental.deleted).toEqual([b]);
  expect(incremental.token).not.toBe(initial.token);
  const idle = await remote.syncCollection(incremental.token);
  expect([idle.changed, idle.deleted]).toEqual([[], []]);

  expect((await remote.listEtags()).map((e) => e.href)).toEqual([a]);
  const refused = await rejection(remote.syncCollection(refusedToken));
  expect(refused).toBeInstanceOf(RemoteSyncTokenInvalid);
  expect(((refused as RemoteSyncTokenInvalid).cause as CalDavError).status).toBe(refusedStatus);
  // An update of an event that is not there loses its precondition; reading it is just null.
  const never = `${calendarUrl}never-was.ics`;
  expect(await rejection(remote.put(never, event('never-was', 'N'), { ifMatch: '"e1"' }))).toBeInstanceOf(RemotePreconditionFailed);
  expect(await remote.get(never)).toBeNull();

  // An appointment's event as Tandem writes it (ical.js escapes and folds it), with every character
  // TEXT must escape, a line break and long multi-byte lines: the server keeps it and hands back the same values.
  const awkward = {
    uid: appointmentEventUid('0c0c0c0c-0000-4000-8000-00000000000c'),
    title: `Färben, Schneiden; \\ 💇‍♀️ ${'ü'.repeat(40)}`,
    description: `Client: Zoë, "Z"\r\nNotes: short; layered \\ no fringe ${'😀'.repeat(30)}`,
    location: 'Salon Nord, Hauptstraße 5; 2nd floor',
    url: 'https://tandem.example/appointments/0c0c?tab=details&x=1,2',
    start: new Date('2030-03-05T09:00:00Z'),
    end: new Date('2030-03-05T09:45:00Z'),
    timezone: 'Europe/Berlin',
    sequence: 2,
    dtstamp: new Date('2030-03-01T08:00:00Z'),
  };
  const c = remote.hrefFor(awkward.uid);
  await remote.put(c, buildAppointmentEvent(awkward), { ifNoneMatch: '*' });
  const back = (await remote.get(c))!;
  expect(readAppointmentEvent(back.ics)).toEqual({
    uid: awkward.uid,
    summary: awkward.title,
    start: awkward.start,
    end: awkward.end,
    sequence: 2,
  });
  const vevent = parseICalendar(back.ics)[0]!.components.find((component) => component.name === 'vevent')!;
  expect(textValue(vevent, 'description')).toBe(awkward.description.replace('\r\n', '\n'));
  expect(textValue(vevent, 'location')).toBe(awkward.location);
  expect(firstProperty(vevent, 'url')?.values).toEqual([awkward.url]);
  await remote.delete(c, back.etag);
}

describe('CalDAV RemoteCalendar on Radicale', () => {
  let server: Awaited<ReturnType<typeof startRadicale>>;
  const requests: RequestEvent[] = [];
  let target: Target;

  beforeAll(async () => {
    server = await startRadicale();
    const auth = { username: server.username, password: server.password };
    const calendarUrl = `${server.calendarHomeUrl}sync/`;
    await makeCalendar(auth, calendarUrl, { displayName: 'Sync', components: ['VEVENT'] });
    const transport = createTransport({
      credentials: auth,
      scope: scopeForUrl(server.baseUrl),
      allowPrivateNetworks: true,
      onRequest: (e) => requests.push(e),
    });
    target = {
      remote: createCalDavRemoteCalendar({ calendarUrl, transport }),
      calendarUrl,
      refusedToken: 'http://radicale.org/ns/sync/0',
      refusedStatus: 403,
    };
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('syncs, fetches and writes conditionally through the port; refuses an unknown token (403) as RemoteSyncTokenInvalid', () =>
    exercise(target));

  it('takes the objects from a listing with data without asking again; lists without data and multigets where the server refuses it', async () => {
    const auth = { username: server.username, password: server.password };
    const hrefs = [target.remote.hrefFor('listed-1'), target.remote.hrefFor('listed-2')];
    await target.remote.put(hrefs[0]!, event('listed-1', 'Listed 1'), { ifNoneMatch: '*' });
    await target.remote.put(hrefs[1]!, event('listed-2', 'Listed 2'), { ifNoneMatch: '*' });
    requests.length = 0;
    const listed = await target.remote.syncCollection(null, { withData: true });
    const items = await target.remote.multiget(hrefs);
    expect(requests.map((r) => `${r.method} ${r.status}`)).toEqual(['REPORT 207']);
    expect(items.map((i) => i.ics)).toEqual([expect.stringContaining('SUMMARY:Listed 1'), expect.stringContaining('SUMMARY:Listed 2')]);
    target.remote.releaseListing?.();

    // A server that answers a listing with data with 400 (one that will not send data in a
    // sync-collection) gets the listing alone, and the objects come by multiget.
    const refusing: RequestEvent[] = [];
    const transport = createTransport({
      credentials: auth,
      scope: scopeForUrl(server.baseUrl),
      allowPrivateNetworks: true,
      onRequest: (e) => refusing.push(e),
      fetch: async (url, init) =>
        init.body?.includes('sync-collection') && init.body.includes('calendar-data')
          ? new Response('<error>calendar-data is not supported here</error>', { status: 400 })
          : (undiciFetch as unknown as FetchFunction)(url, init),
    });
    const remote = createCalDavRemoteCalendar({ calendarUrl: target.calendarUrl, transport });
    const plain = await remote.syncCollection(null, { withData: true });
    expect(plain.changed).toEqual(listed.changed);
    expect(await remote.multiget(hrefs)).toEqual(items);
    expect(refusing.map((r) => `${r.method} ${r.status}`)).toEqual(['REPORT 400', 'REPORT 207', 'REPORT 207']);
  });

  it('multigets in batches of 500', async () => {
    const hrefs = Array.from({ length: 600 }, (_, i) => target.remote.hrefFor(`batch-${i}`));
    await target.remote.put(hrefs[120]!, event('batch-120', 'Batch'), { ifNoneMatch: '*' });
    requests.length = 0;
    const items = await target.remote.multiget(hrefs);
    expect(requests.map((r) => r.method)).toEqual(['REPORT', 'REPORT']);
    expect(items.filter((i) => i.ics !== null).map((i) => i.href)).toEqual([hrefs[120]]);
  });
});

describe('CalDAV RemoteCalendar on Xandikos', () => {
  let server: Awaited<ReturnType<typeof startXandikos>>;

  beforeAll(async () => {
    server = await startXandikos();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('syncs, fetches and writes conditionally through the port; refuses an unknown token (500) as RemoteSyncTokenInvalid', async () => {
    const transport = createTransport({
      credentials: { username: server.username, password: server.password },
      scope: scopeForUrl(server.baseUrl),
      allowPrivateNetworks: true,
    });
    await exercise({
      remote: createCalDavRemoteCalendar({ calendarUrl: server.defaultCalendarUrl, transport }),
      calendarUrl: server.defaultCalendarUrl,
      refusedToken: 'no-such-token',
      refusedStatus: 500,
    });
  });
});

describe('CalDAV RemoteCalendar on the iCloud emulator', () => {
  let icloud: ICloudEmulator;
  let remote: RemoteCalendar;

  beforeAll(async () => {
    icloud = await startICloudEmulator();
    const transport = createTransport({
      credentials: { username: icloud.appleId, password: icloud.appPassword },
      scope: icloud.credentialScope,
      allowPrivateNetworks: true,
    });
    remote = createCalDavRemoteCalendar({ calendarUrl: icloud.calendarUrls.work, transport });
  });
  afterAll(async () => {
    await icloud?.stop();
  });

  it('syncs, fetches and writes conditionally through the port; refuses a stale token as RemoteSyncTokenInvalid', () =>
    exercise({ remote, calendarUrl: icloud.calendarUrls.work, refusedToken: 'HwoQEgwAAbogus', refusedStatus: 403 }));

  it('a revoked password (401) and a refusal (403) are RemoteAccessDenied; 503 is RemoteUnavailable with Retry-After', async () => {
    try {
      icloud.setFault({ kind: 'unauthorized' });
      expect(await rejection(remote.syncCollection(null))).toBeInstanceOf(RemoteAccessDenied);
      expect(await rejection(remote.put(remote.hrefFor('x'), event('x', 'X'), { ifNoneMatch: '*' }))).toBeInstanceOf(RemoteAccessDenied);
      icloud.setFault({ kind: 'forbidden' });
      expect(await rejection(remote.listEtags())).toBeInstanceOf(RemoteAccessDenied);
      icloud.setFault({ kind: 'unavailable', retryAfterSeconds: 120 });
      const busy = await rejection(remote.multiget([remote.hrefFor('x')]));
      expect(busy).toBeInstanceOf(RemoteUnavailable);
      expect((busy as RemoteUnavailable).retryAfterMs).toBe(120_000);
      expect(await rejection(remote.get(remote.hrefFor('x')))).toBeInstanceOf(RemoteUnavailable);
    } finally {
      icloud.setFault({ kind: 'none' });
    }
    expect(await remote.get(remote.hrefFor('x'))).toBeNull();
  });
});

describe('CalDAV RemoteCalendar error table', () => {
  const expected: Record<CalDavErrorKind, new (...args: never[]) => Error> = {
    sync_token_invalid: RemoteSyncTokenInvalid,
    precondition_failed: RemotePreconditionFailed,
    not_found: RemoteNotFound,
    unauthorized: RemoteAccessDenied,
    forbidden: RemoteAccessDenied,
    blocked_address: RemoteRefused,
    cross_origin: RemoteRefused,
    refused_response: RemoteRefused,
    rate_limited: RemoteUnavailable,
    server_error: RemoteUnavailable,
    network: RemoteUnavailable,
    timeout: RemoteUnavailable,
    invalid_response: RemoteUnavailable,
    insufficient_storage: RemoteUnavailable,
  };
  it.each(Object.entries(expected))('%s → %o', (kind, errorClass) => {
    const error = remoteError(
      new CalDavError({ kind: kind as CalDavErrorKind, message: 'm', url: 'https://x.example/c/e.ics', retryAfterMs: 5_000 }),
      'https://x.example/c/e.ics',
    );
    expect(error).toBeInstanceOf(errorClass);
    expect((error as RemoteNotFound).href).toBe('https://x.example/c/e.ics');
    if (error instanceof RemoteUnavailable) expect(error.retryAfterMs).toBe(5_000);
    // Every one carries the classifier's verdict, so the jobs and the dispatcher word it the same way.
    expect((error as RemoteNotFound).failure?.code).toMatch(/^caldav_/);
  });
});
