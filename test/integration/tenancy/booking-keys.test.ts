import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateTo, migrateToLatest } from '../../../src/store/migrate.ts';
import type { DB } from '../../../src/store/schema.ts';
import { createTestDatabase, databaseKinds } from '../../support/db.ts';
import { bookAppointment, seedBookingCalendar, seedUser, seedWorkspace } from '../../support/seed-rows.ts';

/**
 * Migration 0022: a booking's rows refer to their parents by (id, workspace_id), so the schema
 * itself refuses a row whose parent is in another workspace (decision 0024, third round). The
 * database is migrated to 0021 first and given bookings, so 0022 also runs over rows that exist.
 */

interface Seeded {
  workspaceId: string;
  userId: string;
  calendarId: string;
  serviceId: string;
  contactId: string;
  appointmentId: string;
  attendeeId: string;
}

async function seed(db: Kysely<DB>): Promise<Seeded> {
  const workspaceId = await seedWorkspace(db);
  const userId = await seedUser(db, workspaceId);
  const calendar = await seedBookingCalendar(db, workspaceId);
  const service = await db
    .insertInto('services')
    .values({ workspace_id: workspaceId, calendar_id: calendar.id, name: 'Cut', duration_min: 30 })
    .returning('id')
    .executeTakeFirstOrThrow();
  const appointmentId = await bookAppointment(db, {
    workspaceId,
    calendar,
    userIds: [userId],
    start: new Date('2026-03-02T10:00:00Z'),
    end: new Date('2026-03-02T11:00:00Z'),
    title: 'Consultation',
    contact: { name: 'Client', email: `client-${randomUUID()}@example.test` },
  });
  await db.updateTable('appointments').set({ service_id: service.id }).where('id', '=', appointmentId).execute();
  const attendee = await db
    .selectFrom('attendees')
    .select(['id', 'contact_id'])
    .where('appointment_id', '=', appointmentId)
    .executeTakeFirstOrThrow();
  await db
    .insertInto('messages')
    .values([
      message({ workspaceId, appointmentId, attendeeId: attendee.id }),
      message({ workspaceId, appointmentId, userId }),
      message({ workspaceId, userId }),
    ])
    .execute();
  return {
    workspaceId,
    userId,
    calendarId: calendar.id,
    serviceId: service.id,
    contactId: attendee.contact_id,
    appointmentId,
    attendeeId: attendee.id,
  };
}

function message(to: { workspaceId: string; appointmentId?: string; attendeeId?: string; userId?: string }) {
  return {
    workspace_id: to.workspaceId,
    appointment_id: to.appointmentId ?? null,
    attendee_id: to.attendeeId ?? null,
    user_id: to.userId ?? null,
    kind: 'client_confirmation',
    recipient_email: 'someone@example.test',
    recipient_name: 'Someone',
    recipient_zone: 'UTC',
    content: '{}',
  };
}

/** An assignment in `mine`'s workspace, in place of its appointment's own (the key is (appointment, user)). */
async function assign(trx: Kysely<DB>, mine: Seeded, appointmentId: string, userId: string): Promise<void> {
  await trx.deleteFrom('appointment_assignees').where('appointment_id', '=', mine.appointmentId).execute();
  await trx
    .insertInto('appointment_assignees')
    .values({ appointment_id: appointmentId, user_id: userId, workspace_id: mine.workspaceId, during: '[2027-01-01,2027-01-02)' })
    .execute();
}

class RolledBack extends Error {}

/** Runs one write in a transaction that is always rolled back: `ok`, or the SQLSTATE it failed with. */
async function outcome(db: Kysely<DB>, write: (trx: Kysely<DB>) => Promise<unknown>): Promise<string> {
  try {
    await db.transaction().execute(async (trx) => {
      // An attendee's contact is checked at commit (0022); this transaction never commits.
      await sql`set constraints all immediate`.execute(trx);
      await write(trx);
      throw new RolledBack();
    });
  } catch (error) {
    if (error instanceof RolledBack) return 'ok';
    if (typeof error === 'object' && error !== null && 'code' in error) return String(error.code);
    throw error;
  }
  throw new Error('unreachable: the transaction always throws');
}

/** Each write of a booking's rows, given the parents it names; `mine` is the row's own workspace. */
const writes: Record<string, (trx: Kysely<DB>, mine: Seeded, parent: Seeded) => Promise<unknown>> = {
  'an appointment of a calendar': (trx, mine, parent) =>
    trx
      .insertInto('appointments')
      .values({
        workspace_id: mine.workspaceId,
        calendar_id: parent.calendarId,
        start_at: new Date(),
        end_at: new Date(Date.now() + 60_000),
        title: 't',
      })
      .execute(),
  'an appointment of a service': (trx, mine, parent) =>
    trx.updateTable('appointments').set({ service_id: parent.serviceId }).where('id', '=', mine.appointmentId).execute(),
  'an assignment of an appointment': (trx, mine, parent) => assign(trx, mine, parent.appointmentId, mine.userId),
  'an assignment of a user': (trx, mine, parent) => assign(trx, mine, mine.appointmentId, parent.userId),
  'an attendee of an appointment': (trx, mine, parent) =>
    trx
      .insertInto('attendees')
      .values({ workspace_id: mine.workspaceId, appointment_id: parent.appointmentId, contact_id: mine.contactId, secret_hash: 'x' })
      .execute(),
  'an attendee as a contact': (trx, mine, parent) =>
    trx
      .insertInto('attendees')
      .values({ workspace_id: mine.workspaceId, appointment_id: mine.appointmentId, contact_id: parent.contactId, secret_hash: 'x' })
      .execute(),
  'an outbox row for a user': (trx, mine, parent) =>
    trx
      .insertInto('outbox')
      .values({ workspace_id: mine.workspaceId, appointment_id: mine.appointmentId, user_id: parent.userId, op: 'upsert' })
      .execute(),
  'a message about an appointment': (trx, mine, parent) =>
    trx
      .insertInto('messages')
      .values(message({ workspaceId: mine.workspaceId, appointmentId: parent.appointmentId }))
      .execute(),
  'a message to an attendee': (trx, mine, parent) =>
    trx
      .insertInto('messages')
      .values(message({ workspaceId: mine.workspaceId, appointmentId: mine.appointmentId, attendeeId: parent.attendeeId }))
      .execute(),
  'a message to a user': (trx, mine, parent) =>
    trx
      .insertInto('messages')
      .values(message({ workspaceId: mine.workspaceId, userId: parent.userId }))
      .execute(),
};

describe.each(databaseKinds)('booking rows stay within their workspace on %s', (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let migrated: string[];
  let a: Seeded;
  let b: Seeded;
  let doomed: Seeded;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    await migrateTo(database.db, '0021-long-busy-index');
    a = await seed(database.db);
    b = await seed(database.db);
    doomed = await seed(database.db);
    migrated = await migrateTo(database.db, '0022-booking-keys-within-workspace');
    // The later migrations too: the cases below run on the current schema.
    await migrateToLatest(database.db);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('migrates a database that already holds bookings', async () => {
    expect(migrated).toEqual(['0022-booking-keys-within-workspace']);
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from messages`.execute(database.db);
    expect(rows[0]!.n).toBe(9);
  });

  it.each(Object.keys(writes))('refuses %s of another workspace, and takes one of its own', async (name) => {
    const write = writes[name]!;
    expect(await outcome(database.db, (trx) => write(trx, a, b))).toBe('23503');
    expect(await outcome(database.db, (trx) => write(trx, a, a))).toBe('ok');
  });

  it('refuses a message that names no appointment, attendee or user', async () => {
    const write = (trx: Kysely<DB>) =>
      trx
        .insertInto('messages')
        .values(message({ workspaceId: a.workspaceId }))
        .execute();
    expect(await outcome(database.db, write)).toBe('23514');
  });

  it('refuses to delete a contact who is an attendee', async () => {
    // Refused as before 0022; checked at commit now, so as 23503 (foreign key) where `restrict` said 23001.
    await expect(database.db.deleteFrom('contacts').where('id', '=', a.contactId).execute()).rejects.toMatchObject({ code: '23503' });
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from contacts where id = ${a.contactId}::uuid`.execute(database.db);
    expect(rows[0]!.n).toBe(1);
  });

  it('deleting a service leaves its appointments in their workspace, without the service', async () => {
    await database.db.deleteFrom('services').where('id', '=', b.serviceId).execute();
    const row = await database.db
      .selectFrom('appointments')
      .select(['workspace_id', 'service_id'])
      .where('id', '=', b.appointmentId)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({ workspace_id: b.workspaceId, service_id: null });
  });

  it("deleting a workspace deletes its bookings' rows and no other workspace's", async () => {
    const count = async (workspaceId: string) => {
      const { rows } = await sql<{ n: number }>`
        select (select count(*) from appointments where workspace_id = ${workspaceId}::uuid)
             + (select count(*) from appointment_assignees where workspace_id = ${workspaceId}::uuid)
             + (select count(*) from attendees where workspace_id = ${workspaceId}::uuid)
             + (select count(*) from outbox where workspace_id = ${workspaceId}::uuid)
             + (select count(*) from messages where workspace_id = ${workspaceId}::uuid)
             + (select count(*) from contacts where workspace_id = ${workspaceId}::uuid) as n`.execute(database.db);
      return Number(rows[0]!.n);
    };
    const before = await count(a.workspaceId);
    expect(await count(doomed.workspaceId)).toBe(before);
    await database.db.deleteFrom('workspaces').where('id', '=', doomed.workspaceId).execute();
    expect(await count(doomed.workspaceId)).toBe(0);
    expect(await count(a.workspaceId)).toBe(before);
  });
});
