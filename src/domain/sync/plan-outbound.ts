import { appointmentBelongsInCalendar, desiredSnapshot, sameSnapshot } from './desired-event.ts';
import type { AppointmentForSync, RemoteLink, WrittenSnapshot } from './types.ts';
import type { FormerCalendar } from './ports.ts';

/**
 * The outbound planner: what one outbox row needs done in one user's primary calendar. It plans from
 * the appointment's CURRENT state and the recorded link, not from the row's op, so rows processed
 * twice, late or out of order still converge (the op only says why the row exists).
 */

export interface OutboundPlanInput {
  userId: string;
  appointmentId: string;
  /** null when the appointment no longer exists. */
  appointment: AppointmentForSync | null;
  /** The user's primary calendar, or null when none is configured. */
  primaryCalendarId: string | null;
  /** Where this appointment's event for this user lives in the primary calendar (RemoteCalendar.hrefFor(uid)). */
  primaryHref: string | null;
  link: RemoteLink | null;
  /** The link's calendar when it is not the primary: can the old copy be removed there? (absent: left) */
  formerCalendar?: FormerCalendar | null;
}

interface Reasoned {
  reason: string;
}

/** PUT with If-None-Match: * — a retried create answers 412 instead of making a duplicate. */
export interface CreateRemote extends Reasoned {
  type: 'CreateRemote';
  calendarId: string;
  href: string;
  sequence: number;
  snapshot: WrittenSnapshot;
}

/** PUT with If-Match: the etag we recorded (null: unknown, so the executor fetches it first). */
export interface UpdateRemote extends Reasoned {
  type: 'UpdateRemote';
  calendarId: string;
  href: string;
  ifMatch: string | null;
  sequence: number;
  snapshot: WrittenSnapshot;
}

/** DELETE with If-Match (null: no recorded etag, so the executor looks first). */
export interface DeleteRemote extends Reasoned {
  type: 'DeleteRemote';
  calendarId: string;
  href: string;
  ifMatch: string | null;
  /** The copy in a former primary, removed before writing to the new one: plan again after it. */
  moving?: true;
}

export interface Noop extends Reasoned {
  type: 'Noop';
}

export type OutboundAction = CreateRemote | UpdateRemote | DeleteRemote | Noop;

export function planOutbound(input: OutboundPlanInput): OutboundAction {
  const { appointment, link } = input;
  if (!appointmentBelongsInCalendar(appointment, input.userId)) return planAbsent(input);

  if (input.primaryCalendarId === null || input.primaryHref === null) return { type: 'Noop', reason: 'the user has no primary calendar' };
  if (link !== null && link.calendarId === input.primaryCalendarId && link.removedRemotely) {
    return { type: 'Noop', reason: 'the user deleted this event in iCloud: the appointment is flagged, not recreated' };
  }
  const snapshot = desiredSnapshot(appointment);
  if (
    link !== null &&
    link.calendarId !== input.primaryCalendarId &&
    !link.removedRemotely &&
    input.formerCalendar?.cannotDelete === null
  ) {
    // Remove first, then create: a crash in between leaves the link on the old copy, and the next run
    // finds it gone (404 → forgotten) and creates; the other order could leave a copy nobody tracks.
    return {
      type: 'DeleteRemote',
      calendarId: link.calendarId,
      href: link.href,
      ifMatch: link.etag,
      moving: true,
      reason: 'the primary calendar changed: removing the copy from the former one first',
    };
  }
  if (link === null || link.calendarId !== input.primaryCalendarId || link.createPending) {
    const moved = link !== null && link.calendarId !== input.primaryCalendarId;
    const leftBehind =
      moved && input.formerCalendar?.cannotDelete ? `; the copy in the former calendar stays: ${input.formerCalendar.cannotDelete}` : '';
    return {
      type: 'CreateRemote',
      calendarId: input.primaryCalendarId,
      href: input.primaryHref,
      sequence: link === null ? 0 : moved ? link.sequence + 1 : link.sequence,
      snapshot,
      reason:
        link === null
          ? 'no event written yet'
          : moved
            ? `the primary calendar changed: written to the new one${leftBehind}`
            : 'a create we started may not have landed: PUT If-None-Match again',
    };
  }
  if (sameSnapshot(snapshot, link.written)) return { type: 'Noop', reason: 'the remote event already shows this' };
  return {
    type: 'UpdateRemote',
    calendarId: link.calendarId,
    href: link.href,
    ifMatch: link.etag,
    sequence: link.sequence + 1,
    snapshot,
    reason: 'the appointment changed since we last wrote it',
  };
}

function planAbsent(input: OutboundPlanInput): OutboundAction {
  const { appointment, link } = input;
  const why =
    appointment === null
      ? 'the appointment no longer exists'
      : appointment.status === 'cancelled'
        ? 'the appointment is cancelled'
        : !appointment.writesToCalendar
          ? 'this booking calendar type is not written to iCloud'
          : 'the user is no longer assigned';
  if (link !== null) {
    if (link.removedRemotely) return { type: 'Noop', reason: `${why}; the event was already deleted in iCloud` };
    return { type: 'DeleteRemote', calendarId: link.calendarId, href: link.href, ifMatch: link.etag, reason: why };
  }
  if (input.primaryCalendarId !== null && input.primaryHref !== null && (appointment === null || appointment.writesToCalendar)) {
    // No recorded write, but a create may have reached iCloud before a crash kept us from recording
    // it: look at the derived href so that nothing is left behind.
    return {
      type: 'DeleteRemote',
      calendarId: input.primaryCalendarId,
      href: input.primaryHref,
      ifMatch: null,
      reason: `${why}; making sure no unrecorded event is left`,
    };
  }
  return { type: 'Noop', reason: `${why}; nothing was written` };
}
