import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { InboundAction } from '../../../src/domain/sync/inbound-actions.ts';
import type { ImportedOccurrence, SavedItem } from '../../../src/domain/sync/types.ts';
import { createSyncStore } from '../../../src/store/sync-store.ts';
import { createTestDatabase, databaseKinds } from '../../support/db.ts';
import { seedRemoteCalendar, seedUser, seedWorkspace } from '../../support/seed-rows.ts';

/** Every column a first import writes, with the values an array literal could get wrong. */
const OCCURRENCES: ImportedOccurrence[] = [
  {
    recurrenceId: null,
    start: new Date('2026-12-07T09:00:00.123Z'),
    end: new Date('2026-12-07T10:00:00.999Z'),
    allDay: false,
    blocks: true,
    summary: 'plain',
    status: null,
  },
  {
    recurrenceId: '20261208',
    start: new Date('2026-12-08T00:00:00Z'),
    end: new Date('2026-12-09T00:00:00Z'),
    allDay: true,
    blocks: false,
    summary: '',
    status: 'CONFIRMED',
  },
  // Zero-length, and a summary of the characters a literal must quote: quotes, backslash, braces, comma, NULL.
  {
    recurrenceId: 'NULL',
    start: new Date('2026-12-09T12:00:00Z'),
    end: new Date('2026-12-09T12:00:00Z'),
    allDay: false,
    blocks: true,
    summary: 'NULL',
    status: 'TENTATIVE',
    invitation: 'needs-action',
  },
  {
    recurrenceId: '{a,b}',
    start: new Date('1969-12-31T23:59:59.001Z'),
    end: new Date('2400-01-01T00:00:00Z'),
    allDay: false,
    blocks: true,
    summary: 'say "hi" \\ {x}, y\nnext\tline',
    status: null,
    invitation: 'tentative',
  },
  // A merged run of a dense series.
  {
    recurrenceId: '20261210T080000Z',
    start: new Date('2026-12-10T08:00:00Z'),
    end: new Date('2026-12-10T18:00:00Z'),
    allDay: false,
    blocks: true,
    summary: 'émoji 🗓️',
    status: null,
    occurrences: 120,
  },
];

describe.each(databaseKinds)('a first import writes every column as given on %s', (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let calendarId: string;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const workspaceId = await seedWorkspace(database.db);
    const userId = await seedUser(database.db, workspaceId);
    calendarId = await seedRemoteCalendar(database.db, { workspaceId, userId, url: 'https://caldav.example/u/cal/', role: 'conflict' });
  });
  afterAll(async () => {
    await database.close();
  });

  it('items and occurrences read back exactly, odd text, instants to the millisecond and nulls included', async () => {
    const store = createSyncStore(database.db, {
      publicUrl: 'http://tandem.example/',
      now: () => new Date(),
      recordNotice: async () => undefined,
      recordConnectionNotice: async () => undefined,
    });
    const expandedUntil = new Date('2028-01-31T23:59:59.999Z');
    const oddHref = 'https://caldav.example/u/cal/a "quoted", {odd} \\ one.ics';
    const actions: InboundAction[] = [
      {
        type: 'ImportItem',
        href: oddHref,
        etag: '"e,1"',
        contentHash: 'NULL',
        uid: 'uid-1',
        occurrences: OCCURRENCES,
        expandedUntil,
        reason: 'new',
      },
      {
        type: 'ImportItem',
        href: 'https://caldav.example/u/cal/b.ics',
        etag: null,
        contentHash: '',
        uid: null,
        occurrences: [],
        expandedUntil,
        problem: { code: 'ical_event_skipped', message: 'a "VEVENT" skipped' },
        reason: 'new',
      },
      {
        type: 'RecordUnreadableItem',
        href: 'https://caldav.example/u/cal/c.ics',
        etag: '"c"',
        contentHash: null,
        uid: null,
        error: 'bad {x}',
        errorCode: 'ical_unreadable',
        reason: 'bad',
      },
    ];
    await store.applyInboundBatch({ calendarId, actions });

    const items = (await store.loadSavedItems(calendarId)).sort((a, b) => a.href.localeCompare(b.href));
    expect(items).toEqual<SavedItem[]>([
      { href: oddHref, etag: '"e,1"', contentHash: 'NULL', uid: 'uid-1', kind: 'imported', expandedUntil, error: null },
      {
        href: 'https://caldav.example/u/cal/b.ics',
        etag: null,
        contentHash: '',
        uid: null,
        kind: 'imported',
        expandedUntil,
        error: 'a "VEVENT" skipped',
        errorCode: 'ical_event_skipped',
      },
      {
        href: 'https://caldav.example/u/cal/c.ics',
        etag: '"c"',
        contentHash: null,
        uid: null,
        kind: 'unreadable',
        expandedUntil: null,
        error: 'bad {x}',
        errorCode: 'ical_unreadable',
      },
    ]);

    const { rows } = await sql<{
      recurrence_id: string | null;
      start_ms: number;
      end_ms: number;
      all_day: boolean;
      blocks: boolean;
      invitation: string | null;
      summary: string;
      status: string | null;
      occurrences: number;
    }>`
      select recurrence_id, round(date_part('epoch', start_at) * 1000) as start_ms, round(date_part('epoch', end_at) * 1000) as end_ms,
        all_day, blocks, invitation, summary, status, occurrences
      from imported_occurrences where remote_calendar_id = ${calendarId}::uuid order by id`.execute(database.db);
    expect(
      rows.map((r) => ({
        recurrenceId: r.recurrence_id,
        start: new Date(Number(r.start_ms)),
        end: new Date(Number(r.end_ms)),
        allDay: r.all_day,
        blocks: r.blocks,
        summary: r.summary,
        status: r.status,
        ...(r.invitation !== null && { invitation: r.invitation }),
        ...(Number(r.occurrences) > 1 && { occurrences: Number(r.occurrences) }),
      })),
    ).toEqual(OCCURRENCES);
  });
});
