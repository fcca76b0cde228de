/**
 * The PostgreSQL SyncStore: the shared contract (sync-store-contract.ts) on PGlite and on real
 * PostgreSQL, then what only a database shows — the booking tables an iCloud edit touches, the
 * exclusion constraint it must not trip, atomicity on a failing statement, and concurrent claims.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { InboundAction } from '../../../src/domain/sync/inbound-actions.ts';
import type { RemoteLink } from '../../../src/domain/sync/types.ts';
import { desiredSnapshot } from '../../../src/domain/sync/desired-event.ts';
import { importedBusyFromStore } from '../../../src/store/imported-busy.ts';
import { createSyncStore } from '../../../src/store/sync-store.ts';
import { recordAppointmentNotice } from '../../../src/services/notifications/record-appointment-notice.ts';
import { recordConnectionNotice } from '../../../src/services/notifications/record-connection-notice.ts';
import { readLink } from '../../../src/store/sync-store/links.ts';
import type { SyncStore } from '../../../src/domain/sync/ports.ts';
import { createTestDatabase, databaseKinds, type DatabaseKind } from '../../support/db.ts';
import { describeSyncStoreContract } from '../../unit/sync/sync-store-contract.ts';
import { bookAppointment, seedRemoteCalendar } from '../../support/seed-rows.ts';
import { createStoreFixture, PUBLIC_URL, seedContractWorld, type SeededWorld } from './support/store-fixture.ts';

for (const kind of databaseKinds) describeSyncStoreContract(`PostgreSQL store on ${kind}`, () => createStoreFixture(kind));

const at = (hour: number): Date => new Date(Date.UTC(2030, 2, 4, 9) + hour * 3_600_000);
const clock = { now: new Date('2030-03-01T08:00:00Z') };

describe.each(databaseKinds)('PostgreSQL store on %s: the booking side of sync', (kind: DatabaseKind) => {
  let close: (() => Promise<void>) | null = null;
  afterEach(async () => {
    await close?.();
    close = null;
  });

  async function setUp(booking: { bufferBeforeMin?: number; bufferAfterMin?: number } = {}): Promise<SeededWorld & { store: SyncStore }> {
    const database = await createTestDatabase(kind);
    close = () => database.close();
    const world = await seedContractWorld(database.db, booking);
    return {
      ...world,
      store: createSyncStore(database.db, {
        publicUrl: `${PUBLIC_URL}/`,
        now: () => clock.now,
        recordNotice: recordAppointmentNotice,
        recordConnectionNotice,
      }),
    };
  }

  /** Books, claims and records a written event for u1, as the dispatcher would; returns the link. */
  async function linked(
    w: SeededWorld & { store: SyncStore },
    input: { start: Date; end: Date; userIds?: string[]; title?: string },
  ): Promise<{ id: string; link: RemoteLink }> {
    const id = await bookAppointment(w.db, {
      workspaceId: w.workspaceId,
      calendar: w.booking,
      userIds: input.userIds ?? [w.u1],
      start: input.start,
      end: input.end,
      title: input.title ?? 'Consultation with Ann',
    });
    const rows = await w.store.claimOutboxRows({ now: clock.now, limit: 10, leaseMs: 60_000 });
    const mine = rows.find((r) => r.appointmentId === id && r.userId === w.u1)!;
    const target = await w.store.loadOutboundTarget(mine);
    const link: RemoteLink = {
      appointmentId: id,
      userId: w.u1,
      calendarId: w.calPrimary,
      href: `https://caldav.example/u1/primary/tandem-${id}.ics`,
      etag: '"w1"',
      written: desiredSnapshot(target.appointment!),
      sequence: 0,
      removedRemotely: false,
      createPending: false,
      pendingWrites: [],
    };
    for (const row of rows) await w.store.finishOutboxRow({ row, result: { status: 'done' }, ...(row === mine ? { link } : {}) });
    return { id, link };
  }

  function moveAction(link: RemoteLink, version: string, start: Date, end: Date, overlap: string[] = []): InboundAction {
    return {
      type: 'UpdateAppointmentFromRemote',
      href: link.href,
      etag: '"w2"',
      contentHash: 'h2',
      uid: `tandem-${link.appointmentId}@tandem`,
      appointmentId: link.appointmentId,
      userId: link.userId,
      expectedVersion: version,
      start,
      end,
      title: 'Moved in iCloud',
      overlapFlagged: overlap.length > 0,
      overlapsWith: overlap,
      link: {
        appointmentId: link.appointmentId,
        userId: link.userId,
        expectedEtag: link.etag,
        etag: '"w2"',
        written: { start, end, title: 'Moved in iCloud', detailsHash: link.written.detailsHash },
      },
      reason: 'test',
    };
  }

  it('builds the outbound event: contact details, link back, location, the assignee zone, confirmed assignees', async () => {
    const w = await setUp();
    await w.db.updateTable('users').set({ timezone: 'America/New_York' }).where('id', '=', w.u2).execute();
    await w.db.updateTable('booking_calendars').set({ location: 'Studio 4' }).where('id', '=', w.booking.id).execute();
    const id = await bookAppointment(w.db, {
      workspaceId: w.workspaceId,
      calendar: w.booking,
      userIds: [w.u1, w.u2],
      start: at(0),
      end: at(1),
      title: 'Consultation with Ann Lee',
      contact: { name: 'Ann Lee', email: 'ann@example.test', phone: '+44 20 7946 0000' },
    });
    const rows = await w.store.claimOutboxRows({ now: clock.now, limit: 10, leaseMs: 60_000 });
    expect(rows.map((r) => r.op)).toEqual(['upsert', 'upsert']);
    const forU2 = await w.store.loadOutboundTarget(rows.find((r) => r.userId === w.u2)!);
    expect(forU2.primaryCalendarId).toBe(w.calU2);
    expect(forU2.link).toBeNull();
    expect(forU2.appointment).toMatchObject({
      id,
      version: '1',
      status: 'confirmed',
      start: at(0),
      end: at(1),
      title: 'Consultation with Ann Lee',
      location: 'Studio 4',
      url: `${PUBLIC_URL}/appointments/${id}`,
      timezone: 'America/New_York',
      writesToCalendar: true,
    });
    expect([...forU2.appointment!.assignedUserIds].sort()).toEqual([w.u1, w.u2].sort());
    expect(forU2.appointment!.description).toBe(
      `Ann Lee\nann@example.test\n+44 20 7946 0000\n\nOpen in Tandem: ${PUBLIC_URL}/appointments/${id}`,
    );

    // A cancelled assignment is not an assignee any more; a Simple calendar is never written.
    await w.db.updateTable('appointment_assignees').set({ status: 'cancelled' }).where('user_id', '=', w.u2).execute();
    await w.db.updateTable('booking_calendars').set({ type: 'simple' }).where('id', '=', w.booking.id).execute();
    expect((await w.store.loadOutboundTarget(rows[0]!)).appointment).toMatchObject({ assignedUserIds: [w.u1], writesToCalendar: false });
    expect(await w.store.loadOutboundTarget({ ...rows[0]!, appointmentId: '00000000-0000-4000-8000-000000000000' })).toMatchObject({
      appointment: null,
      link: null,
    });
  });

  it('an iCloud move: appointment, padded assignments, history, removed-from-iCloud flag', async () => {
    const w = await setUp({ bufferBeforeMin: 15, bufferAfterMin: 10 });
    const { id, link } = await linked(w, { start: at(0), end: at(1) });
    const [before] = await w.store.loadLinkedAppointments(w.u1, [id]);
    await w.store.applyInboundBatch({ calendarId: w.calPrimary, actions: [moveAction(link, before!.appointment.version, at(5), at(6))] });

    const appointment = await w.db.selectFrom('appointments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(appointment).toMatchObject({
      start_at: at(5),
      end_at: at(6),
      title: 'Moved in iCloud',
      version: 2,
      overlap_flagged: false,
      removed_from_remote: false,
    });
    const during = await sql<{
      lower: Date;
      upper: Date;
      overlap_allowed: boolean;
    }>`select lower(during), upper(during), overlap_allowed from appointment_assignees where appointment_id = ${id}`.execute(w.db);
    expect(during.rows).toEqual([
      { lower: new Date(at(5).getTime() - 15 * 60_000), upper: new Date(at(6).getTime() + 10 * 60_000), overlap_allowed: false },
    ]);
    const history = await w.db.selectFrom('appointment_history').select(['kind', 'details']).where('appointment_id', '=', id).execute();
    expect(history).toEqual([
      {
        kind: 'moved_in_icloud',
        details: {
          userId: w.u1,
          old: { start: at(0).toISOString(), end: at(1).toISOString(), title: 'Consultation with Ann' },
          new: { start: at(5).toISOString(), end: at(6).toISOString(), title: 'Moved in iCloud' },
          overlapFlagged: false,
          overlapsWith: [],
        },
      },
    ]);

    await w.store.applyInboundBatch({
      calendarId: w.calPrimary,
      actions: [
        {
          type: 'MarkAppointmentRemovedRemotely',
          href: link.href,
          appointmentId: id,
          userId: w.u1,
          expectedLinkEtag: '"w2"',
          reason: 'test',
        },
      ],
    });
    expect(
      await w.db.selectFrom('appointments').select(['status', 'removed_from_remote']).where('id', '=', id).executeTakeFirstOrThrow(),
    ).toEqual({ status: 'confirmed', removed_from_remote: true });
    expect(await readLink(w.db, id, w.u1)).toMatchObject({ removedRemotely: true, etag: null });
  });

  it('a move onto another booking is kept and flagged, not refused by the exclusion constraint', async () => {
    const w = await setUp({ bufferAfterMin: 30 });
    const other = await bookAppointment(w.db, {
      workspaceId: w.workspaceId,
      calendar: w.booking,
      userIds: [w.u1, w.u2],
      start: at(3),
      end: at(4),
      title: 'Other',
    });
    const { id, link } = await linked(w, { start: at(0), end: at(1), userIds: [w.u1, w.u2] });
    const [before] = await w.store.loadLinkedAppointments(w.u1, [id]);
    // The planner saw no overlap for u1 (it ends as the other starts); the buffer makes the assignments clash.
    await w.store.applyInboundBatch({ calendarId: w.calPrimary, actions: [moveAction(link, before!.appointment.version, at(2), at(3))] });
    const moved = await w.db
      .selectFrom('appointments')
      .select(['start_at', 'overlap_flagged'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(moved).toEqual({ start_at: at(2), overlap_flagged: true });

    const [again] = await w.store.loadLinkedAppointments(w.u1, [id]);
    await w.store.applyInboundBatch({
      calendarId: w.calPrimary,
      actions: [moveAction({ ...link, etag: '"w2"' }, again!.appointment.version, at(3), at(4), [other])],
    });
    const flagged = await w.db
      .selectFrom('appointment_assignees')
      .select(['user_id', 'overlap_allowed'])
      .where('appointment_id', '=', id)
      .orderBy('user_id')
      .execute();
    expect(flagged.every((a) => a.overlap_allowed)).toBe(true);
    expect(await w.store.loadConfirmedAppointmentSpans(w.u1, [{ start: at(3), end: at(4) }])).toHaveLength(2);
    // u2's copy must follow both moves.
    const pending = await w.db.selectFrom('outbox').select(['appointment_id', 'user_id', 'op']).where('status', '=', 'pending').execute();
    expect(pending).toEqual([
      { appointment_id: id, user_id: w.u2, op: 'upsert' },
      { appointment_id: id, user_id: w.u2, op: 'upsert' },
    ]);
  });

  it('a batch that fails half-way leaves nothing behind, token included', async () => {
    const w = await setUp();
    const good: InboundAction = {
      type: 'ImportItem',
      href: '/p/1.ics',
      etag: '"1"',
      contentHash: 'h1',
      uid: 'u-1',
      occurrences: [{ recurrenceId: null, start: at(0), end: at(1), allDay: false, blocks: true, summary: 'Busy', status: null }],
      expandedUntil: at(1000),
      reason: 'test',
    };
    const bad: InboundAction = {
      ...good,
      href: '/p/2.ics',
      occurrences: [
        {
          recurrenceId: null,
          start: at(0),
          end: at(1),
          allDay: false,
          blocks: true,
          summary: 'Broken \u0000 (PostgreSQL text holds no NUL)',
          status: null,
        },
      ],
    };
    await expect(
      w.store.applyInboundBatch({ calendarId: w.calPrimary, actions: [good, bad], token: 't1', finish: { at: at(0), warning: null } }),
    ).rejects.toThrow();
    const state = await w.store.loadCalendarState(w.calPrimary);
    expect([state.token, await w.store.loadSavedItems(w.calPrimary)]).toEqual([null, []]);
    expect(await w.db.selectFrom('imported_occurrences').select('id').execute()).toEqual([]);
  });

  it('actions apply in order, one href several times in a batch included', async () => {
    const w = await setUp();
    const occurrence = (hour: number) => ({
      recurrenceId: null,
      start: at(hour),
      end: at(hour + 1),
      allDay: false,
      blocks: true,
      summary: `At ${hour}`,
      status: null,
    });
    const imported = (href: string, hour: number, type: 'ImportItem' | 'UpdateImportedItem' = 'ImportItem'): InboundAction => ({
      type,
      href,
      etag: `"${hour}"`,
      contentHash: `h${hour}`,
      uid: href,
      occurrences: [occurrence(hour)],
      expandedUntil: at(1000),
      reason: 'test',
    });
    await w.store.applyInboundBatch({
      calendarId: w.calPrimary,
      actions: [
        imported('/p/1.ics', 0),
        imported('/p/2.ics', 1),
        imported('/p/1.ics', 2, 'UpdateImportedItem'),
        { type: 'SkipUnchanged', href: '/p/1.ics', etag: '"2b"', reason: 'test' },
        { type: 'RemoveImportedItem', href: '/p/2.ics', reason: 'test' },
        imported('/p/2.ics', 3),
        { type: 'RecordUnreadableItem', href: '/p/3.ics', etag: '"x"', contentHash: null, uid: null, error: 'bad', reason: 'test' },
        { type: 'SkipUnchanged', href: '/p/never-saved.ics', etag: '"n"', reason: 'test' },
      ],
    });
    const items = await w.store.loadSavedItems(w.calPrimary);
    expect(items.map((i) => [i.href, i.etag, i.kind, i.contentHash])).toEqual([
      ['/p/1.ics', '"2b"', 'imported', 'h2'],
      ['/p/2.ics', '"3"', 'imported', 'h3'],
      ['/p/3.ics', '"x"', 'unreadable', null],
    ]);
    const occurrences = await w.db.selectFrom('imported_occurrences').select('summary').orderBy('start_at').execute();
    expect(occurrences.map((o) => o.summary)).toEqual(['At 2', 'At 3']);
  });

  it('calendar state: the zone and self addresses; imported busy time only from blocking occurrences of configured calendars', async () => {
    const w = await setUp();
    const conflict = await seedRemoteCalendar(w.db, {
      workspaceId: w.workspaceId,
      userId: w.u1,
      url: 'https://caldav.example/u1/other/',
      role: 'none',
      username: 'U1@icloud.example',
    });
    const occurrence = (hour: number, blocks: boolean) => ({
      recurrenceId: null,
      start: at(hour),
      end: at(hour + 1),
      allDay: false,
      blocks,
      summary: 'Busy',
      status: null,
    });
    const item = (href: string, occurrences: ReturnType<typeof occurrence>[]): InboundAction => ({
      type: 'ImportItem',
      href,
      etag: '"1"',
      contentHash: href,
      uid: href,
      occurrences,
      expandedUntil: at(1000),
      reason: 'test',
    });
    await w.store.applyInboundBatch({ calendarId: w.calPrimary, actions: [item('/p/1.ics', [occurrence(0, true), occurrence(2, false)])] });
    await w.store.applyInboundBatch({ calendarId: conflict, actions: [item('/o/1.ics', [occurrence(4, true)])] });

    const email = (await w.db.selectFrom('users').select('email').where('id', '=', w.u1).executeTakeFirstOrThrow()).email;
    expect(await w.store.loadCalendarState(conflict)).toMatchObject({
      isPrimary: false,
      zone: 'Europe/London',
      selfEmails: [email, 'U1@icloud.example'],
    });
    const busy = await importedBusyFromStore().importedBusy(w.db, [w.u1], { start: at(-10).getTime(), end: at(10).getTime() });
    expect(busy.get(w.u1)).toEqual([{ start: at(0).getTime(), end: at(1).getTime() }]);
    // Ids that are no UUID (a UID anyone can type into iCloud) name nothing and break nothing.
    expect(await w.store.loadLinkedAppointments(w.u1, ['not-a-uuid'])).toEqual([]);
  });
});

describe('PostgreSQL store on postgres: concurrent claims', () => {
  it('two (and more) concurrent claimers never get the same row, nor two rows of one pair', async () => {
    const database = await createTestDatabase('postgres', { poolSize: 12 });
    try {
      const w = await seedContractWorld(database.db);
      const store = createSyncStore(database.db, {
        publicUrl: PUBLIC_URL,
        now: () => clock.now,
        recordNotice: recordAppointmentNotice,
        recordConnectionNotice,
      });
      const ids: string[] = [];
      for (let i = 0; i < 30; i++)
        ids.push(
          await bookAppointment(database.db, {
            workspaceId: w.workspaceId,
            calendar: w.booking,
            userIds: [w.u1, w.u2],
            start: at(i * 2),
            end: at(i * 2 + 1),
            title: `A${i}`,
          }),
        );
      // A second row for every pair: a claimer that ignored the pair rule would take both.
      await database.db
        .insertInto('outbox')
        .values(
          ids.flatMap((id) =>
            [w.u1, w.u2].map((userId) => ({ workspace_id: w.workspaceId, appointment_id: id, user_id: userId, op: 'upsert' as const })),
          ),
        )
        .execute();

      const claimed: { id: string; pair: string }[] = [];
      for (let round = 0; round < 20; round++) {
        const answers = await Promise.all(
          Array.from({ length: 8 }, () => store.claimOutboxRows({ now: clock.now, limit: 3, leaseMs: 3_600_000 })),
        );
        const got = answers.flat();
        if (got.length === 0) break;
        claimed.push(...got.map((r) => ({ id: r.id, pair: `${r.appointmentId}/${r.userId}` })));
      }
      expect(new Set(claimed.map((c) => c.id)).size).toBe(claimed.length);
      expect(new Set(claimed.map((c) => c.pair)).size).toBe(claimed.length);
      // Every pair was claimed once, with its oldest row.
      expect(claimed).toHaveLength(60);
      const leased = await database.db.selectFrom('outbox').select(['id']).where('leased_until', 'is not', null).orderBy('id').execute();
      expect(leased.map((r) => String(r.id))).toEqual(claimed.map((c) => c.id).sort((a, b) => Number(a) - Number(b)));
      expect(Math.max(...leased.map((r) => r.id))).toBeLessThanOrEqual(60);
    } finally {
      await database.close();
    }
  });
});
