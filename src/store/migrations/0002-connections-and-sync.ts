import { sql, type Kysely } from 'kysely';

/**
 * Connected CalDAV accounts (iCloud first), their calendars and each user's calendar
 * configuration (SPEC §3–4), and the sync engine's state (SPEC §5, DESIGN §3): per-item status,
 * imported occurrences, our appointments' remote events, and the outbox.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table connections (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      provider text not null check (provider in ('icloud', 'caldav')),
      server_url text not null,
      username text not null,
      secret_ciphertext text not null,
      principal_url text not null,
      calendar_home_url text not null,
      status text not null default 'active' check (status in ('active', 'needs_reconnect')),
      last_error_code text,
      last_error_message text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index connections_user_idx on connections (user_id)`.execute(db);
  // One connection per account and user: a second one would import every event twice.
  await sql`create unique index connections_one_per_account on connections (user_id, server_url, lower(username))`.execute(db);

  await sql`
    create table remote_calendars (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      connection_id uuid not null references connections(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      url text not null,
      display_name text not null,
      color text,
      components text[] not null default '{}',
      writable boolean not null,
      subscribed boolean not null default false,
      -- Listed but not offered for configuration (subscribed webcal feeds); the reason is shown greyed out.
      connectable boolean not null default true,
      not_connectable_reason text,
      ctag text,
      role text not null default 'none' check (role in ('none', 'primary', 'conflict')),
      sync_token text,
      last_synced_at timestamptz,
      last_error_code text,
      last_error_message text,
      warning text,
      next_sync_at timestamptz,
      failures integer not null default 0,
      import_total integer,
      import_done integer,
      last_full_sync_at timestamptz,
      unique (connection_id, url)
    )`.execute(db);
  // SPEC §4: exactly zero or one primary calendar per user.
  await sql`create unique index remote_calendars_one_primary on remote_calendars (user_id) where role = 'primary'`.execute(db);
  await sql`create index remote_calendars_due_idx on remote_calendars (next_sync_at) where role <> 'none'`.execute(db);

  // Sync state of a calendar the user configured (SPEC §5): the empty-calendar refusal, structured
  // (the `warning` text above carries its message for display).
  await sql`alter table remote_calendars add column sync_warning jsonb`.execute(db);
  // The user answered the empty-calendar warning with "yes, it really is empty": the next sync may empty it.
  await sql`alter table remote_calendars add column allow_empty_once boolean not null default false`.execute(db);

  // Per-item status of a remote calendar, like vdirsyncer's status file (DESIGN §3): what we last
  // saw of each object, so the inbound planner can tell changed from unchanged.
  await sql`
    create table remote_items (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      remote_calendar_id uuid not null references remote_calendars(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      href text not null,
      etag text,
      content_hash text,
      uid text,
      kind text not null check (kind in ('imported', 'appointment', 'unreadable')),
      -- Imported items: the end of the span their occurrences were expanded over.
      expanded_until timestamptz,
      error text,
      updated_at timestamptz not null default now(),
      unique (remote_calendar_id, href)
    )`.execute(db);

  // The imported blocked slots: one row per occurrence of an imported event, expanded over the
  // sync window, so availability reads rows instead of expanding recurrences per request.
  await sql`
    create table imported_occurrences (
      id bigserial primary key,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      remote_item_id uuid not null references remote_items(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      recurrence_id text,
      start_at timestamptz not null,
      end_at timestamptz not null,
      all_day boolean not null default false,
      -- false for free, cancelled and declined events: shown, not blocking.
      blocks boolean not null default true,
      summary text not null default '',
      status text
    )`.execute(db);
  await sql`create index imported_occurrences_user_idx on imported_occurrences (user_id, start_at)`.execute(db);
  await sql`create index imported_occurrences_item_idx on imported_occurrences (remote_item_id)`.execute(db);

  // Where an appointment's event lives in one user's calendar, and what we wrote there: inbound sync
  // compares against the written snapshot (not the appointment) to tell an iCloud edit from a local
  // change still in the outbox; pending_writes is the write-ahead record of PUTs whose outcome is
  // not yet known (ADR 0004).
  await sql`
    create table appointment_links (
      appointment_id uuid not null references appointments(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      remote_calendar_id uuid not null references remote_calendars(id) on delete cascade,
      href text not null,
      etag text,
      written_start timestamptz not null,
      written_end timestamptz not null,
      written_title text not null,
      written_details_hash text not null,
      sequence integer not null default 0,
      removed_remotely boolean not null default false,
      create_pending boolean not null default false,
      pending_writes jsonb not null default '[]',
      updated_at timestamptz not null default now(),
      primary key (appointment_id, user_id)
    )`.execute(db);
  await sql`create index appointment_links_calendar_idx on appointment_links (remote_calendar_id, href)`.execute(db);

  // Appointment changes waiting to reach iCloud, written in the booking transaction. No foreign key
  // to appointments: a row must outlive its appointment, so the dispatcher still removes the event.
  await sql`
    create table outbox (
      id bigserial primary key,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      appointment_id uuid not null,
      user_id uuid not null references users(id) on delete cascade,
      op text not null check (op in ('upsert', 'delete')),
      status text not null default 'pending' check (status in ('pending', 'done', 'failed')),
      attempts integer not null default 0,
      not_before timestamptz not null default now(),
      leased_until timestamptz,
      last_error text,
      created_at timestamptz not null default now(),
      done_at timestamptz
    )`.execute(db);
  await sql`create index outbox_due_idx on outbox (not_before, id) where status = 'pending'`.execute(db);
  await sql`create index outbox_pair_idx on outbox (appointment_id, user_id) where status = 'pending'`.execute(db);

  // What happened to an appointment outside Tandem's booking flow (moves from iCloud, overlaps).
  await sql`
    create table appointment_history (
      id bigserial primary key,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      appointment_id uuid not null references appointments(id) on delete cascade,
      kind text not null,
      details jsonb not null default '{}',
      created_at timestamptz not null default now()
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'appointment_history',
    'outbox',
    'appointment_links',
    'imported_occurrences',
    'remote_items',
    'remote_calendars',
    'connections',
  ]) {
    await sql`drop table if exists ${sql.table(table)} cascade`.execute(db);
  }
}
