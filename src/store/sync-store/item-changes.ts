import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { occurrenceCount, type ItemOccurrences, type SavedItem } from '../../domain/sync/types.ts';
import { boundArray, instantArray, textArray } from '../array-parameters.ts';
import { asOccurrenceRows, OCCURRENCE_COLUMNS, occurrenceRowParameters, type OccurrenceRowBlock } from './occurrence-rows.ts';
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
  | { href: string; type: 'upsert'; item: SavedItem; occurrences: ItemOccurrences }
  /** SkipUnchanged: the etag only, and only of an item we hold. */
  | { href: string; type: 'etag'; etag: string | null }
  | { href: string; type: 'delete' };

const ITEMS_PER_INSERT = 500;
/** Occurrences per statement: arrays, so the bound is memory, not PostgreSQL's parameter limit. */
const OCCURRENCES_PER_INSERT = 5000;
/** The unnest's column names, in the order the block holds the arrays. */
const COLUMN_NAMES = sql.raw(OCCURRENCE_COLUMNS.map((column) => column.name).join(', '));

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
      // Occurrences go with their item (migration 0023's trigger on remote_items).
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
    // Column arrays (unnest), like the occurrences below: a VALUES list of 500 rows binds 5,500
    // parameters, which PostgreSQL analyses one by one (decision 0017, third round).
    // Each array is bound as one binary parameter (array-parameters.ts).
    const items = upserts.map((u) => u.item);
    const columns = [
      // New rows' ids, made here: PGlite's gen_random_uuid() opens and reads its emulated /dev/urandom
      // once per row (~50 µs each on a data directory, decision 0017, sixth round). An item that exists
      // keeps its id (the conflict's update leaves it), so only a new row takes one of these.
      textArray(
        items.map(() => randomUUID()),
        'uuid',
      ),
      textArray(items.map((item) => item.href)),
      textArray(items.map((item) => item.etag)),
      textArray(items.map((item) => item.contentHash)),
      textArray(items.map((item) => item.uid)),
      textArray(items.map((item) => item.kind)),
      instantArray(items.map((item) => item.expandedUntil)),
      textArray(items.map((item) => item.error)),
      textArray(items.map((item) => item.errorCode ?? null)),
    ];
    const { rows } = await sql<{ id: string; href: string; inserted: boolean }>`
      insert into remote_items as i (id, workspace_id, remote_calendar_id, user_id, href, etag, content_hash, uid, kind, expanded_until, error, error_code)
      select t.id, ${calendar.workspaceId}::uuid, ${calendar.id}::uuid, ${calendar.userId}::uuid, t.href, t.etag, t.content_hash, t.uid, t.kind, t.expanded_until, t.error, t.error_code
      from unnest(${sql.join(columns)}) as t(id, href, etag, content_hash, uid, kind, expanded_until, error, error_code)
      on conflict (remote_calendar_id, href) do update set
        etag = excluded.etag, content_hash = excluded.content_hash, uid = excluded.uid, kind = excluded.kind,
        expanded_until = excluded.expanded_until, error = excluded.error, error_code = excluded.error_code, updated_at = ${new Date()}
      -- xmax is 0 on a row this statement inserted (not on one it updated): a new item has no occurrences to replace.
      returning i.id, i.href, i.xmax = 0 as inserted
    `.execute(db);
    const idOf = new Map(rows.map((r) => [r.href, r.id]));
    const updated = rows.filter((r) => !r.inserted).map((r) => r.id);
    // Replaced, not merged: the item's occurrences are exactly the ones given (none for appointment and unreadable items).
    if (updated.length > 0) await db.deleteFrom('imported_occurrences').where('remote_item_id', 'in', updated).execute();
    // A turn of the event loop between the two statements: the embedded PGlite runs each statement
    // on this thread and resolves it without one, so a first import's transaction of 500 items
    // held every socket read for 0.3–0.9 s — the next multiget's answer included, which then
    // arrived only after the store (decision 0017, fifth round). PostgreSQL waits on I/O anyway.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await this.insertOccurrences(
      db,
      upserts.filter((u) => occurrenceCount(u.occurrences) > 0),
      idOf,
    );
  }

  /**
   * One statement of column arrays (unnest) rather than rows of parameters: a recurring event
   * expands to hundreds of rows, and binding 10 parameters each is what would cost the time.
   * The arrays are the occurrences' rows as a parse thread wrote them (occurrence-rows.ts): this
   * thread copies each item's bytes and binds the items' ids by their place in the block.
   * Instants travel as epoch milliseconds (float8, exact for whole milliseconds): formatting and
   * parsing two timestamps as text per row was a measurable share of the insert (decision 0017).
   */
  private async insertOccurrences(
    db: Kysely<DB>,
    upserts: readonly Extract<ItemChange, { type: 'upsert' }>[],
    idOf: ReadonlyMap<string, string>,
  ): Promise<void> {
    const { calendar } = this;
    const handles = asOccurrenceRows(upserts.map((u) => u.occurrences));
    // By block, in order; a statement takes whole items up to OCCURRENCES_PER_INSERT rows (one item may hold more, up to ICAL_MAX_OCCURRENCES).
    const statements: { block: OccurrenceRowBlock; items: { item: number; id: string }[]; rows: number }[] = [];
    handles.forEach((handle, index) => {
      const id = idOf.get(upserts[index]!.item.href)!;
      const last = statements.at(-1);
      if (last !== undefined && last.block === handle.block && last.rows + handle.count <= OCCURRENCES_PER_INSERT) {
        last.items.push({ item: handle.item, id });
        last.rows += handle.count;
      } else statements.push({ block: handle.block, items: [{ item: handle.item, id }], rows: handle.count });
    });
    for (const { block, items } of statements) {
      const { columns, itemIds } = occurrenceRowParameters(block, items);
      const arrays = columns.map((column, c) => boundArray(column, OCCURRENCE_COLUMNS[c]!.cast));
      await sql`
        insert into imported_occurrences (workspace_id, remote_item_id, user_id, recurrence_id, start_at, end_at, all_day, blocks, invitation, summary, status, occurrences, remote_calendar_id)
        select ${calendar.workspaceId}::uuid, (${boundArray(itemIds, 'uuid')})[t.item + 1], ${calendar.userId}::uuid, t.recurrence_id, to_timestamp(t.start_ms / 1000), to_timestamp(t.end_ms / 1000), t.all_day, t.blocks, t.invitation, t.summary, t.status, t.occurrences, ${calendar.id}::uuid
        from unnest(${sql.join(arrays)}) with ordinality as t(${COLUMN_NAMES}, n)
        order by t.n
      `.execute(db);
    }
  }
}
