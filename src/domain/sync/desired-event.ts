import { fingerprint } from './fingerprint.ts';
import type { AppointmentForSync, TimeAndTitle, TimeRange, WrittenSnapshot } from './types.ts';

/** What the remote event of this appointment should say, in the form we record after writing it. */
export function desiredSnapshot(appointment: AppointmentForSync): WrittenSnapshot {
  return {
    start: appointment.start,
    end: appointment.end,
    title: appointment.title,
    detailsHash: fingerprint([appointment.description, appointment.location, appointment.url, appointment.timezone]),
  };
}

export function sameTimeAndTitle(a: TimeAndTitle, b: TimeAndTitle): boolean {
  return a.start.getTime() === b.start.getTime() && a.end.getTime() === b.end.getTime() && a.title === b.title;
}

export function sameSnapshot(a: WrittenSnapshot, b: WrittenSnapshot): boolean {
  return sameTimeAndTitle(a, b) && a.detailsHash === b.detailsHash;
}

/** Which of our own writes (the last recorded one, or one whose outcome we lost) this event shows, if any. */
export function matchingOwnWrite(
  event: TimeAndTitle,
  link: { written: WrittenSnapshot; pendingWrites: readonly WrittenSnapshot[] },
): WrittenSnapshot | null {
  for (let i = link.pendingWrites.length - 1; i >= 0; i--)
    if (sameTimeAndTitle(event, link.pendingWrites[i]!)) return link.pendingWrites[i]!;
  return sameTimeAndTitle(event, link.written) ? link.written : null;
}

export function rangesOverlap(a: TimeRange, b: TimeRange): boolean {
  // Half-open: back-to-back appointments do not overlap.
  return a.start.getTime() < b.end.getTime() && b.start.getTime() < a.end.getTime();
}

/** Should this user's primary calendar hold an event for this appointment right now? */
export function appointmentBelongsInCalendar(appointment: AppointmentForSync | null, userId: string): appointment is AppointmentForSync {
  return (
    appointment !== null &&
    appointment.status === 'confirmed' &&
    appointment.writesToCalendar &&
    appointment.assignedUserIds.includes(userId)
  );
}
