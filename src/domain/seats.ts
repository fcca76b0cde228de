/**
 * Seats in Class and Event sessions. A session is an existing booked time of the calendar; its own
 * appointments are not in the host's busy time, because joining a session that still has seats must
 * stay possible.
 */
import { padAndMerge, type Buffers } from './busy.ts';
import { overlapsAny, type Interval } from './interval.ts';
import { MINUTE_MS } from './local-days.ts';

export interface ClassSession {
  start: number;
  end: number;
  userId: string;
  seatsTaken: number;
}

export interface SessionIndex {
  /** Sessions by start; sessions with the same start and end are combined (their seats add up). */
  byStart: Map<number, ClassSession[]>;
  /** All sessions, padded by the buffers and merged (see busy.ts). */
  padded: Interval[];
  buffers: Buffers;
}

export function indexSessions(sessions: ClassSession[], buffers: Buffers): SessionIndex {
  const byStart = new Map<number, ClassSession[]>();
  for (const s of sessions) {
    const atStart = byStart.get(s.start) ?? [];
    const same = atStart.find((x) => x.end === s.end);
    if (same !== undefined) same.seatsTaken += s.seatsTaken;
    else atStart.push({ ...s });
    byStart.set(s.start, atStart);
  }
  return { byStart, padded: padAndMerge([sessions], buffers), buffers };
}

/** The session that starts and ends exactly like the slot [start, end), if any. */
export function sessionAt(index: SessionIndex, start: number, end: number): ClassSession | undefined {
  return index.byStart.get(start)?.find((s) => s.end === end);
}

/** All sessions starting at `start`, whatever their length, combined (Event occurrences). */
export function seatsTakenAt(index: SessionIndex, start: number): { seatsTaken: number; userId: string | undefined } {
  const atStart = index.byStart.get(start) ?? [];
  return { seatsTaken: atStart.reduce((sum, s) => sum + s.seatsTaken, 0), userId: atStart[0]?.userId };
}

/** Whether the slot [start, end), with buffers, collides with any session other than `except`. */
export function collidesWithOtherSession(index: SessionIndex, start: number, end: number, except: ClassSession | undefined): boolean {
  if (!overlapsAny({ start, end }, index.padded)) return false;
  if (except === undefined) return true;
  // Only a slot matching a session gets here, and there are few sessions, so a scan is fine.
  return sessionsCollidingWith(index, start, end, except).length > 0;
}

/** The sessions other than `except` that the slot [start, end), with buffers, collides with. */
export function sessionsCollidingWith(index: SessionIndex, start: number, end: number, except: ClassSession | undefined): ClassSession[] {
  const before = index.buffers.bufferBeforeMin * MINUTE_MS;
  const after = index.buffers.bufferAfterMin * MINUTE_MS;
  const out: ClassSession[] = [];
  for (const sessions of index.byStart.values()) {
    for (const s of sessions) {
      if (s === except) continue;
      if (s.end > s.start && start < s.end + before && end > s.start - after) out.push(s);
    }
  }
  return out;
}
