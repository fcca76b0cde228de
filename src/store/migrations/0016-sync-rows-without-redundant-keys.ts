import { sql, type Kysely } from 'kysely';

/**
 * A first import writes every item and occurrence of a calendar (5,000 items, ~32,000 occurrences
 * for a busy one), and each foreign key is a lookup per inserted row — on the embedded PGlite an
 * SPI query each, about a third of the occurrences' insert (decision 0017). The workspace and user
 * keys of remote_items and imported_occurrences are redundant: their rows are written with the
 * calendar's own workspace and user (store/sync-store/item-changes.ts), and go with it — calendar →
 * items → occurrences cascade, and the calendar goes with its workspace, connection and user. The
 * keys that carry those cascades stay.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table imported_occurrences
    drop constraint if exists imported_occurrences_workspace_id_fkey,
    drop constraint if exists imported_occurrences_user_id_fkey`.execute(db);
  await sql`alter table remote_items
    drop constraint if exists remote_items_workspace_id_fkey,
    drop constraint if exists remote_items_user_id_fkey`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table imported_occurrences
    add constraint imported_occurrences_workspace_id_fkey foreign key (workspace_id) references workspaces(id) on delete cascade,
    add constraint imported_occurrences_user_id_fkey foreign key (user_id) references users(id) on delete cascade`.execute(db);
  await sql`alter table remote_items
    add constraint remote_items_workspace_id_fkey foreign key (workspace_id) references workspaces(id) on delete cascade,
    add constraint remote_items_user_id_fkey foreign key (user_id) references users(id) on delete cascade`.execute(db);
}
