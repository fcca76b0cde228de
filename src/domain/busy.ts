/**
 * Busy time, padded so that slot checks become plain containment.
 *
 * A slot [s, e) with buffers is blocked by busy [b0, b1) when its padded interval
 * [s − before, e + after) overlaps it, i.e. when [s, e) overlaps [b0 − after, b1 + before).
 * Padding every busy interval once that way lets the engine test slots unpadded against one merged
 * list, instead of padding each of thousands of candidates.
 */
import { mergeWidened, type Interval } from './interval.ts';
import { MINUTE_MS } from './local-days.ts';

/**
 * What a busy interval is, so that an explanation can name it ("appointment X"); computing slots
 * never looks at it.
 */
export interface BusyRef {
  id: string;
  title: string;
  /** The item's own time, when its busy time is wider (an appointment's includes its calendar's buffers). */
  own?: Interval;
}

export interface BusyInterval extends Interval {
  ref?: BusyRef;
}

export interface BusySources {
  appointments: BusyInterval[];
  blocked: BusyInterval[];
  /** Imported from iCloud (or another CalDAV calendar). */
  imported: BusyInterval[];
}

export interface Buffers {
  bufferBeforeMin: number;
  bufferAfterMin: number;
}

/** Merged busy time of one member, widened by the slot buffers (see the module comment). */
export function paddedBusy(busy: BusySources, buffers: Buffers, includeImported: boolean): Interval[] {
  const lists = includeImported ? [busy.appointments, busy.blocked, busy.imported] : [busy.appointments, busy.blocked];
  return padAndMerge(lists, buffers);
}

/**
 * Empty intervals are dropped before padding (by mergeWidened): an empty busy interval overlaps
 * nothing, buffers or not.
 */
export function padAndMerge(lists: Interval[][], buffers: Buffers): Interval[] {
  return mergeWidened(lists, buffers.bufferAfterMin * MINUTE_MS, buffers.bufferBeforeMin * MINUTE_MS);
}
