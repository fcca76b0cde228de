/**
 * Issue 7.3/7.4 on real parts: Radicale serving a hostile calendar, the PostgreSQL store (PGlite),
 * the worker-thread parser. Busy time is exact over the whole window whatever an event's frequency,
 * and whatever cannot be imported is visible on the calendar (sync status lastError), never silent.
 *
 * Radicale refuses to store an object with a broken VEVENT or one nested 10,000 deep (400 on PUT, and
 * written into its storage directly it answers 500 for the whole collection), yet other servers do
 * serve such data. So those two are stored as valid placeholders — listed, versioned and fetched from
 * Radicale like the rest — and their text is swapped for the hostile one as it arrives.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport } from '../../../src/caldav/index.ts';
import { scopeForUrl } from '../../../src/caldav/credential-scope.ts';
import type { Interval } from '../../../src/domain/interval.ts';
import { createCalDavRemoteCalendar } from '../../../src/services/sync/caldav-remote-calendar.ts';
import { getSyncStatus } from '../../../src/services/sync/get-sync-status.ts';
import { icalEventCodec } from '../../../src/services/sync/ical-codec.ts';
import { createParsePool, type ParsePool } from '../../../src/services/sync/parse-pool.ts';
import type { RemoteCalendar } from '../../../src/domain/sync/ports.ts';
import { syncCalendar } from '../../../src/services/sync/sync-calendar.ts';
import { DEFAULT_SYNC_LIMITS, type SyncLimits } from '../../../src/services/sync/sync-limits.ts';
import type { DatabaseHandle } from '../../../src/store/database.ts';
import { importedBusyFromStore } from '../../../src/store/imported-busy.ts';
import { createSyncStore } from '../../../src/store/sync-store.ts';
import { recordAppointmentNotice } from '../../../src/services/notifications/record-appointment-notice.ts';
import { recordConnectionNotice } from '../../../src/services/notifications/record-connection-notice.ts';
import { makeCalendar, putEvent, type DavAuth } from '../../support/caldav-fixtures.ts';
import { createTestDatabase } from '../../support/db.ts';
import { startRadicale } from '../../support/radicale.ts';
import { seedRemoteCalendar, seedUser, seedWorkspace } from '../../support/seed-rows.ts';
import { PUBLIC_URL } from './support/store-fixture.ts';

const DAY = 86_400_000;
const NOW = new Date('2026-12-06T12:00:00Z');
const WINDOW = { pastDays: 30, futureDays: 400 };
const windowStart = NOW.getTime() - WINDOW.pastDays * DAY;
const windowEnd = NOW.getTime() + WINDOW.futureDays * DAY;

const calendar = (...events: string[]): string =>
  `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Tandem tests//EN\r\n${events.join('')}END:VCALENDAR\r\n`;
const vevent = (...lines: string[]): string => `BEGIN:VEVENT\r\nDTSTAMP:20261101T000000Z\r\n${lines.join('\r\n')}\r\nEND:VEVENT\r\n`;

const seriesMaster = vevent(
  'UID:sibling-series',
  'SUMMARY:Stand-up',
  'DTSTART:20261207T090000Z',
  'DTEND:20261207T093000Z',
  'RRULE:FREQ=DAILY;COUNT=3',
);
const OBJECTS: Record<string, string> = {
  // 35 days back, no COUNT: 22,080 half-hours in the window, each touching the next.
  'dense.ics': calendar(
    vevent('UID:dense', 'SUMMARY:Always busy', 'DTSTART:20261101T000000Z', 'DURATION:PT30M', 'RRULE:FREQ=MINUTELY;INTERVAL=30'),
  ),
  // The same rhythm with gaps: every instance is a block of its own.
  'gaps.ics': calendar(
    vevent('UID:gaps', 'SUMMARY:Quarter past', 'DTSTART:20261101T001500Z', 'DURATION:PT10M', 'RRULE:FREQ=MINUTELY;INTERVAL=30'),
  ),
  // 66,000 ten-minute slots with gaps: more than the cap of this test (25,000).
  'capped.ics': calendar(
    vevent('UID:capped', 'SUMMARY:Ticker', 'DTSTART:20261101T000500Z', 'DURATION:PT1M', 'RRULE:FREQ=MINUTELY;INTERVAL=10'),
  ),
  'spring.ics': calendar(
    vevent(
      'UID:spring',
      'SUMMARY:Night shift',
      'DTSTART;TZID=America/New_York:20270314T000000',
      'DURATION:PT1H',
      'RRULE:FREQ=HOURLY;COUNT=5',
    ),
  ),
  'sibling.ics': calendar(seriesMaster),
  'deep.ics': calendar(vevent('UID:deep', 'DTSTART:20261210T100000Z', 'DTEND:20261210T110000Z')),
  'big.ics': calendar(vevent('UID:big', 'DTSTART:20261211T100000Z', 'DTEND:20261211T110000Z', `DESCRIPTION:${'x'.repeat(3_000_000)}`)),
  'plain.ics': calendar(vevent('UID:plain', 'SUMMARY:Dentist', 'DTSTART:20261212T100000Z', 'DTEND:20261212T110000Z')),
};
/** What Radicale would not store (see the header), as it is served instead of the placeholder. */
const SERVED_INSTEAD: Record<string, string> = {
  'sibling.ics': calendar(
    seriesMaster,
    vevent('UID:sibling-series', 'RECURRENCE-ID:20261208T090000Z', 'DTSTART:20261208T150000Z', 'DTEND:20261208T153000Z', 'RRULE:FREQ=FOO'),
  ),
  'deep.ics': calendar(
    vevent(
      'UID:deep',
      'DTSTART:20261210T100000Z',
      'DTEND:20261210T110000Z',
      `${'BEGIN:X-NEST\r\n'.repeat(10_000)}${'END:X-NEST\r\n'.repeat(10_000).trimEnd()}`,
    ),
  ),
};

function servingInstead(remote: RemoteCalendar, substitutes: Record<string, string>): RemoteCalendar {
  const swap = (href: string, ics: string | null): string | null => {
    const name = href.split('/').pop() ?? '';
    return ics !== null && substitutes[name] !== undefined ? substitutes[name] : ics;
  };
  return {
    ...remote,
    multiget: async (hrefs) => (await remote.multiget(hrefs)).map((answer) => ({ ...answer, ics: swap(answer.href, answer.ics) })),
  };
}

/** The union of intervals, sorted and merged: what a slot engine sees as busy. */
function union(intervals: readonly Interval[]): Interval[] {
  const out: Interval[] = [];
  for (const interval of [...intervals].sort((a, b) => a.start - b.start)) {
    const last = out.at(-1);
    if (last && interval.start <= last.end) last.end = Math.max(last.end, interval.end);
    else out.push({ ...interval });
  }
  return out;
}

describe('a hostile calendar on Radicale', () => {
  let server: Awaited<ReturnType<typeof startRadicale>>;
  let database: DatabaseHandle;
  let pool: ParsePool;
  let ids: { workspaceId: string; userId: string };
  const auth = (): DavAuth => ({ username: server.username, password: server.password });

  beforeAll(async () => {
    server = await startRadicale();
    database = await createTestDatabase('pglite');
    pool = createParsePool({ threads: 1 });
    const workspaceId = await seedWorkspace(database.db);
    ids = { workspaceId, userId: await seedUser(database.db, workspaceId, { timezone: 'UTC' }) };
  }, 60_000);
  afterAll(async () => {
    await pool?.close();
    await database?.close();
    await server?.stop();
  });

  /** A calendar on Radicale holding `objects`, configured for the user, synced once through the product's sync. */
  async function syncedCalendar(name: string, objects: Record<string, string>, limits: SyncLimits): Promise<string> {
    const url = `${server.calendarHomeUrl}${name}/`;
    await makeCalendar(auth(), url, { displayName: name });
    for (const [file, ics] of Object.entries(objects)) expect((await putEvent(auth(), `${url}${file}`, ics)).status).toBe(201);
    const calendarId = await seedRemoteCalendar(database.db, { workspaceId: ids.workspaceId, userId: ids.userId, url, role: 'conflict' });
    const remote = servingInstead(
      createCalDavRemoteCalendar({
        calendarUrl: url,
        transport: createTransport({ credentials: auth(), scope: scopeForUrl(url), allowPrivateNetworks: true }),
      }),
      SERVED_INSTEAD,
    );
    const store = createSyncStore(database.db, {
      publicUrl: PUBLIC_URL,
      now: () => NOW,
      recordNotice: recordAppointmentNotice,
      recordConnectionNotice,
    });
    await syncCalendar(
      {
        db: database.db,
        store,
        openRemote: async () => remote,
        codec: icalEventCodec,
        window: WINDOW,
        now: () => NOW,
        limits,
        parser: pool.parser,
      },
      { calendarId, mode: 'incremental' },
    );
    return calendarId;
  }

  const itemOf = (calendarId: string, uid: string) =>
    database.db
      .selectFrom('remote_items')
      .select(['id', 'kind', 'error', 'error_code'])
      .where('remote_calendar_id', '=', calendarId)
      .where('uid', '=', uid)
      .executeTakeFirstOrThrow();
  const rowsOf = (itemId: string) =>
    database.db
      .selectFrom('imported_occurrences')
      .select(['start_at', 'end_at', 'occurrences'])
      .where('remote_item_id', '=', itemId)
      .orderBy('start_at')
      .execute();
  const status = async (calendarId: string) => {
    const [entry] = await getSyncStatus(
      { db: database.db, now: () => NOW, publicUrl: PUBLIC_URL },
      { actor: { workspaceId: ids.workspaceId, userId: ids.userId, role: 'owner' }, calendarId },
    );
    return entry!;
  };

  let calendarId = '';
  it('syncs the calendar: every object is imported or recorded with its code, the rest is unaffected', async () => {
    calendarId = await syncedCalendar('hostile', OBJECTS, { ...DEFAULT_SYNC_LIMITS, maxOccurrencesPerObject: 25_000 });
    const items = await database.db
      .selectFrom('remote_items')
      .select(['uid', 'kind', 'error_code'])
      .where('remote_calendar_id', '=', calendarId)
      .orderBy('href')
      .execute();
    expect(items).toHaveLength(Object.keys(OBJECTS).length);
    const byUid = Object.fromEntries(items.map((item) => [item.uid ?? '(none)', [item.kind, item.error_code]]));
    expect(byUid).toMatchObject({
      dense: ['imported', null],
      gaps: ['imported', null],
      capped: ['imported', 'ical_occurrences_capped'],
      spring: ['imported', null],
      'sibling-series': ['imported', 'ical_event_skipped'],
      deep: ['unreadable', 'ical_too_deep'],
      plain: ['imported', null],
    });
    // Too large to read, so not even its UID is known.
    expect(byUid['(none)']).toEqual(['unreadable', 'ical_object_too_large']);
  }, 180_000);

  it('a dense series blocks the whole window, stored as one merged range', async () => {
    const rows = await rowsOf((await itemOf(calendarId, 'dense')).id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.start_at.getTime()).toBeLessThanOrEqual(windowStart);
    expect(rows[0]!.end_at.getTime()).toBeGreaterThanOrEqual(windowEnd);
    const busy = union(
      (await importedBusyFromStore().importedBusy(database.db, [ids.userId], { start: windowStart, end: windowEnd })).get(ids.userId) ?? [],
    );
    expect(busy.some((range) => range.start <= windowStart && range.end >= windowEnd)).toBe(true);
  });

  it('a series with gaps keeps each block separate, to the end of the window', async () => {
    const rows = await rowsOf((await itemOf(calendarId, 'gaps')).id);
    expect(rows.every((row) => row.end_at.getTime() - row.start_at.getTime() === 10 * 60_000 && row.occurrences === 1)).toBe(true);
    // Two a hour, from the first half-hour of the window to its last (far past 73 days ahead).
    expect(rows[0]!.start_at.getTime()).toBeLessThanOrEqual(windowStart + 30 * 60_000);
    expect(rows.at(-1)!.start_at.getTime()).toBeGreaterThanOrEqual(windowEnd - 30 * 60_000);
    expect(rows.length).toBeGreaterThanOrEqual(2 * 24 * (WINDOW.pastDays + WINDOW.futureDays));
  });

  it('a series over the cap keeps its earliest occurrences and says which busy time is missing', async () => {
    const item = await itemOf(calendarId, 'capped');
    expect(await rowsOf(item.id)).toHaveLength(25_000);
    expect(item.error).toMatch(/more than 25000 occurrences .* busy time after 20\d\d-\d\d-\d\dT[\d:.]+Z is missing/);
  });

  it('the spring-forward hour yields one occurrence per instant', async () => {
    const rows = await rowsOf((await itemOf(calendarId, 'spring')).id);
    const starts = rows.map((row) => row.start_at.toISOString());
    expect(starts).toEqual([
      '2027-03-14T05:00:00.000Z',
      '2027-03-14T06:00:00.000Z',
      '2027-03-14T07:00:00.000Z',
      '2027-03-14T08:00:00.000Z',
    ]);
  });

  it('a broken VEVENT costs only itself: the series it belongs to still blocks', async () => {
    const item = await itemOf(calendarId, 'sibling-series');
    expect(item.error).toContain('invalid frequency "FOO"');
    expect((await rowsOf(item.id)).map((row) => row.start_at.toISOString())).toEqual([
      '2026-12-07T09:00:00.000Z',
      '2026-12-08T09:00:00.000Z',
      '2026-12-09T09:00:00.000Z',
    ]);
    expect(await rowsOf((await itemOf(calendarId, 'plain')).id)).toHaveLength(1);
  });

  it('the calendar shows what it could not import: lastError with a stable code, counting every kind', async () => {
    const entry = await status(calendarId);
    expect(entry.lastError?.code).toBe('ical_object_too_large');
    expect(entry.lastError?.message).toMatch(/^4 events in this calendar could not be imported in full/);
    for (const code of ['ical_object_too_large', 'ical_too_deep', 'ical_occurrences_capped', 'ical_event_skipped'])
      expect(entry.lastError?.message).toContain(`1 ${code}`);
  });

  it('a calendar over the item cap imports up to the cap and says so', async () => {
    const many = Object.fromEntries(
      Array.from({ length: 5 }, (_, i) => [
        `e${i}.ics`,
        calendar(vevent(`UID:many-${i}`, `DTSTART:2026120${i + 1}T100000Z`, `DTEND:2026120${i + 1}T110000Z`)),
      ]),
    );
    const id = await syncedCalendar('many', many, { ...DEFAULT_SYNC_LIMITS, maxItemsPerCalendar: 3 });
    const items = await database.db.selectFrom('remote_items').select('uid').where('remote_calendar_id', '=', id).execute();
    expect(items).toHaveLength(3);
    const entry = await status(id);
    expect(entry.lastError).toEqual({
      code: 'calendar_too_many_items',
      message: expect.stringContaining('2 were not imported and block no time'),
    });
  }, 60_000);
});
