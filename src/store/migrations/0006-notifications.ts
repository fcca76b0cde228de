import { sql, type Kysely } from 'kysely';

/**
 * Clients and other systems are told (issue 11): the booker's zone and cancellation reason, each
 * calendar's message switches, reminder offsets and client deadline, the e-mail outbox (messages),
 * and webhook endpoints with their delivery outbox. Both outboxes are written in the transaction of
 * the change that causes them, like the calendar outbox.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // The zone the client booked in: their e-mails show times in it.
  await sql`alter table attendees add column timezone text`.execute(db);
  await sql`alter table attendees add column cancel_reason text`.execute(db);

  await sql`
    create table calendar_notification_settings (
      calendar_id uuid primary key references booking_calendars(id) on delete cascade,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      client_confirmation boolean not null default true,
      client_rescheduled boolean not null default true,
      client_cancelled boolean not null default true,
      client_reminder boolean not null default true,
      staff_new_booking boolean not null default true,
      staff_client_cancelled boolean not null default true,
      reminder_offsets_min integer[] not null default '{1440}',
      client_change_deadline_min integer check (client_change_deadline_min >= 0),
      updated_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table messages (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      appointment_id uuid references appointments(id) on delete cascade,
      attendee_id uuid references attendees(id) on delete cascade,
      user_id uuid references users(id) on delete cascade,
      kind text not null,
      recipient_email text not null,
      recipient_name text not null,
      recipient_zone text not null,
      content jsonb not null,
      manage_link_ciphertext text,
      status text not null default 'pending' check (status in ('pending', 'sent', 'failed', 'skipped')),
      attempts integer not null default 0,
      not_before timestamptz not null default now(),
      leased_until timestamptz,
      last_error text,
      sent_at timestamptz,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index messages_due_idx on messages (not_before) where status = 'pending'`.execute(db);
  await sql`create index messages_appointment_idx on messages (appointment_id)`.execute(db);
  await sql`create index messages_attendee_pending_idx on messages (attendee_id) where status = 'pending'`.execute(db);

  await sql`
    create table webhook_endpoints (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      url text not null,
      events text[] not null,
      secret_ciphertext text not null,
      status text not null default 'active' check (status in ('active', 'disabled')),
      disabled_reason text,
      failing_since timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index webhook_endpoints_workspace_idx on webhook_endpoints (workspace_id)`.execute(db);

  await sql`
    create table webhook_deliveries (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      endpoint_id uuid not null references webhook_endpoints(id) on delete cascade,
      appointment_id uuid,
      event text not null,
      payload jsonb not null,
      status text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
      attempts integer not null default 0,
      not_before timestamptz not null default now(),
      leased_until timestamptz,
      last_status_code integer,
      last_error text,
      created_at timestamptz not null default now(),
      delivered_at timestamptz
    )`.execute(db);
  await sql`create index webhook_deliveries_due_idx on webhook_deliveries (not_before) where status = 'pending'`.execute(db);
  await sql`create index webhook_deliveries_endpoint_idx on webhook_deliveries (endpoint_id, created_at desc)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['webhook_deliveries', 'webhook_endpoints', 'messages', 'calendar_notification_settings']) {
    await sql`drop table if exists ${sql.table(table)} cascade`.execute(db);
  }
  await sql`alter table attendees drop column if exists timezone, drop column if exists cancel_reason`.execute(db);
}
