import { sql, type Kysely } from 'kysely';
import type { ImportedOccurrence, SavedItem } from '../../domain/sync/types.ts';
import type { DB } from '../schema.ts';

/** The calendar an item belongs to, with what its rows must carry. */
export interface ItemCalendar {
  id: string;
  workspaceId: string;
  userId: string;
}

/**
 * Per-item status changes of one calendar, written set-wise: an inbound batch of 100 objects costs
 * a handful of statements instead of three per object (the initial import of a 5,000-event calendar
 * is dominated by these writes otherwise). One change per href per flush, so the order of changes
 * inside a flush does not matter; the caller flushes before an href comes round again.
 */
export type ItemChange =
  | { href: string; type: 'upsert'; item: SavedItem; occurrences: readonly ImportedOccurrence[] }
  /** SkipUnchanged: the etag only, and only of an item we hold. */
  | { href: string; type: 'etag'; etag: string | null }
  | { href: string; type: 'delete' };

const ITEMS_PER_INSERT = 500;
/** Occurrences per statement: arrays, so the bound is memory, not PostgreSQL's parameter limit. */
const OCCURRENCES_PER_INSERT = 5000;

export class ItemChangeSet {
  private readonly changes = new Map<string, ItemChange>();

  constructor(private readonly calendar: ItemCalendar) {}

  has(href: string): boolean {
    return this.changes.has(href);
  }

  add(change: ItemChange): void {
    if (this.changes.has(change.href)) throw new Error(`two changes of ${change.href} in one flush`);
    this.changes.set(change.href, change);
  }

  async flush(db: Kysely<DB>): Promise<void> {
    const changes = [...this.changes.values()];
    this.changes.clear();
    if (changes.length === 0) return;
    const deletes = changes.filter((c) => c.type === 'delete').map((c) => c.href);
    const etags = changes.filter((c): c is Extract<ItemChange, { type: 'etag' }> => c.type === 'etag');
    const upserts = changes.filter((c): c is Extract<ItemChange, { type: 'upsert' }> => c.type === 'upsert');
    const calendarId = this.calendar.id;

    if (deletes.length > 0) {
      // Occurrences go with their item (on delete cascade).
      await db.deleteFrom('remote_items').where('remote_calendar_id', '=', calendarId).where('href', 'in', deletes).execute();
    }
    if (etags.length > 0) {
      const values = sql.join(etags.map((c) => sql`(${c.href}::text, ${c.etag}::text)`));
      await sql`
        update remote_items as i set etag = v.etag, updated_at = now()
        from (values ${values}) as v(href, etag)
        where i.remote_calendar_id = ${calendarId}::uuid and i.href = v.href
      `.execute(db);
    }
    for (let i = 0; i < upserts.length; i += ITEMS_PER_INSERT) await this.upsert(db, upserts.slice(i, i + ITEMS_PER_INSERT));
  }

  private async upsert(db: Kysely<DB>, upserts: readonly Extract<ItemChange, { type: 'upsert' }>[]): Promise<void> {
    const { calendar } = this;
    const rows = await db
      .insertInto('remote_items')
      .values(
        upserts.map(({ item }) => ({
          workspace_id: calendar.workspaceId,
          remote_calendar_id: calendar.id,
          user_id: calendar.userId,
          href: item.href,
          etag: item.etag,
          content_hash: item.contentHash,
          uid: item.uid,
          kind: item.kind,
          expanded_until: item.expandedUntil,
          error: item.error,
          error_code: item.errorCode ?? null,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['remote_calendar_id', 'href']).doUpdateSet((eb) => ({
          etag: eb.ref('excluded.etag'),
          content_hash: eb.ref('excluded.content_hash'),
          uid: eb.ref('excluded.uid'),
          kind: eb.ref('excluded.kind'),
          expanded_until: eb.ref('excluded.expanded_until'),
          error: eb.ref('excluded.error'),
          error_code: eb.ref('excluded.error_code'),
          updated_at: new Date(),
        })),
      )
      // xmax is 0 on a row this statement inserted (not on one it updated): a new item has no occurrences to replace.
      .returning(['id', 'href', sql<boolean>`remote_items.xmax = 0`.as('inserted')])
      .execute();
    const idOf = new Map(rows.map((r) => [r.href, r.id]));
    const updated = rows.filter((r) => !r.inserted).map((r) => r.id);
    // Replaced, not merged: the item's occurrences are exactly the ones given (none for appointment and unreadable items).
    if (updated.length > 0) await db.deleteFrom('imported_occurrences').where('remote_item_id', 'in', updated).execute();
    // One statement of column arrays (unnest) rather than rows of parameters: a recurring event
    // expands to hundreds of rows, and binding 10 parameters each is what would cost the time.
    const rowsOf = upserts.flatMap(({ item, occurrences }) => occurrences.map((o) => ({ itemId: idOf.get(item.href)!, o })));
    for (let i = 0; i < rowsOf.length; i += OCCURRENCES_PER_INSERT) {
      const chunk = rowsOf.slice(i, i + OCCURRENCES_PER_INSERT);
      await sql`
        insert into imported_occurrences (workspace_id, remote_item_id, user_id, recurrence_id, start_at, end_at, all_day, blocks, invitation, summary, status, occurrences, remote_calendar_id)
        select ${calendar.workspaceId}::uuid, t.item_id, ${calendar.userId}::uuid, t.recurrence_id, t.start_at, t.end_at, t.all_day, t.blocks, t.invitation, t.summary, t.status, t.occurrences, ${calendar.id}::uuid
        from unnest(
          ${chunk.map((r) => r.itemId)}::uuid[], ${chunk.map((r) => r.o.recurrenceId)}::text[],
          ${chunk.map((r) => r.o.start.toISOString())}::timestamptz[], ${chunk.map((r) => r.o.end.toISOString())}::timestamptz[],
          ${chunk.map((r) => r.o.allDay)}::boolean[], ${chunk.map((r) => r.o.blocks)}::boolean[], ${chunk.map((r) => r.o.invitation ?? null)}::text[],
          ${chunk.map((r) => r.o.summary)}::text[], ${chunk.map((r) => r.o.status)}::text[],
          ${chunk.map((r) => r.o.occurrences ?? 1)}::integer[]
        ) with ordinality as t(item_id, recurrence_id, start_at, end_at, all_day, blocks, invitation, summary, status, occurrences, n)
        order by t.n
      `.execute(db);
    }
  }
}
