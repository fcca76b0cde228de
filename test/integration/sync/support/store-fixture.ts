import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../../../../src/store/schema.ts';
import { createSyncStore } from '../../../../src/store/sync-store.ts';
import { recordAppointmentNotice } from '../../../../src/services/notifications/record-appointment-notice.ts';
import { recordConnectionNotice } from '../../../../src/services/notifications/record-connection-notice.ts';
import { loadCalendarSyncStamp } from '../../../../src/store/sync-store/calendar-state.ts';
import { readLink } from '../../../../src/store/sync-store/links.ts';
import { toOccurrence } from '../../../../src/store/sync-store/rows.ts';
import { createTestDatabase, type DatabaseKind } from '../../../support/db.ts';
import type { SyncStoreFixture } from '../../../unit/sync/sync-store-contract.ts';
import { IdTranslation } from './id-translation.ts';
import {
  bookAppointment,
  rescheduleAppointment,
  seedBookingCalendar,
  seedRemoteCalendar,
  seedUser,
  seedWorkspace,
  type SeededBookingCalendar,
} from '../../../support/seed-rows.ts';

export const PUBLIC_URL = 'https://tandem.example';

export interface SeededWorld {
  db: Kysely<DB>;
  workspaceId: string;
  u1: string;
  u2: string;
  calPrimary: string;
  calU2: string;
  booking: SeededBookingCalendar;
}

/** The contract's world on a fresh database: u1 with primary `cal-primary`, u2 with primary `cal-u2`, both in Europe/London. */
export async function seedContractWorld(
  db: Kysely<DB>,
  booking: { bufferBeforeMin?: number; bufferAfterMin?: number } = {},
): Promise<SeededWorld> {
  const workspaceId = await seedWorkspace(db);
  const u1 = await seedUser(db, workspaceId, { timezone: 'Europe/London' });
  const u2 = await seedUser(db, workspaceId, { timezone: 'Europe/London' });
  const calPrimary = await seedRemoteCalendar(db, { workspaceId, userId: u1, url: 'https://caldav.example/u1/primary/', role: 'primary' });
  const calU2 = await seedRemoteCalendar(db, { workspaceId, userId: u2, url: 'https://caldav.example/u2/primary/', role: 'primary' });
  return { db, workspaceId, u1, u2, calPrimary, calU2, booking: await seedBookingCalendar(db, workspaceId, booking) };
}

/** A SyncStoreFixture (sync-store-contract.ts) over the PostgreSQL store on a private database of `kind`. */
export async function createStoreFixture(kind: DatabaseKind): Promise<SyncStoreFixture> {
  const database = await createTestDatabase(kind);
  const { db } = database;
  const world = await seedContractWorld(db);
  const ids = new IdTranslation();
  ids.add('u1', world.u1);
  ids.add('u2', world.u2);
  ids.add('cal-primary', world.calPrimary);
  ids.add('cal-u2', world.calU2);
  const store = createSyncStore(db, {
    publicUrl: PUBLIC_URL,
    now: () => new Date(),
    recordNotice: recordAppointmentNotice,
    recordConnectionNotice,
  });

  return {
    store: ids.wrap(store),
    async book(input) {
      const id = randomUUID();
      ids.add(input.id, id);
      await bookAppointment(db, {
        id,
        workspaceId: world.workspaceId,
        calendar: world.booking,
        userIds: input.userIds.map((u) => ids.id(u)),
        start: input.start,
        end: input.end,
        title: input.title,
      });
    },
    reschedule: (id, start, end) =>
      rescheduleAppointment(db, { workspaceId: world.workspaceId, calendar: world.booking, id: ids.id(id), start, end }),
    async appointment(id) {
      const row = await db
        .selectFrom('appointments')
        .select(['status', 'start_at', 'end_at', 'title', 'version', 'overlap_flagged'])
        .where('id', '=', ids.id(id))
        .executeTakeFirstOrThrow();
      return {
        status: row.status,
        start: row.start_at,
        end: row.end_at,
        title: row.title,
        version: String(row.version),
        overlapFlagged: row.overlap_flagged,
      };
    },
    async link(appointmentId, userId) {
      if (!ids.has(appointmentId)) return undefined;
      return ids.outward((await readLink(db, ids.id(appointmentId), ids.id(userId))) ?? undefined);
    },
    async occurrences(calendarId, href) {
      const rows = await db
        .selectFrom('imported_occurrences as o')
        .innerJoin('remote_items as i', 'i.id', 'o.remote_item_id')
        .select(['o.recurrence_id', 'o.start_at', 'o.end_at', 'o.all_day', 'o.blocks', 'o.summary', 'o.status'])
        .where('i.remote_calendar_id', '=', ids.id(calendarId))
        .where('i.href', '=', href)
        .orderBy('o.id')
        .execute();
      return rows.map(toOccurrence);
    },
    calendar: async (calendarId) => loadCalendarSyncStamp(db, ids.id(calendarId)),
    async outbox() {
      const rows = await db.selectFrom('outbox').select(['appointment_id', 'user_id', 'op', 'attempts', 'status']).orderBy('id').execute();
      return ids.outward(
        rows.map((r) => ({ appointmentId: r.appointment_id, userId: r.user_id, op: r.op, attempt: r.attempts, status: r.status })),
      );
    },
    close: () => database.close(),
  };
}
