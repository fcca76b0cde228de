import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { InboundAction } from '../../../src/domain/sync/inbound-actions.ts';
import type { ImportedOccurrence, ItemOccurrences, SavedItem } from '../../../src/domain/sync/types.ts';
import type { InvitationState } from '../../../src/domain/invitations.ts';
import { packOccurrenceRows } from '../../../src/store/sync-store/occurrence-rows.ts';
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

/** A calendar's stored occurrences in the order written, each with its item's href. */
async function storedOccurrences(
  database: Awaited<ReturnType<typeof createTestDatabase>>,
  calendarId: string,
): Promise<{ href: string; occurrence: ImportedOccurrence }[]> {
  const { rows } = await sql<{
    href: string;
    recurrence_id: string | null;
    start_ms: number;
    end_ms: number;
    all_day: boolean;
    blocks: boolean;
    invitation: InvitationState | null;
    summary: string;
    status: string | null;
    occurrences: number;
  }>`
    select i.href, o.recurrence_id, round(date_part('epoch', o.start_at) * 1000) as start_ms, round(date_part('epoch', o.end_at) * 1000) as end_ms,
      o.all_day, o.blocks, o.invitation, o.summary, o.status, o.occurrences
    from imported_occurrences o join remote_items i on i.id = o.remote_item_id
    where o.remote_calendar_id = ${calendarId}::uuid order by o.id`.execute(database.db);
  return rows.map((r) => ({
    href: r.href,
    occurrence: {
      recurrenceId: r.recurrence_id,
      start: new Date(Number(r.start_ms)),
      end: new Date(Number(r.end_ms)),
      allDay: r.all_day,
      blocks: r.blocks,
      summary: r.summary,
      status: r.status,
      ...(r.invitation !== null && { invitation: r.invitation }),
      ...(Number(r.occurrences) > 1 && { occurrences: Number(r.occurrences) }),
    },
  }));
}

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

    expect((await storedOccurrences(database, calendarId)).map((row) => row.occurrence)).toEqual(OCCURRENCES);
  });
  it('occurrences packed by a parse thread are written as the same rows, mixed with listed ones, whatever items a batch takes', async () => {
    const store = createSyncStore(database.db, {
      publicUrl: 'http://tandem.example/',
      now: () => new Date(),
      recordNotice: async () => undefined,
      recordConnectionNotice: async () => undefined,
    });
    const workspaceId = await seedWorkspace(database.db);
    const userId = await seedUser(database.db, workspaceId);
    const packedCalendar = await seedRemoteCalendar(database.db, {
      workspaceId,
      userId,
      url: 'https://caldav.example/u/packed/',
      role: 'conflict',
    });
    // One block of three items, as a parse thread posts it (structured clone keeps the items' shared block).
    const [first, empty, last] = structuredClone(packOccurrenceRows([OCCURRENCES.slice(0, 2), [], OCCURRENCES.slice(2)]));
    const expandedUntil = new Date('2028-01-31T23:59:59.999Z');
    const importItem = (href: string, occurrences: ItemOccurrences): InboundAction => ({
      type: 'ImportItem',
      href,
      etag: `"${href}"`,
      contentHash: href,
      uid: href,
      occurrences,
      expandedUntil,
      reason: 'new',
    });
    // The block's first and last items in one batch (its middle one left out), with a listed item between them.
    await store.applyInboundBatch({
      calendarId: packedCalendar,
      actions: [importItem('x.ics', first!), importItem('y.ics', OCCURRENCES.slice(1, 4)), importItem('z.ics', last!)],
    });
    await store.applyInboundBatch({ calendarId: packedCalendar, actions: [importItem('w.ics', empty!)] });
    // Replacing an item's occurrences with packed ones: the old rows go.
    const [again] = packOccurrenceRows([OCCURRENCES.slice(4)]);
    await store.applyInboundBatch({
      calendarId: packedCalendar,
      actions: [
        {
          type: 'UpdateImportedItem',
          href: 'y.ics',
          etag: '"y2"',
          contentHash: 'y2',
          uid: 'y.ics',
          occurrences: again!,
          expandedUntil,
          reason: 'changed',
        },
      ],
    });

    const byHref = new Map<string, ImportedOccurrence[]>();
    for (const { href, occurrence } of await storedOccurrences(database, packedCalendar))
      byHref.set(href, [...(byHref.get(href) ?? []), occurrence]);
    expect(Object.fromEntries(byHref)).toEqual({
      'x.ics': OCCURRENCES.slice(0, 2),
      'y.ics': OCCURRENCES.slice(4),
      'z.ics': OCCURRENCES.slice(2),
    });
    expect((await store.loadSavedItems(packedCalendar)).map((item) => item.href).sort()).toEqual(['w.ics', 'x.ics', 'y.ics', 'z.ics']);
  });
});
