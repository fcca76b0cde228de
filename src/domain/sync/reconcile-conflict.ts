import { desiredSnapshot, matchingOwnWrite, sameTimeAndTitle } from './desired-event.ts';
import type { AppointmentForSync, RemoteLink, TimeAndTitle } from './types.ts';

/**
 * A conditional write answered 412 (or we had no etag): someone changed the event since we last
 * wrote it. We never overwrite blindly: the executor fetches the event and this decides what it
 * means. The planner then runs again on the outcome (a new link, maybe an appointment edit).
 */

/** The remote event as fetched: its etag and, if it reads as one event, its time, title and SEQUENCE. */
export interface FetchedRemoteEvent {
  etag: string | null;
  event: (TimeAndTitle & { sequence: number }) | null;
}

export interface ConflictInput {
  appointment: AppointmentForSync;
  userId: string;
  calendarId: string;
  href: string;
  /**
   * What we wrote here: the recorded link in this calendar, with its write-ahead record of PUTs whose
   * outcome is unknown. null only when we know nothing of a previous write.
   */
  link: RemoteLink | null;
  remote: FetchedRemoteEvent;
}

export interface ConflictOutcome {
  link: RemoteLink;
  /** The iCloud edit wins for time and title: the appointment must follow. */
  remoteEdit: TimeAndTitle | null;
  reason: string;
}

export function reconcileConflict(input: ConflictInput): ConflictOutcome {
  const { appointment, link, remote } = input;
  const desired = desiredSnapshot(appointment);
  const base = {
    appointmentId: appointment.id,
    userId: input.userId,
    calendarId: input.calendarId,
    href: input.href,
    etag: remote.etag,
    removedRemotely: false,
    createPending: false,
    pendingWrites: [],
  };
  const sequence = Math.max(link?.sequence ?? 0, remote.event?.sequence ?? 0);

  if (link === null) {
    // Our create found the event already there, and we know nothing of an earlier write (no
    // write-ahead record): the UID, hence the href, is ours, so adopt it. If it already says what we
    // want there is nothing to write, otherwise the planner updates it under the adopted etag.
    if (remote.event !== null && sameTimeAndTitle(remote.event, desired)) {
      return { link: { ...base, written: desired, sequence }, remoteEdit: null, reason: 'adopted the event an unrecorded create left' };
    }
    // An empty detailsHash matches no fingerprint, so the planner will write our version.
    const written = remote.event === null ? { ...desired, detailsHash: '' } : { ...pickTimeAndTitle(remote.event), detailsHash: '' };
    return { link: { ...base, written, sequence }, remoteEdit: null, reason: 'adopted an outdated event an unrecorded create left' };
  }

  if (remote.event === null) {
    // It no longer reads as one event (made recurring, broken): we cannot see an edit to follow, so
    // the planner rewrites our event under the new etag.
    return {
      link: { ...link, ...base, written: { ...link.written, detailsHash: '' }, sequence },
      remoteEdit: null,
      reason: 'unreadable in iCloud: rewritten',
    };
  }
  const own = matchingOwnWrite(remote.event, link);
  if (own !== null) {
    const reason =
      own === link.written && !link.createPending
        ? 'changed in iCloud outside time and title (or the etag moved): written again under the new etag'
        : 'our own earlier write, whose outcome a crash hid: adopted';
    return { link: { ...link, ...base, written: own, sequence }, remoteEdit: null, reason };
  }
  const written = { ...pickTimeAndTitle(remote.event), detailsHash: link.written.detailsHash };
  if (sameTimeAndTitle(remote.event, desired)) {
    return {
      link: { ...link, ...base, written, sequence },
      remoteEdit: null,
      reason: "iCloud already shows the appointment's time and title",
    };
  }
  return {
    link: { ...link, ...base, written, sequence },
    remoteEdit: pickTimeAndTitle(remote.event),
    reason: 'moved or retitled in iCloud meanwhile: the iCloud edit wins',
  };
}

function pickTimeAndTitle(x: TimeAndTitle): TimeAndTitle {
  return { start: x.start, end: x.end, title: x.title };
}
