import { sql, type Kysely } from 'kysely';

/**
 * The booking model (SPEC §1–2). Every table carries workspace_id so that every query can be
 * scoped by tenant, and the no-double-booking guarantee lives here, in an exclusion constraint,
 * not in application code (DESIGN §4).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create extension if not exists btree_gist`.execute(db);

  await sql`
    create table workspaces (
      id uuid primary key default gen_random_uuid(),
      name text not null,
      slug text not null unique,
      created_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table users (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      email text not null,
      name text not null,
      role text not null check (role in ('owner', 'admin', 'member')),
      timezone text not null,
      weekly_hours jsonb not null,
      password_hash text,
      created_at timestamptz not null default now()
    )`.execute(db);
  // Sign-in is by email alone, so an email names one user across the installation.
  await sql`create unique index users_email_key on users (lower(email))`.execute(db);
  await sql`create index users_workspace_idx on users (workspace_id)`.execute(db);

  await sql`
    create table date_overrides (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      date date not null,
      ranges jsonb not null,
      unique (user_id, date)
    )`.execute(db);

  await sql`
    create table sessions (
      token_hash text primary key,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      expires_at timestamptz not null,
      created_at timestamptz not null default now()
    )`.execute(db);

  await sql`
    create table api_tokens (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      name text not null,
      token_hash text not null unique,
      created_at timestamptz not null default now(),
      last_used_at timestamptz
    )`.execute(db);

  await sql`
    create table contacts (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      name text not null,
      email text not null,
      phone text,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create unique index contacts_email_key on contacts (workspace_id, lower(email))`.execute(db);

  await sql`
    create table booking_calendars (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      slug text not null,
      name text not null,
      type text not null check (type in ('round_robin', 'collective', 'class', 'service', 'simple', 'event')),
      duration_min integer not null check (duration_min between 5 and 1440),
      interval_min integer not null check (interval_min between 5 and 1440),
      buffer_before_min integer not null default 0 check (buffer_before_min between 0 and 1440),
      buffer_after_min integer not null default 0 check (buffer_after_min between 0 and 1440),
      min_notice_min integer not null default 0 check (min_notice_min >= 0),
      window_days integer not null default 60 check (window_days between 1 and 730),
      daily_limit integer check (daily_limit is null or daily_limit >= 1),
      seats integer not null default 1 check (seats between 1 and 9999),
      distribution text not null default 'availability' check (distribution in ('availability', 'equal')),
      location text,
      event_schedule jsonb,
      created_at timestamptz not null default now(),
      unique (workspace_id, slug)
    )`.execute(db);

  await sql`
    create table calendar_members (
      calendar_id uuid not null references booking_calendars(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      priority integer not null default 0,
      primary key (calendar_id, user_id)
    )`.execute(db);

  await sql`
    create table services (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      calendar_id uuid not null references booking_calendars(id) on delete cascade,
      name text not null,
      duration_min integer not null check (duration_min between 5 and 1440),
      price_cents integer check (price_cents is null or price_cents >= 0),
      currency text
    )`.execute(db);

  await sql`
    create table service_staff (
      service_id uuid not null references services(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      primary key (service_id, user_id)
    )`.execute(db);

  // An appointment is a booked time with its assignees. For Class and Event calendars it is the
  // session; each client's booking of seats in it is an attendee row.
  await sql`
    create table appointments (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      calendar_id uuid not null references booking_calendars(id) on delete cascade,
      service_id uuid references services(id) on delete set null,
      start_at timestamptz not null,
      end_at timestamptz not null,
      status text not null default 'confirmed' check (status in ('confirmed', 'cancelled')),
      title text not null,
      location text,
      seats_taken integer not null default 0,
      removed_from_remote boolean not null default false,
      overlap_flagged boolean not null default false,
      version integer not null default 1,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      check (end_at > start_at)
    )`.execute(db);
  await sql`create index appointments_calendar_idx on appointments (calendar_id, start_at)`.execute(db);

  // The double-booking guard: no user holds two live assignments that overlap. An assignment that
  // an edit in iCloud moved onto another booking is flagged instead (SPEC §5: flagged, not refused)
  // and steps out of the constraint; the booking transaction still treats it as busy.
  await sql`
    create table appointment_assignees (
      appointment_id uuid not null references appointments(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      workspace_id uuid not null references workspaces(id) on delete cascade,
      during tstzrange not null,
      status text not null default 'confirmed' check (status in ('confirmed', 'cancelled')),
      overlap_allowed boolean not null default false,
      primary key (appointment_id, user_id),
      constraint appointment_assignees_no_overlap
        exclude using gist (user_id with =, during with &&) where (status <> 'cancelled' and not overlap_allowed)
    )`.execute(db);
  await sql`create index appointment_assignees_user_idx on appointment_assignees using gist (user_id, during)`.execute(db);

  await sql`
    create table attendees (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      appointment_id uuid not null references appointments(id) on delete cascade,
      contact_id uuid not null references contacts(id) on delete restrict,
      seats integer not null default 1 check (seats >= 1),
      status text not null default 'confirmed' check (status in ('confirmed', 'cancelled')),
      secret_hash text not null,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index attendees_appointment_idx on attendees (appointment_id)`.execute(db);

  await sql`
    create table blocked_slots (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      start_at timestamptz not null,
      end_at timestamptz not null,
      title text not null default '',
      created_at timestamptz not null default now(),
      check (end_at > start_at)
    )`.execute(db);
  await sql`create index blocked_slots_user_idx on blocked_slots (user_id, start_at)`.execute(db);

  // Replays of a request with the same Idempotency-Key return the first answer.
  await sql`
    create table idempotency_keys (
      scope text not null,
      key text not null,
      request_hash text not null,
      status_code integer not null,
      response jsonb not null,
      created_at timestamptz not null default now(),
      primary key (scope, key)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'idempotency_keys',
    'blocked_slots',
    'attendees',
    'appointment_assignees',
    'appointments',
    'service_staff',
    'services',
    'calendar_members',
    'booking_calendars',
    'contacts',
    'api_tokens',
    'sessions',
    'date_overrides',
    'users',
    'workspaces',
  ]) {
    await sql`drop table if exists ${sql.table(table)} cascade`.execute(db);
  }
}
