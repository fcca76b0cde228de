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
      kind text not null check (kind in ('imported', 'appointment')),
      appointment_id uuid references appointments(id) on delete set null,
      summary text not null default '',
      error text,
      unique (remote_calendar_id, href)
    )`.execute(db);

  await sql`
    create table imported_occurrences (
      id bigserial primary key,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      remote_item_id uuid not null references remote_items(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      start_at timestamptz not null,
      end_at timestamptz not null,
      all_day boolean not null default false,
      blocks boolean not null default true,
      summary text not null default ''
    )`.execute(db);
  await sql`create index imported_occurrences_user_idx on imported_occurrences (user_id, start_at)`.execute(db);
  await sql`create index imported_occurrences_item_idx on imported_occurrences (remote_item_id)`.execute(db);

  await sql`
    create table appointment_remote_events (
      appointment_id uuid not null references appointments(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      remote_calendar_id uuid not null references remote_calendars(id) on delete cascade,
      href text not null,
      etag text,
      written_start timestamptz,
      written_end timestamptz,
      written_title text,
      primary key (appointment_id, user_id)
    )`.execute(db);

  await sql`
    create table outbox (
      id bigserial primary key,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      appointment_id uuid not null references appointments(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      op text not null check (op in ('upsert', 'delete')),
      attempts integer not null default 0,
      next_attempt_at timestamptz not null default now(),
      last_error text,
      created_at timestamptz not null default now(),
      done_at timestamptz
    )`.execute(db);
  await sql`create index outbox_pending_idx on outbox (next_attempt_at) where done_at is null`.execute(db);

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
  for (const table of ['appointment_history', 'outbox', 'appointment_remote_events', 'imported_occurrences', 'remote_items', 'remote_calendars', 'connections']) {
    await sql`drop table if exists ${sql.table(table)} cascade`.execute(db);
  }
}
