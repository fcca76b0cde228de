import { sql, type Kysely } from 'kysely';

/**
 * A booking's rows point at their parents within their workspace (issue 13.4, decision 0024 third
 * round). The one statement that writes a booking (services/booking/insert-booking.ts) fired 20
 * foreign-key checks, each an SPI query that takes FOR KEY SHARE on the parent; 8 of them locked the
 * same `workspaces` row, which every concurrent booking of the workspace locks too. A child carried a
 * key to its parent and another to the workspace, and nothing said the two agree.
 *
 * Now a child's key to its parent is composite, `(parent_id, workspace_id) → parent (id,
 * workspace_id)`: one check instead of two, and the schema itself refuses a row whose parent is in
 * another workspace. The `workspace_id` key goes wherever a composite key covers it, because the
 * parent's own key reaches the workspace (and cascades from it): appointments through their booking
 * calendar; assignments, attendees and outbox rows through their appointment or user. A message
 * keeps its workspace through whichever of appointment, attendee or user it names — every writer
 * names one (an appointment's notice: the appointment; a connection notice: the user), and the CHECK
 * makes that a rule. Contacts keep their key to the workspace, their only parent.
 *
 * Each parent gains a unique (id, workspace_id) index for its children's keys to refer to; `id` is
 * already unique, so existing rows satisfy it, and rows written by the application satisfy the new
 * keys (every writer copies the workspace from the parent it names). A row that does not makes this
 * migration fail instead of carrying the inconsistency on.
 *
 * An appointment's service becomes null when the service is deleted, as before: `set null
 * (service_id)` leaves the workspace alone (PostgreSQL 15+, PGlite too). An attendee's contact
 * cannot be deleted while the attendee exists, as before (`restrict`), but that is now checked at
 * commit: deleting a workspace deletes its contacts before the cascade through calendar and
 * appointment reaches their attendees, and an immediate check would refuse it (attendees used to
 * cascade from the workspace directly). No statement of the application deletes a contact.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const table of PARENTS) {
    await sql`alter table ${sql.table(table)} add constraint ${sql.id(`${table}_id_workspace_key`)} unique (id, workspace_id)`.execute(db);
  }
  await sql`alter table appointments
    drop constraint appointments_workspace_id_fkey,
    drop constraint appointments_calendar_id_fkey,
    drop constraint appointments_service_id_fkey,
    add constraint appointments_calendar_fkey foreign key (calendar_id, workspace_id)
      references booking_calendars (id, workspace_id) on delete cascade,
    add constraint appointments_service_fkey foreign key (service_id, workspace_id)
      references services (id, workspace_id) on delete set null (service_id)`.execute(db);
  await sql`alter table appointment_assignees
    drop constraint appointment_assignees_workspace_id_fkey,
    drop constraint appointment_assignees_appointment_id_fkey,
    drop constraint appointment_assignees_user_id_fkey,
    add constraint appointment_assignees_appointment_fkey foreign key (appointment_id, workspace_id)
      references appointments (id, workspace_id) on delete cascade,
    add constraint appointment_assignees_user_fkey foreign key (user_id, workspace_id)
      references users (id, workspace_id) on delete cascade`.execute(db);
  await sql`alter table attendees
    drop constraint attendees_workspace_id_fkey,
    drop constraint attendees_appointment_id_fkey,
    drop constraint attendees_contact_id_fkey,
    add constraint attendees_appointment_fkey foreign key (appointment_id, workspace_id)
      references appointments (id, workspace_id) on delete cascade,
    add constraint attendees_contact_fkey foreign key (contact_id, workspace_id)
      references contacts (id, workspace_id) deferrable initially deferred`.execute(db);
  await sql`alter table outbox
    drop constraint outbox_workspace_id_fkey,
    drop constraint outbox_user_id_fkey,
    add constraint outbox_user_fkey foreign key (user_id, workspace_id)
      references users (id, workspace_id) on delete cascade`.execute(db);
  await sql`alter table messages
    drop constraint messages_workspace_id_fkey,
    drop constraint messages_appointment_id_fkey,
    drop constraint messages_attendee_id_fkey,
    drop constraint messages_user_id_fkey,
    add constraint messages_appointment_fkey foreign key (appointment_id, workspace_id)
      references appointments (id, workspace_id) on delete cascade,
    add constraint messages_attendee_fkey foreign key (attendee_id, workspace_id)
      references attendees (id, workspace_id) on delete cascade,
    add constraint messages_user_fkey foreign key (user_id, workspace_id)
      references users (id, workspace_id) on delete cascade,
    add constraint messages_names_a_parent check (num_nonnulls(appointment_id, attendee_id, user_id) > 0)`.execute(db);
}

/** The parents whose children now refer to them by (id, workspace_id). */
const PARENTS = ['users', 'booking_calendars', 'services', 'contacts', 'appointments', 'attendees'] as const;

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table messages
    drop constraint messages_appointment_fkey,
    drop constraint messages_attendee_fkey,
    drop constraint messages_user_fkey,
    drop constraint messages_names_a_parent,
    add constraint messages_workspace_id_fkey foreign key (workspace_id) references workspaces (id) on delete cascade,
    add constraint messages_appointment_id_fkey foreign key (appointment_id) references appointments (id) on delete cascade,
    add constraint messages_attendee_id_fkey foreign key (attendee_id) references attendees (id) on delete cascade,
    add constraint messages_user_id_fkey foreign key (user_id) references users (id) on delete cascade`.execute(db);
  await sql`alter table outbox
    drop constraint outbox_user_fkey,
    add constraint outbox_workspace_id_fkey foreign key (workspace_id) references workspaces (id) on delete cascade,
    add constraint outbox_user_id_fkey foreign key (user_id) references users (id) on delete cascade`.execute(db);
  await sql`alter table attendees
    drop constraint attendees_appointment_fkey,
    drop constraint attendees_contact_fkey,
    add constraint attendees_workspace_id_fkey foreign key (workspace_id) references workspaces (id) on delete cascade,
    add constraint attendees_appointment_id_fkey foreign key (appointment_id) references appointments (id) on delete cascade,
    add constraint attendees_contact_id_fkey foreign key (contact_id) references contacts (id) on delete restrict`.execute(db);
  await sql`alter table appointment_assignees
    drop constraint appointment_assignees_appointment_fkey,
    drop constraint appointment_assignees_user_fkey,
    add constraint appointment_assignees_workspace_id_fkey foreign key (workspace_id) references workspaces (id) on delete cascade,
    add constraint appointment_assignees_appointment_id_fkey foreign key (appointment_id) references appointments (id) on delete cascade,
    add constraint appointment_assignees_user_id_fkey foreign key (user_id) references users (id) on delete cascade`.execute(db);
  await sql`alter table appointments
    drop constraint appointments_calendar_fkey,
    drop constraint appointments_service_fkey,
    add constraint appointments_workspace_id_fkey foreign key (workspace_id) references workspaces (id) on delete cascade,
    add constraint appointments_calendar_id_fkey foreign key (calendar_id) references booking_calendars (id) on delete cascade,
    add constraint appointments_service_id_fkey foreign key (service_id) references services (id) on delete set null`.execute(db);
  for (const table of [...PARENTS].reverse()) {
    await sql`alter table ${sql.table(table)} drop constraint ${sql.id(`${table}_id_workspace_key`)}`.execute(db);
  }
}
