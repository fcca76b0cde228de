import { describe, expect, it } from 'vitest';
import { desiredSnapshot } from '../../../src/domain/sync/desired-event.ts';
import type { InboundAction } from '../../../src/domain/sync/inbound-actions.ts';
import type { ImportedOccurrence, RemoteLink, SavedItem } from '../../../src/domain/sync/types.ts';
import type { CalendarWarning, SyncStore } from '../../../src/domain/sync/ports.ts';

/**
 * The SyncStore contract (ports.ts) as tests, for any implementation: run it against the in-memory
 * store here, and against the PostgreSQL store by giving it a fixture over a fresh database.
 *
 * The fixture's world: user u1 whose primary calendar is `cal-primary` (zone Europe/London), user u2
 * whose primary is `cal-u2`; no events, no appointments. `book` is the booking side: it creates a
 * confirmed appointment and one `upsert` outbox row per assigned user, in one transaction.
 * Time-dependent checks use instants in March 2030, so rows the fixture writes must be due by then.
 */
export interface SyncStoreFixture {
  store: SyncStore;
  book(input: { id: string; userIds: string[]; start: Date; end: Date; title: string }): Promise<void>;
  /** The booking side again: moves the appointment and writes an `upsert` row per assigned user. */
  reschedule(id: string, start: Date, end: Date): Promise<void>;
  appointment(id: string): Promise<{ status: string; start: Date; end: Date; title: string; version: string; overlapFlagged: boolean }>;
  link(appointmentId: string, userId: string): Promise<RemoteLink | undefined>;
  occurrences(calendarId: string, href: string): Promise<ImportedOccurrence[]>;
  calendar(calendarId: string): Promise<{ token: string | null; warning: CalendarWarning | null; lastSyncedAt: Date | null }>;
  outbox(): Promise<
    { appointmentId: string; userId: string; op: 'upsert' | 'delete'; attempt: number; status: 'pending' | 'done' | 'failed' }[]
  >;
  close(): Promise<void>;
}

const at = (hour: number): Date => new Date(Date.UTC(2030, 2, 4, 9) + hour * 3_600_000);
const occurrence = (hour: number, blocks = true): ImportedOccurrence => ({
  recurrenceId: null,
  start: at(hour),
  end: at(hour + 1),
  allDay: false,
  blocks,
  summary: 'Busy',
  status: null,
});
const importAction = (href: string, hour: number, type: 'ImportItem' | 'UpdateImportedItem' = 'ImportItem'): InboundAction => ({
  type,
  href,
  etag: '"1"',
  contentHash: `h-${href}-${hour}`,
  uid: `uid-${href}`,
  occurrences: [occurrence(hour), occurrence(hour + 24, false)],
  expandedUntil: at(10_000),
  reason: 'test',
});

export function describeSyncStoreContract(name: string, makeFixture: () => Promise<SyncStoreFixture>): void {
  async function withFixture(test: (f: SyncStoreFixture) => Promise<void>): Promise<void> {
    const f = await makeFixture();
    try {
      await test(f);
    } finally {
      await f.close();
    }
  }

  async function bookedAndLinked(f: SyncStoreFixture, userIds = ['u1']): Promise<RemoteLink> {
    await f.book({ id: 'a1', userIds, start: at(0), end: at(1), title: 'A' });
    const rows = await f.store.claimOutboxRows({ now: at(0), limit: 10, leaseMs: 60_000 });
    const target = await f.store.loadOutboundTarget(rows[0]!);
    const link: RemoteLink = {
      appointmentId: 'a1',
      userId: 'u1',
      calendarId: 'cal-primary',
      href: '/p/a1.ics',
      etag: '"w1"',
      written: desiredSnapshot(target.appointment!),
      sequence: 0,
      removedRemotely: false,
      createPending: false,
      pendingWrites: [],
    };
    for (const row of rows) await f.store.finishOutboxRow({ row, result: { status: 'done' }, ...(row.userId === 'u1' ? { link } : {}) });
    return link;
  }

  describe(`SyncStore contract: ${name}`, () => {
    it('inbound batches: items with their occurrences, the token, the finish stamp', () =>
      withFixture(async (f) => {
        await f.store.applyInboundBatch({
          calendarId: 'cal-primary',
          actions: [importAction('/p/1.ics', 0), importAction('/p/2.ics', 2)],
          token: 't1',
          finish: { at: at(0), warning: null },
        });
        const state = await f.store.loadCalendarState('cal-primary');
        expect(state).toMatchObject({ calendarId: 'cal-primary', userId: 'u1', isPrimary: true, zone: 'Europe/London', token: 't1' });
        expect((await f.store.loadSavedItems('cal-primary')).map((i) => i.href).sort()).toEqual(['/p/1.ics', '/p/2.ics']);
        expect(await f.occurrences('cal-primary', '/p/1.ics')).toEqual([occurrence(0), occurrence(24, false)]);
        expect(await f.calendar('cal-primary')).toMatchObject({ token: 't1', warning: null, lastSyncedAt: at(0) });

        // Update replaces occurrences; SkipUnchanged touches only the etag; Remove deletes both; no token keeps it.
        await f.store.applyInboundBatch({
          calendarId: 'cal-primary',
          actions: [
            importAction('/p/1.ics', 5, 'UpdateImportedItem'),
            { type: 'SkipUnchanged', href: '/p/2.ics', etag: '"2b"', reason: 'test' },
          ],
        });
        expect(await f.occurrences('cal-primary', '/p/1.ics')).toEqual([occurrence(5), occurrence(29, false)]);
        const item2 = (await f.store.loadSavedItems('cal-primary')).find((i) => i.href === '/p/2.ics');
        expect(item2).toEqual<SavedItem>({
          href: '/p/2.ics',
          etag: '"2b"',
          contentHash: 'h-/p/2.ics-2',
          uid: 'uid-/p/2.ics',
          kind: 'imported',
          expandedUntil: at(10_000),
          error: null,
        });
        await f.store.applyInboundBatch({
          calendarId: 'cal-primary',
          actions: [{ type: 'RemoveImportedItem', href: '/p/2.ics', reason: 'test' }],
        });
        expect(await f.occurrences('cal-primary', '/p/2.ics')).toEqual([]);
        expect((await f.store.loadSavedItems('cal-primary')).map((i) => i.href)).toEqual(['/p/1.ics']);
        expect((await f.calendar('cal-primary')).token).toBe('t1');
      }));

    it('unreadable items block nothing; a refusal sets the warning and a later finish clears it', () =>
      withFixture(async (f) => {
        await f.store.applyInboundBatch({ calendarId: 'cal-primary', actions: [importAction('/p/1.ics', 0)], token: 't1' });
        await f.store.applyInboundBatch({
          calendarId: 'cal-primary',
          actions: [
            { type: 'RecordUnreadableItem', href: '/p/1.ics', etag: '"x"', contentHash: null, uid: null, error: 'bad', reason: 'test' },
          ],
        });
        expect(await f.occurrences('cal-primary', '/p/1.ics')).toEqual([]);
        expect((await f.store.loadSavedItems('cal-primary'))[0]).toMatchObject({ kind: 'unreadable', error: 'bad' });
        const warning: CalendarWarning = { code: 'empty_calendar_refused', heldItems: 1, message: 'm' };
        await f.store.applyInboundBatch({
          calendarId: 'cal-primary',
          actions: [{ type: 'RefuseEmptyCalendar', heldItems: 1, reason: 'm' }],
          finish: { at: at(1), warning },
        });
        expect(await f.calendar('cal-primary')).toMatchObject({ token: 't1', warning });
        await f.store.applyInboundBatch({ calendarId: 'cal-primary', actions: [], token: 't2', finish: { at: at(2), warning: null } });
        expect(await f.calendar('cal-primary')).toMatchObject({ token: 't2', warning: null, lastSyncedAt: at(2) });
      }));

    it('UpdateAppointmentFromRemote: applied only at the expected version and link etag; re-queues the other assigned users', () =>
      withFixture(async (f) => {
        const link = await bookedAndLinked(f, ['u1', 'u2']);
        const { version } = await f.appointment('a1');
        const action = (expectedVersion: string, expectedEtag: string | null): InboundAction => ({
          type: 'UpdateAppointmentFromRemote',
          href: link.href,
          etag: '"w2"',
          contentHash: 'h',
          uid: 'tandem-a1@tandem',
          appointmentId: 'a1',
          userId: 'u1',
          expectedVersion,
          start: at(3),
          end: at(4),
          title: 'A (moved)',
          overlapFlagged: true,
          overlapsWith: ['a9'],
          link: {
            appointmentId: 'a1',
            userId: 'u1',
            expectedEtag,
            etag: '"w2"',
            written: { start: at(3), end: at(4), title: 'A (moved)', detailsHash: link.written.detailsHash },
          },
          reason: 'test',
        });
        await f.store.applyInboundBatch({
          calendarId: 'cal-primary',
          actions: [action('stale-version', '"w1"'), action(version, '"stale-etag"')],
        });
        expect(await f.appointment('a1')).toMatchObject({ start: at(0), title: 'A' });
        expect(await f.store.loadSavedItems('cal-primary')).toEqual([]);

        await f.store.applyInboundBatch({ calendarId: 'cal-primary', actions: [action(version, '"w1"')] });
        const after = await f.appointment('a1');
        expect(after).toMatchObject({ status: 'confirmed', start: at(3), end: at(4), title: 'A (moved)', overlapFlagged: true });
        expect(after.version).not.toBe(version);
        expect(await f.link('a1', 'u1')).toMatchObject({ etag: '"w2"', written: { start: at(3), title: 'A (moved)' } });
        expect((await f.store.loadSavedItems('cal-primary'))[0]).toMatchObject({ href: link.href, kind: 'appointment', etag: '"w2"' });
        expect((await f.outbox()).filter((r) => r.status === 'pending')).toEqual([
          { appointmentId: 'a1', userId: 'u2', op: 'upsert', attempt: 0, status: 'pending' },
        ]);
      }));

    it('MarkAppointmentRemovedRemotely and TrackAppointmentEvent respect the link etag they were planned on', () =>
      withFixture(async (f) => {
        const link = await bookedAndLinked(f);
        await f.store.applyInboundBatch({
          calendarId: 'cal-primary',
          actions: [
            {
              type: 'MarkAppointmentRemovedRemotely',
              href: link.href,
              appointmentId: 'a1',
              userId: 'u1',
              expectedLinkEtag: '"other"',
              reason: 'test',
            },
          ],
        });
        expect((await f.link('a1', 'u1'))?.removedRemotely).toBe(false);
        await f.store.applyInboundBatch({
          calendarId: 'cal-primary',
          actions: [
            {
              type: 'TrackAppointmentEvent',
              href: link.href,
              etag: '"w3"',
              contentHash: 'h',
              uid: 'tandem-a1@tandem',
              appointmentId: 'a1',
              link: { appointmentId: 'a1', userId: 'u1', expectedEtag: '"w1"', etag: '"w3"', written: link.written },
              reason: 'test',
            },
          ],
        });
        expect((await f.link('a1', 'u1'))?.etag).toBe('"w3"');
        await f.store.applyInboundBatch({
          calendarId: 'cal-primary',
          actions: [
            {
              type: 'MarkAppointmentRemovedRemotely',
              href: link.href,
              appointmentId: 'a1',
              userId: 'u1',
              expectedLinkEtag: '"w3"',
              reason: 'test',
            },
          ],
        });
        expect(await f.link('a1', 'u1')).toMatchObject({ removedRemotely: true });
        expect((await f.appointment('a1')).status).toBe('confirmed');
        expect(await f.store.loadSavedItems('cal-primary')).toEqual([]);
      }));

    it('outbox: claims due, unleased rows; a lease hides a row until it runs out; results are recorded, rows never dropped', () =>
      withFixture(async (f) => {
        await f.book({ id: 'a1', userIds: ['u1', 'u2'], start: at(0), end: at(1), title: 'A' });
        const rows = await f.store.claimOutboxRows({ now: at(0), limit: 1, leaseMs: 60_000 });
        expect(rows).toMatchObject([{ appointmentId: 'a1', op: 'upsert', attempt: 0 }]);
        const others = await f.store.claimOutboxRows({ now: at(0), limit: 10, leaseMs: 60_000 });
        expect(others).toHaveLength(1);
        expect(others[0]!.id).not.toBe(rows[0]!.id);
        expect(await f.store.claimOutboxRows({ now: new Date(at(0).getTime() + 59_000), limit: 10, leaseMs: 60_000 })).toEqual([]);
        const reclaimed = await f.store.claimOutboxRows({ now: new Date(at(0).getTime() + 60_000), limit: 10, leaseMs: 60_000 });
        expect(reclaimed).toHaveLength(2);

        const [retry, fail] = reclaimed as [(typeof reclaimed)[0], (typeof reclaimed)[0]];
        const later = new Date(at(0).getTime() + 3_600_000);
        await f.store.finishOutboxRow({ row: retry, result: { status: 'retry', attempt: 1, notBefore: later, error: 'busy' } });
        await f.store.finishOutboxRow({ row: fail, result: { status: 'failed', attempt: 1, error: 'denied' } });
        expect(await f.store.claimOutboxRows({ now: new Date(later.getTime() - 1), limit: 10, leaseMs: 60_000 })).toEqual([]);
        expect(await f.store.claimOutboxRows({ now: later, limit: 10, leaseMs: 60_000 })).toMatchObject([{ id: retry.id, attempt: 1 }]);
        expect((await f.outbox()).map((r) => r.status).sort()).toEqual(['failed', 'pending']);
      }));

    it('outbox: one writer per (appointment, user) at a time', () =>
      withFixture(async (f) => {
        await f.book({ id: 'a1', userIds: ['u1', 'u2'], start: at(0), end: at(1), title: 'A' });
        await f.reschedule('a1', at(2), at(3));
        // Four rows: two per user. Only one per user may be out at a time.
        const first = await f.store.claimOutboxRows({ now: at(0), limit: 10, leaseMs: 60_000 });
        expect(first.map((r) => r.userId).sort()).toEqual(['u1', 'u2']);
        expect(await f.store.claimOutboxRows({ now: at(0), limit: 10, leaseMs: 60_000 })).toEqual([]);
        await f.store.finishOutboxRow({ row: first.find((r) => r.userId === 'u1')!, result: { status: 'done' } });
        const second = await f.store.claimOutboxRows({ now: at(0), limit: 10, leaseMs: 60_000 });
        expect(second.map((r) => r.userId)).toEqual(['u1']);
      }));

    it('finishOutboxRow records the link, the calendar items and a remote edit together', () =>
      withFixture(async (f) => {
        await f.book({ id: 'a1', userIds: ['u1'], start: at(0), end: at(1), title: 'A' });
        const [row] = await f.store.claimOutboxRows({ now: at(0), limit: 1, leaseMs: 60_000 });
        const target = await f.store.loadOutboundTarget(row!);
        expect(target).toMatchObject({
          primaryCalendarId: 'cal-primary',
          link: null,
          appointment: { id: 'a1', status: 'confirmed', assignedUserIds: ['u1'] },
        });
        const intent: RemoteLink = {
          appointmentId: 'a1',
          userId: 'u1',
          calendarId: 'cal-primary',
          href: '/p/a1.ics',
          etag: null,
          written: desiredSnapshot(target.appointment!),
          sequence: 0,
          removedRemotely: false,
          createPending: true,
          pendingWrites: [desiredSnapshot(target.appointment!)],
        };
        await f.store.recordWriteIntent(intent);
        expect(await f.link('a1', 'u1')).toEqual(intent);
        const link = { ...intent, etag: '"w1"', createPending: false, pendingWrites: [] };
        await f.store.finishOutboxRow({
          row: row!,
          result: { status: 'done' },
          link,
          items: [
            {
              calendarId: 'cal-primary',
              href: '/p/a1.ics',
              item: {
                href: '/p/a1.ics',
                etag: '"w1"',
                contentHash: null,
                uid: 'tandem-a1@tandem',
                kind: 'appointment',
                expandedUntil: null,
                error: null,
              },
            },
          ],
          remoteEdit: {
            appointmentId: 'a1',
            userId: 'u1',
            expectedVersion: target.appointment!.version,
            start: at(2),
            end: at(3),
            title: 'A2',
            overlapFlagged: false,
            overlapsWith: [],
          },
        });
        expect(await f.link('a1', 'u1')).toEqual(link);
        expect(await f.store.loadSavedItems('cal-primary')).toMatchObject([{ href: '/p/a1.ics', kind: 'appointment', etag: '"w1"' }]);
        expect(await f.appointment('a1')).toMatchObject({ start: at(2), title: 'A2' });
        expect((await f.outbox()).every((r) => r.status === 'done')).toBe(true);
        expect(await f.store.loadConfirmedAppointmentSpans('u1', [{ start: at(2.5), end: at(5) }])).toEqual([
          { id: 'a1', start: at(2), end: at(3) },
        ]);
        expect(await f.store.loadConfirmedAppointmentSpans('u1', [{ start: at(3), end: at(5) }])).toEqual([]);
        expect(await f.store.loadLinkedAppointments('u1', ['a1', 'nope'])).toMatchObject([{ appointment: { id: 'a1' }, link }]);
        expect(await f.store.loadLinkedAppointments('u2', ['a1'])).toEqual([]);
      }));
  });
}
