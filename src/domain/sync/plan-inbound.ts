import { appointmentIdFromUid } from './appointment-uid.ts';
import { matchingOwnWrite, rangesOverlap, sameTimeAndTitle } from './desired-event.ts';
import type { InboundAction, LinkUpdate } from './inbound-actions.ts';
import { expansionIsStale, type SyncWindow } from './sync-window.ts';
import {
  isPacked,
  type AppointmentForSync,
  type AppointmentSpan,
  type ImportedOccurrence,
  type ItemOccurrences,
  type ItemProblem,
  type RemoteLink,
  type SavedItem,
  type TimeAndTitle,
} from './types.ts';

/**
 * The inbound planner: given what we saved about a calendar and what the remote says changed,
 * decide what to do, one action per object. It only decides; run-inbound-sync does (DESIGN §3).
 */

/** A changed remote object, fetched and parsed by the executor. */
export interface FetchedItem {
  href: string;
  etag: string | null;
  contentHash: string | null;
  uid: string | null;
  content:
    | {
        ok: true;
        occurrences: ItemOccurrences;
        expandedUntil: Date;
        /** Time and title as one event; read only for our appointment UIDs, null if that failed. */
        event: TimeAndTitle | null;
        /** Imported in part (a VEVENT skipped, occurrences capped): kept on the item and shown. */
        problem?: ItemProblem | null;
      }
    | { ok: false; error: string; errorCode?: string };
}

export interface LinkedAppointment {
  appointment: AppointmentForSync;
  /** This calendar user's link, if the dispatcher has recorded one. */
  link: RemoteLink | null;
}

export interface InboundPlanInput {
  calendar: { id: string; userId: string; isPrimary: boolean };
  saved: ReadonlyMap<string, SavedItem>;
  fetched: readonly FetchedItem[];
  /** Hrefs the remote reports deleted (or that a complete listing no longer holds). */
  deleted: readonly string[];
  /** Appointments assigned to this user whose UIDs appear in `fetched` or in the saved items of `deleted`, by appointment id. */
  appointments: ReadonlyMap<string, LinkedAppointment>;
  /** This user's confirmed appointments around the times in `fetched`, for overlap flags. */
  otherAppointments: readonly AppointmentSpan[];
  window: SyncWindow;
  /** The user confirmed the calendar really is empty: let deletions empty it. */
  allowEmpty?: boolean;
}

export function planInbound(input: InboundPlanInput): InboundAction[] {
  const fetchedHrefs = new Set(input.fetched.map((f) => f.href));
  const deleted = input.deleted.filter((href) => input.saved.has(href) && !fetchedHrefs.has(href));

  const refusal = refuseIfEmptied(input, deleted, fetchedHrefs);
  if (refusal) return [refusal];

  const actions: InboundAction[] = [];
  for (const item of input.fetched) actions.push(planFetched(input, item));
  for (const href of deleted) actions.push(planDeleted(input, input.saved.get(href)!));
  return actions;
}

function refuseIfEmptied(input: InboundPlanInput, deleted: readonly string[], fetchedHrefs: ReadonlySet<string>): InboundAction | null {
  if (input.allowEmpty || deleted.length === 0) return null;
  const remaining = new Set(input.saved.keys());
  for (const href of deleted) remaining.delete(href);
  for (const href of fetchedHrefs) remaining.add(href);
  if (remaining.size > 0) return null;
  return {
    type: 'RefuseEmptyCalendar',
    heldItems: input.saved.size,
    reason: `the calendar now lists nothing while we hold ${input.saved.size} item(s): keeping them until it is confirmed empty`,
  };
}

/**
 * A copy of our own appointment, shown but not blocking. Its occurrences are listed: the parse
 * threads pack only events whose UID is not one of our appointments' (services/sync/parse-worker.ts).
 */
function nonBlocking(occurrences: ItemOccurrences): ImportedOccurrence[] {
  if (isPacked(occurrences)) throw new Error('the occurrences of one of our own appointments came packed');
  return occurrences.map((o) => ({ ...o, blocks: false }));
}

function linkedAppointmentFor(input: InboundPlanInput, uid: string | null): LinkedAppointment | undefined {
  const id = appointmentIdFromUid(uid);
  return id === null ? undefined : input.appointments.get(id);
}

function planFetched(input: InboundPlanInput, item: FetchedItem): InboundAction {
  const saved = input.saved.get(item.href);
  const ref = { href: item.href, etag: item.etag, contentHash: item.contentHash, uid: item.uid };
  const unchanged = saved !== undefined && saved.contentHash !== null && saved.contentHash === item.contentHash;

  if (!item.content.ok) {
    if (unchanged && saved.kind === 'unreadable')
      return { type: 'SkipUnchanged', href: item.href, etag: item.etag, reason: 'still unreadable, same content' };
    return {
      type: 'RecordUnreadableItem',
      ...ref,
      error: item.content.error,
      ...(item.content.errorCode !== undefined && { errorCode: item.content.errorCode }),
      reason: `cannot read the event: ${item.content.error}`,
    };
  }

  const linked = linkedAppointmentFor(input, item.uid);
  if (linked && input.calendar.isPrimary) {
    if (unchanged && saved.kind === 'appointment')
      return { type: 'SkipUnchanged', href: item.href, etag: item.etag, reason: 'our appointment event: etag changed, content did not' };
    return planAppointmentEvent(input, item, linked);
  }

  // Our own appointment seen in a conflict calendar (a copy, or a former primary): shown, but it must
  // not block the very appointment it mirrors.
  const mirror = linked !== undefined;
  const occurrences = mirror ? nonBlocking(item.content.occurrences) : item.content.occurrences;
  const expandedUntil = item.content.expandedUntil;
  // Only present when there is one, so plans of healthy items read exactly as before.
  const problem = item.content.problem ? { problem: item.content.problem } : {};
  if (saved === undefined) {
    return {
      type: 'ImportItem',
      ...ref,
      occurrences,
      expandedUntil,
      ...problem,
      reason: mirror ? 'a copy of our own appointment: imported as non-blocking' : 'new remote event',
    };
  }
  if (unchanged && saved.kind === 'imported') {
    if (!expansionIsStale(saved.expandedUntil, input.window))
      return { type: 'SkipUnchanged', href: item.href, etag: item.etag, reason: 'etag changed, content did not' };
    return {
      type: 'UpdateImportedItem',
      ...ref,
      occurrences,
      expandedUntil,
      ...problem,
      reason: 'same content, re-expanded because the sync window moved',
    };
  }
  return {
    type: 'UpdateImportedItem',
    ...ref,
    occurrences,
    expandedUntil,
    ...problem,
    reason: saved.kind === 'imported' ? 'remote event changed' : `was ${saved.kind}, now an imported event`,
  };
}

function planAppointmentEvent(input: InboundPlanInput, item: FetchedItem, linked: LinkedAppointment): InboundAction {
  const { appointment, link } = linked;
  const ref = { href: item.href, etag: item.etag, contentHash: item.contentHash, uid: item.uid, appointmentId: appointment.id };
  const remote = item.content.ok ? item.content.event : null;
  if (remote === null) {
    return {
      type: 'RecordUnreadableItem',
      ...ref,
      error: 'not readable as a single event',
      reason: 'our appointment event can no longer be read as a single event; the appointment is unchanged',
    };
  }
  if (appointment.status !== 'confirmed') {
    return { type: 'TrackAppointmentEvent', ...ref, link: null, reason: 'event of a cancelled appointment: the outbox removes it' };
  }
  if (link === null || link.calendarId !== input.calendar.id || link.href !== item.href) {
    // We crashed after the PUT or the dispatcher has not recorded it yet: it adopts the event on its next run.
    return { type: 'TrackAppointmentEvent', ...ref, link: null, reason: 'our appointment event, not yet recorded by the dispatcher' };
  }
  const linkUpdate = (written: LinkUpdate['written']): LinkUpdate => ({
    appointmentId: appointment.id,
    userId: input.calendar.userId,
    expectedEtag: link.etag,
    etag: item.etag,
    written,
  });
  // Compare with what we last wrote, not with the appointment: a local reschedule still waiting in
  // the outbox must not read as an iCloud edit and be reverted.
  const own = matchingOwnWrite(remote, link);
  if (own !== null) {
    return {
      type: 'TrackAppointmentEvent',
      ...ref,
      link: linkUpdate(own),
      reason:
        own === link.written ? 'our appointment event as we wrote it' : 'our own write, whose outcome the dispatcher has not recorded',
    };
  }
  const written = { start: remote.start, end: remote.end, title: remote.title, detailsHash: link.written.detailsHash };
  if (sameTimeAndTitle(remote, appointment)) {
    return {
      type: 'TrackAppointmentEvent',
      ...ref,
      link: linkUpdate(written),
      reason: "remote already shows the appointment's current time and title",
    };
  }
  const overlapsWith = input.otherAppointments
    .filter((other) => other.id !== appointment.id && rangesOverlap(other, remote))
    .map((other) => other.id);
  const moved = remote.start.getTime() !== appointment.start.getTime() || remote.end.getTime() !== appointment.end.getTime();
  const what = moved && remote.title !== appointment.title ? 'moved and retitled' : moved ? 'moved' : 'retitled';
  return {
    type: 'UpdateAppointmentFromRemote',
    ...ref,
    userId: input.calendar.userId,
    expectedVersion: appointment.version,
    start: remote.start,
    end: remote.end,
    title: remote.title,
    overlapFlagged: overlapsWith.length > 0,
    overlapsWith,
    link: linkUpdate(written),
    reason: `${what} in iCloud: the appointment follows${overlapsWith.length > 0 ? ` (overlaps ${overlapsWith.length} other appointment(s), flagged)` : ''}`,
  };
}

function planDeleted(input: InboundPlanInput, saved: SavedItem): InboundAction {
  const linked = input.calendar.isPrimary ? linkedAppointmentFor(input, saved.uid) : undefined;
  const link = linked?.link ?? null;
  if (
    linked &&
    link &&
    link.calendarId === input.calendar.id &&
    link.href === saved.href &&
    !link.removedRemotely &&
    linked.appointment.status === 'confirmed'
  ) {
    return {
      type: 'MarkAppointmentRemovedRemotely',
      href: saved.href,
      appointmentId: linked.appointment.id,
      userId: input.calendar.userId,
      expectedLinkEtag: link.etag,
      reason: 'our appointment event was deleted in iCloud: the appointment is kept and flagged, not recreated',
    };
  }
  if (saved.kind === 'imported') return { type: 'RemoveImportedItem', href: saved.href, reason: 'remote event deleted' };
  return {
    type: 'ForgetItem',
    href: saved.href,
    reason:
      saved.kind === 'appointment'
        ? 'our appointment event is gone (our own delete, or a cancelled appointment)'
        : 'unreadable object deleted',
  };
}
