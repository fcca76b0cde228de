import { sql, type Kysely } from 'kysely';

/**
 * Invitations: the link an owner hands a new team member to set their password. Only the
 * SHA-256 of the token is stored; a link works once and until it expires.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table invites (
      id uuid primary key default gen_random_uuid(),
      workspace_id uuid not null references workspaces(id) on delete cascade,
      user_id uuid not null references users(id) on delete cascade,
      token_hash text not null unique,
      expires_at timestamptz not null,
      used_at timestamptz,
      created_at timestamptz not null default now()
    )`.execute(db);
  await sql`create index invites_user_idx on invites (user_id)`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`drop table if exists invites`.execute(db);
}
