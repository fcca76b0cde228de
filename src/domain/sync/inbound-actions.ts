import type { ItemOccurrences, ItemProblem, SavedItem, WrittenSnapshot } from './types.ts';

/**
 * What the inbound planner decides, one action per remote object (vdirsyncer's Upload/Update/Delete
 * objects). Each carries a one-line `reason` for the sync log. The store applies a list of them in
 * one transaction; `itemStateAfter` says what each one leaves in the per-item status.
 */

interface Reasoned {
  reason: string;
}

/** A changed link between an appointment and its remote event, applied only if the stored link still has `expectedEtag`. */
export interface LinkUpdate {
  appointmentId: string;
  userId: string;
  expectedEtag: string | null;
  etag: string | null;
  written: WrittenSnapshot;
}

interface FetchedRef {
  href: string;
  etag: string | null;
  contentHash: string | null;
  uid: string | null;
}

/** A new imported blocked slot with its occurrences over the expansion span. */
export interface ImportItem extends Reasoned, FetchedRef {
  type: 'ImportItem';
  occurrences: ItemOccurrences;
  expandedUntil: Date;
  /** Imported in part: recorded on the item (error, errorCode) so the calendar shows it. */
  problem?: ItemProblem | null;
}

/** The imported event changed (content hash differs, or its expansion is stale): replace its occurrences. */
export interface UpdateImportedItem extends Reasoned, FetchedRef {
  type: 'UpdateImportedItem';
  occurrences: ItemOccurrences;
  expandedUntil: Date;
  problem?: ItemProblem | null;
}

/** The etag changed but the content did not (servers do this): record the etag, touch nothing else. */
export interface SkipUnchanged extends Reasoned {
  type: 'SkipUnchanged';
  href: string;
  etag: string | null;
}

/** The imported event was deleted remotely: remove the blocked slot and its occurrences. */
export interface RemoveImportedItem extends Reasoned {
  type: 'RemoveImportedItem';
  href: string;
}

/**
 * The event of one of our appointments, with no edit to follow: record the item (no occurrences: the
 * appointment blocks by itself) and, when given, refresh the link's etag / written snapshot.
 */
export interface TrackAppointmentEvent extends Reasoned, FetchedRef {
  type: 'TrackAppointmentEvent';
  appointmentId: string;
  link: LinkUpdate | null;
}

/** The user moved or retitled our appointment's event in iCloud: the appointment follows. */
export interface UpdateAppointmentFromRemote extends Reasoned, FetchedRef {
  type: 'UpdateAppointmentFromRemote';
  appointmentId: string;
  userId: string;
  /** The appointment version the plan saw; the store skips the whole action if it changed since. */
  expectedVersion: string;
  start: Date;
  end: Date;
  title: string;
  /** The new time overlaps other confirmed appointments of this user: kept, and flagged. */
  overlapFlagged: boolean;
  overlapsWith: string[];
  link: LinkUpdate;
}

/** The user deleted our appointment's event in iCloud: keep the appointment, flag it, do not recreate. */
export interface MarkAppointmentRemovedRemotely extends Reasoned {
  type: 'MarkAppointmentRemovedRemotely';
  href: string;
  appointmentId: string;
  userId: string;
  expectedLinkEtag: string | null;
}

/** The object could not be read: recorded with its error, blocks nothing, other items unaffected. */
export interface RecordUnreadableItem extends Reasoned, FetchedRef {
  type: 'RecordUnreadableItem';
  error: string;
  /** Stable code of the error (ical_unreadable, ical_too_deep, ical_object_too_large, …). */
  errorCode?: string;
}

/** A deleted object that was not an imported slot (our own deleted event, an unreadable one): drop its status. */
export interface ForgetItem extends Reasoned {
  type: 'ForgetItem';
  href: string;
}

/** The remote suddenly lists nothing while we hold items: change nothing, warn (vdirsyncer's StorageEmpty). */
export interface RefuseEmptyCalendar extends Reasoned {
  type: 'RefuseEmptyCalendar';
  heldItems: number;
}

export type InboundAction =
  | ImportItem
  | UpdateImportedItem
  | SkipUnchanged
  | RemoveImportedItem
  | TrackAppointmentEvent
  | UpdateAppointmentFromRemote
  | MarkAppointmentRemovedRemotely
  | RecordUnreadableItem
  | ForgetItem
  | RefuseEmptyCalendar;

export type InboundActionType = InboundAction['type'];

/**
 * The per-item status an action leaves behind: `{ item }` to upsert, `{ item: null }` to delete,
 * `undefined` when the action does not touch the status (RefuseEmptyCalendar; SkipUnchanged needs
 * the previous item, given as `previous`). Stores use this so that they and the executor agree.
 */
export function itemStateAfter(
  action: InboundAction,
  previous: SavedItem | undefined,
): { href: string; item: SavedItem | null } | undefined {
  switch (action.type) {
    case 'ImportItem':
    case 'UpdateImportedItem':
      return {
        href: action.href,
        item: {
          href: action.href,
          etag: action.etag,
          contentHash: action.contentHash,
          uid: action.uid,
          kind: 'imported',
          expandedUntil: action.expandedUntil,
          error: action.problem?.message ?? null,
          ...(action.problem && { errorCode: action.problem.code }),
        },
      };
    case 'TrackAppointmentEvent':
    case 'UpdateAppointmentFromRemote':
      return {
        href: action.href,
        item: {
          href: action.href,
          etag: action.etag,
          contentHash: action.contentHash,
          uid: action.uid,
          kind: 'appointment',
          expandedUntil: null,
          error: null,
        },
      };
    case 'RecordUnreadableItem':
      return {
        href: action.href,
        item: {
          href: action.href,
          etag: action.etag,
          contentHash: action.contentHash,
          uid: action.uid,
          kind: 'unreadable',
          expandedUntil: null,
          error: action.error,
          ...(action.errorCode !== undefined && { errorCode: action.errorCode }),
        },
      };
    case 'SkipUnchanged':
      return previous === undefined ? undefined : { href: action.href, item: { ...previous, etag: action.etag } };
    case 'RemoveImportedItem':
    case 'MarkAppointmentRemovedRemotely':
    case 'ForgetItem':
      return { href: action.href, item: null };
    case 'RefuseEmptyCalendar':
      return undefined;
  }
}

/** The status after a batch, as the store will hold it once the batch commits. */
export function savedItemsAfter(saved: ReadonlyMap<string, SavedItem>, actions: readonly InboundAction[]): Map<string, SavedItem> {
  return applyToSavedItems(new Map(saved), actions);
}

/**
 * savedItemsAfter in place, for the one owner of the map (a sync run after each committed batch):
 * copying it per batch would make an import quadratic in the calendar's size.
 */
export function applyToSavedItems(saved: Map<string, SavedItem>, actions: readonly InboundAction[]): Map<string, SavedItem> {
  for (const action of actions) {
    const change = itemStateAfter(action, saved.get('href' in action ? action.href : ''));
    if (change === undefined) continue;
    if (change.item === null) saved.delete(change.href);
    else saved.set(change.href, change.item);
  }
  return saved;
}

/** A change to one calendar's per-item status made outside an inbound batch (by the dispatcher). */
export interface CalendarItemChange {
  calendarId: string;
  href: string;
  /** The status to upsert, or null to delete it (and any occurrences). */
  item: SavedItem | null;
}

/**
 * Our own writes go into the calendar's status as well, so the inbound side knows the event: the echo
 * of our PUT (same etag) is not even fetched, and a deletion of it in iCloud is seen as a deletion of
 * something we hold — even when no inbound sync ran between our write and the user's delete.
 * A calendar that is left behind when the primary changes keeps its item while the event stays there
 * (the dispatcher drops it when it removed that copy).
 */
export function itemChangesForLink(
  before: { calendarId: string; href: string } | null,
  after: { calendarId: string; href: string; etag: string | null; removedRemotely: boolean } | null,
  uid: string,
): CalendarItemChange[] {
  if (after !== null && !after.removedRemotely) {
    return [
      {
        calendarId: after.calendarId,
        href: after.href,
        item: { href: after.href, etag: after.etag, contentHash: null, uid, kind: 'appointment', expandedUntil: null, error: null },
      },
    ];
  }
  const gone = after ?? before;
  return gone === null ? [] : [{ calendarId: gone.calendarId, href: gone.href, item: null }];
}
