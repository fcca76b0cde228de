import { sql, type Transaction } from 'kysely';
import type { DB } from '../../store/schema.ts';

export interface ContactInput {
  name: string;
  email: string;
  phone?: string | null;
}

/** Contacts are found by email within the workspace; a booking refreshes name and phone. */
export async function upsertContact(trx: Transaction<DB>, workspaceId: string, contact: ContactInput): Promise<string> {
  const row = await trx
    .insertInto('contacts')
    .values({ workspace_id: workspaceId, name: contact.name, email: contact.email.trim(), phone: contact.phone ?? null })
    .onConflict((oc) =>
      oc
        .expression(sql`workspace_id, lower(email)`)
        .doUpdateSet({ name: contact.name, phone: sql`coalesce(excluded.phone, contacts.phone)` }),
    )
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** The confirmed session of a class/event at exactly this time, locked for seat counting. */
export async function lockSession(trx: Transaction<DB>, calendarId: string, start: number, end: number) {
  return trx
    .selectFrom('appointments as a')
    .innerJoin('appointment_assignees as aa', 'aa.appointment_id', 'a.id')
    .select(['a.id', 'a.seats_taken', 'aa.user_id'])
    .where('a.calendar_id', '=', calendarId)
    .where('a.status', '=', 'confirmed')
    .where('a.start_at', '=', new Date(start))
    .where('a.end_at', '=', new Date(end))
    .forUpdate('a')
    .executeTakeFirst();
}
