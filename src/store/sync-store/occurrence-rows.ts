import type { InvitationState } from '../../domain/invitations.ts';
import { isPacked, type ImportedOccurrence, type ItemOccurrences, type PackedOccurrences } from '../../domain/sync/types.ts';
import { ArrayElements, ELEMENT_OID, arrayHeader, type ArrayCast } from '../array-elements.ts';

/**
 * Imported occurrences written as the rows of their insert (item-changes.ts): each column's elements
 * in PostgreSQL's binary array format, items one after another. A parse thread writes a batch's
 * rows where it expanded them (services/sync/parse-worker.ts), so what crosses to the event loop is
 * one block of bytes per batch instead of ~4,000 objects with two Dates each, and the store only
 * copies each item's byte ranges into the statement's parameters (decision 0017, thirteenth
 * session). Occurrences given as objects (an in-thread parse, a test) are packed the same way by
 * the store: one insert, whichever thread wrote the rows.
 */

/** The insert's columns, in its order: the item's place in its block, then the occurrence's own. */
export const OCCURRENCE_COLUMNS = [
  { name: 'item', cast: 'integer' },
  { name: 'recurrence_id', cast: 'text' },
  { name: 'start_ms', cast: 'float8' },
  { name: 'end_ms', cast: 'float8' },
  { name: 'all_day', cast: 'boolean' },
  { name: 'blocks', cast: 'boolean' },
  { name: 'invitation', cast: 'text' },
  { name: 'summary', cast: 'text' },
  { name: 'status', cast: 'text' },
  { name: 'occurrences', cast: 'integer' },
] as const satisfies readonly { name: string; cast: ArrayCast }[];

const COLUMN_COUNT = OCCURRENCE_COLUMNS.length;

/** One batch's occurrence rows (plain data: it crosses threads by structured clone). */
export interface OccurrenceRowBlock {
  /** Every column's elements, column after column. */
  bytes: Uint8Array;
  /** Where item i's elements of column c start: `starts[c * (items + 1) + i]`; the entry at i = items is the column's end. */
  starts: Int32Array;
  items: number;
  /** Per column, 1 when it holds a NULL (the array header says so). */
  nulls: Uint8Array;
}

/** One item's share of a block: what the engine carries as its occurrences. */
export interface OccurrenceRows extends PackedOccurrences {
  readonly block: OccurrenceRowBlock;
  readonly item: number;
}

/** Packed occurrences as this module wrote them (the domain's type says only that they are packed); anything else is refused. */
function rowsOf(occurrences: PackedOccurrences): OccurrenceRows {
  const rows = occurrences as Partial<OccurrenceRows>;
  if (rows.block === undefined || typeof rows.item !== 'number') throw new TypeError('packed occurrences without their rows');
  return occurrences as OccurrenceRows;
}

/** Each list's occurrences as rows of one block, in order: the handles carry them. */
export function packOccurrenceRows(lists: readonly (readonly ImportedOccurrence[])[]): OccurrenceRows[] {
  // Room for each column up front (text at 3 bytes per UTF-16 unit): the writers grow if not enough.
  let total = 0;
  const textUnits = { recurrenceId: 0, summary: 0, status: 0 };
  for (const list of lists) {
    total += list.length;
    for (const o of list) {
      textUnits.recurrenceId += o.recurrenceId?.length ?? 0;
      textUnits.summary += o.summary.length;
      textUnits.status += o.status?.length ?? 0;
    }
  }
  const text = (units: number): number => 4 * total + 3 * units;
  // In OCCURRENCE_COLUMNS' order; an invitation is mostly absent (4 bytes).
  const item = new ArrayElements(ELEMENT_OID.integer, 8 * total);
  const recurrenceId = new ArrayElements(ELEMENT_OID.text, text(textUnits.recurrenceId));
  const startMs = new ArrayElements(ELEMENT_OID.float8, 12 * total);
  const endMs = new ArrayElements(ELEMENT_OID.float8, 12 * total);
  const allDay = new ArrayElements(ELEMENT_OID.boolean, 5 * total);
  const blocks = new ArrayElements(ELEMENT_OID.boolean, 5 * total);
  const invitation = new ArrayElements(ELEMENT_OID.text, 4 * total);
  const summary = new ArrayElements(ELEMENT_OID.text, text(textUnits.summary));
  const status = new ArrayElements(ELEMENT_OID.text, text(textUnits.status));
  const occurrences = new ArrayElements(ELEMENT_OID.integer, 8 * total);
  const columns = [item, recurrenceId, startMs, endMs, allDay, blocks, invitation, summary, status, occurrences];
  const items = lists.length;
  const ends = new Int32Array(COLUMN_COUNT * (items + 1));
  lists.forEach((list, index) => {
    for (const o of list) {
      item.int4(index);
      recurrenceId.text(o.recurrenceId);
      startMs.float8(o.start.getTime());
      endMs.float8(o.end.getTime());
      allDay.boolean(o.allDay);
      blocks.boolean(o.blocks);
      invitation.text(o.invitation ?? null);
      summary.text(o.summary);
      status.text(o.status);
      occurrences.int4(o.occurrences ?? 1);
    }
    for (let c = 0; c < COLUMN_COUNT; c++) ends[c * (items + 1) + index + 1] = columns[c]!.length;
  });
  // One buffer for the block: each column's elements, at the column's offset.
  const bytes = new Uint8Array(columns.reduce((sum, column) => sum + column.length, 0));
  const starts = new Int32Array(COLUMN_COUNT * (items + 1));
  let offset = 0;
  columns.forEach((column, c) => {
    bytes.set(column.bytes(), offset);
    for (let i = 0; i <= items; i++) starts[c * (items + 1) + i] = offset + ends[c * (items + 1) + i]!;
    offset += column.length;
  });
  const block: OccurrenceRowBlock = { bytes, starts, items, nulls: Uint8Array.from(columns, (column) => (column.hasNulls ? 1 : 0)) };
  return lists.map((list, index) => ({ packed: true, count: list.length, block, item: index }));
}

/** Occurrences as rows: packed ones as they are, listed ones packed here. */
export function asOccurrenceRows(lists: readonly ItemOccurrences[]): OccurrenceRows[] {
  const listed = lists.filter((list): list is ImportedOccurrence[] => !isPacked(list));
  const packedHere = listed.length === 0 ? [] : packOccurrenceRows(listed);
  let next = 0;
  return lists.map((list) => (isPacked(list) ? rowsOf(list) : packedHere[next++]!));
}

/** One statement's parameters: each column's array (header and the items' elements), and the ids by place in the block. */
export interface OccurrenceRowParameters {
  columns: Buffer[];
  /** uuid[] of the block's items: the id of each item given, NULL for the others. */
  itemIds: Buffer;
  rows: number;
}

/** The rows of `items` (all of one block) as arrays, each item's rows going with `id`. */
export function occurrenceRowParameters(
  block: OccurrenceRowBlock,
  items: readonly { item: number; id: string }[],
): OccurrenceRowParameters {
  const width = block.items + 1;
  const rows = items.reduce((sum, { item }) => sum + rowCount(block, item), 0);
  const columns = OCCURRENCE_COLUMNS.map(({ cast }, c) => {
    const parts: Uint8Array[] = [arrayHeader(ELEMENT_OID[cast], rows, block.nulls[c] === 1)];
    // Items next to each other in the block (a first import's, all of them) are one range of bytes.
    let from = -1;
    let to = -1;
    for (const { item } of items) {
      const start = block.starts[c * width + item]!;
      if (start !== to) {
        if (from !== -1) parts.push(block.bytes.subarray(from, to));
        from = start;
      }
      to = block.starts[c * width + item + 1]!;
    }
    if (from !== -1) parts.push(block.bytes.subarray(from, to));
    return Buffer.concat(parts);
  });
  const ids = new Array<string | null>(block.items).fill(null);
  for (const { item, id } of items) ids[item] = id;
  const itemIds = new ArrayElements(ELEMENT_OID.uuid, block.items * 20);
  for (const id of ids) itemIds.uuid(id);
  return { columns, itemIds: itemIds.array(), rows };
}

/** How many rows an item has in its block (its `item` column's elements are 8 bytes each). */
function rowCount(block: OccurrenceRowBlock, item: number): number {
  return (block.starts[item + 1]! - block.starts[item]!) / 8;
}

/** The occurrences again as objects (the in-memory store of the tests, and the tests of this module). */
export function unpackOccurrenceRows(occurrences: ItemOccurrences): ImportedOccurrence[] {
  if (!isPacked(occurrences)) return occurrences;
  const { block, item } = rowsOf(occurrences);
  const width = block.items + 1;
  const view = new DataView(block.bytes.buffer, block.bytes.byteOffset, block.bytes.byteLength);
  const decoder = new TextDecoder();
  // A cursor per column over the item's elements.
  const at = OCCURRENCE_COLUMNS.map((_, c) => block.starts[c * width + item]!);
  const next = (c: number): DataView | null => {
    const length = view.getInt32(at[c]!);
    const start = at[c]! + 4;
    at[c] = start + Math.max(0, length);
    return length < 0 ? null : new DataView(block.bytes.buffer, block.bytes.byteOffset + start, length);
  };
  const text = (c: number): string | null => {
    const element = next(c);
    return element === null ? null : decoder.decode(element);
  };
  const out: ImportedOccurrence[] = [];
  for (let n = 0; n < rowCount(block, item); n++) {
    next(0);
    const recurrenceId = text(1);
    const start = new Date(next(2)!.getFloat64(0));
    const end = new Date(next(3)!.getFloat64(0));
    const allDay = next(4)!.getUint8(0) === 1;
    const blocks = next(5)!.getUint8(0) === 1;
    const invitation = text(6);
    const summary = text(7)!;
    const status = text(8);
    const count = next(9)!.getInt32(0);
    const occurrence: ImportedOccurrence = { recurrenceId, start, end, allDay, blocks, summary, status };
    if (invitation !== null) occurrence.invitation = invitation as InvitationState;
    if (count > 1) occurrence.occurrences = count;
    out.push(occurrence);
  }
  return out;
}
