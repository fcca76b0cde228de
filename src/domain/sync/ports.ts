import type { CalendarItemChange, InboundAction, UpdateAppointmentFromRemote } from './inbound-actions.ts';
import type { LinkedAppointment } from './plan-inbound.ts';
import type { AppointmentForSync, AppointmentSpan, ImportedOccurrence, ItemProblem, RemoteLink, SavedItem, TimeRange } from './types.ts';

/**
 * The ports the sync engine is written against. The engine never sees SQL or HTTP: the lead wires a
 * RemoteCalendar over the CalDAV client and a SyncStore over PostgreSQL; tests wire the in-memory ones
 * (test/support/in-memory-sync.ts).
 */

// ---------------------------------------------------------------------------------------------
// Remote side
// ---------------------------------------------------------------------------------------------

export interface SyncCollectionPage {
  changed: { href: string; etag: string | null }[];
  deleted: string[];
  token: string;
  /** 507: more changes follow; ask again with `token`. */
  truncated: boolean;
}

export type PutCondition = { ifNoneMatch: '*' } | { ifMatch: string };

/**
 * One remote calendar collection. Hrefs are whatever the adapter uses consistently (absolute paths);
 * the engine only stores and compares them.
 *
 * Errors (remote-errors.ts), mapped by the adapter from CalDavError.kind:
 * - `sync_token_invalid` → RemoteSyncTokenInvalid (syncCollection only)
 * - `precondition_failed` → RemotePreconditionFailed (put: If-None-Match hit an existing event, or
 *   If-Match a different etag or a missing event; delete: If-Match mismatch)
 * - `not_found` → RemoteNotFound (put/delete; get returns null instead)
 * - `unauthorized`, `forbidden` → RemoteAccessDenied
 * - `refused_response`, `blocked_address`, `cross_origin` → RemoteRefused
 * - everything else (`rate_limited`, `server_error`, `network`, `timeout`, `invalid_response`,
 *   `insufficient_storage` on a write) → RemoteUnavailable, with retryAfterMs when the server sent one.
 * Each carries `failure`, the classifier's action, code and message (caldav/providers/classify-failure.ts).
 */
export interface RemoteCalendar {
  /**
   * RFC 6578 sync-collection. token null = initial sync: every member, with etags where the server
   * gives them. `withData`: the members' objects are asked for with the listing (a first import,
   * which fetches them all next); multiget then answers from what came with it — for the members the
   * server sent data for — until the next listing or releaseListing(). A remote may ignore it.
   */
  syncCollection(token: string | null, options?: { withData?: boolean }): Promise<SyncCollectionPage>;
  /** Lets go of what the last listing brought with it (withData): the engine calls it when the listing's run ends. */
  releaseListing?(): void;
  /** Depth-1 PROPFIND getetag: every member of the collection. */
  listEtags(): Promise<{ href: string; etag: string }[]>;
  /**
   * calendar-multiget; an href that no longer exists comes back with ics null (or is omitted).
   * `onReceived`, if given, is called once the server has sent its whole answer, before it is read:
   * the engine sends its next request then, so the server is not idle while this side reads.
   */
  multiget(hrefs: string[], options?: { onReceived?: () => void }): Promise<{ href: string; etag: string | null; ics: string | null }[]>;
  /** GET; null on 404. */
  get(href: string): Promise<{ etag: string | null; ics: string } | null>;
  /** Conditional PUT. The etag is null when the server does not return one. */
  put(href: string, ics: string, condition: PutCondition): Promise<{ etag: string | null }>;
  /** DELETE, with If-Match when an etag is given. */
  delete(href: string, ifMatch: string | null): Promise<void>;
  /** Where a new event with this UID goes: the calendar URL + eventResourceName(uid). */
  hrefFor(uid: string): string;
}

/** Opens the remote of a stored calendar (credentials, URL) by its id. */
export type OpenRemoteCalendar = (calendarId: string) => Promise<RemoteCalendar>;

// ---------------------------------------------------------------------------------------------
// iCalendar (the engine's view of src/ical; ical-codec.ts wires the real modules)
// ---------------------------------------------------------------------------------------------

/** One occurrence as the codec expands it: what is stored for an imported event, plus its UID. */
export interface ExpandedOccurrence extends ImportedOccurrence {
  uid: string;
}

export interface AppointmentEventInput {
  uid: string;
  title: string;
  description: string;
  location: string;
  url: string;
  start: Date;
  end: Date;
  timezone: string;
  sequence: number;
  dtstamp: Date;
}

export interface EventCodec {
  /** Ignores DTSTAMP and line folding; changes with any real change. */
  contentHash(ics: string): string;
  /** The UID of the (first) VEVENT, or null when there is none. */
  readUid(ics: string): string | null;
  /**
   * Occurrences overlapping [from, to), all-day ones in `zone`, dense series as merged busy ranges
   * (ImportedOccurrence.occurrences); throws on unreadable input (an error with a stable `code`).
   * At most `maxOccurrences` per series, the earliest; what is cut off or skipped goes to onProblem.
   */
  expand(
    ics: string,
    range: {
      from: Date;
      to: Date;
      zone: string;
      selfEmails: string[];
      maxOccurrences?: number;
      onProblem?: (problem: ItemProblem) => void;
    },
  ): ExpandedOccurrence[];
  /** One of our appointment events as a single event (floating / all-day times read in `zone`); throws when it is not one. */
  readAppointmentEvent(ics: string, zone?: string): { uid: string; summary: string; start: Date; end: Date; sequence: number };
  buildAppointmentEvent(input: AppointmentEventInput): string;
}

// ---------------------------------------------------------------------------------------------
// Local side
// ---------------------------------------------------------------------------------------------

export interface CalendarSyncState {
  calendarId: string;
  userId: string;
  /** The user's primary calendar (read + write); otherwise a conflict calendar (read only). */
  isPrimary: boolean;
  /** The user's IANA zone: all-day events block whole days there. */
  zone: string;
  /** The user's addresses, so "declined by me" can be recognised. */
  selfEmails: string[];
  token: string | null;
  /** The user confirmed the calendar really is empty (answering the warning): the next run may empty it. */
  allowEmptyOnce?: boolean;
}

export interface CalendarWarning {
  code: 'empty_calendar_refused';
  heldItems: number;
  message: string;
}

export interface InboundBatch {
  calendarId: string;
  /** Applied in order. */
  actions: readonly InboundAction[];
  /** undefined: keep the saved token. A string (or null, to forget it): save it with the batch. */
  token?: string | null;
  /**
   * On the last batch of a run: stamp last-synced-at, and set (refusal) or clear the warning. The
   * store also refreshes the calendar's summary of its items' problems (errorCode on saved items).
   * `limit`: the calendar lists more items than the cap (set), a complete listing found it within
   * the cap (null), or nothing known this run (undefined: keep).
   */
  finish?: { at: Date; warning: CalendarWarning | null; limit?: ItemProblem | null };
}

export interface OutboxRow {
  id: string;
  appointmentId: string;
  userId: string;
  op: 'upsert' | 'delete';
  /** Attempts already made. */
  attempt: number;
}

export interface OutboundTarget {
  appointment: AppointmentForSync | null;
  /** The user's primary calendar, or null when none is configured. */
  primaryCalendarId: string | null;
  /** The link of (row.appointmentId, row.userId), in whatever calendar it was written to. */
  link: RemoteLink | null;
  /**
   * When the link is in another calendar than the primary (the primary changed): whether that former
   * calendar can still take a DELETE. Absent: not known, the copy is left where it is.
   */
  formerCalendar?: FormerCalendar | null;
}

/** The calendar an appointment's event was written to before the primary changed. */
export interface FormerCalendar {
  /** null when the copy can be deleted there; otherwise why not, in words. */
  cannotDelete: string | null;
}

/** An iCloud edit the appointment must follow (time and title only): the appointment part of UpdateAppointmentFromRemote. */
export type AppointmentRemoteEdit = Pick<
  UpdateAppointmentFromRemote,
  'appointmentId' | 'userId' | 'expectedVersion' | 'start' | 'end' | 'title' | 'overlapFlagged' | 'overlapsWith'
>;

export type OutboxResult =
  | { status: 'done' }
  /** Transient failure: due again at notBefore. */
  | { status: 'retry'; attempt: number; notBefore: Date; error: string }
  /** Cannot succeed until something changes (access revoked, calendar gone): parked, kept, never dropped. */
  | { status: 'failed'; attempt: number; error: string };

export interface OutboxOutcome {
  row: OutboxRow;
  result: OutboxResult;
  /** The link of (row.appointmentId, row.userId) afterwards: a link to save, null to delete it, undefined to leave it. */
  link?: RemoteLink | null;
  /** Per-item status of the calendars the write touched (itemChangesForLink): upsert, or delete with occurrences. */
  items?: CalendarItemChange[];
  remoteEdit?: AppointmentRemoteEdit;
  /**
   * The calendar's server refused the credentials while the row was written (the classifier's
   * `reconnect`): its connection is marked "needs reconnect" and its owner told, as a refused poll does.
   */
  reconnect?: { calendarId: string; error: { code: string; message: string } };
}

/**
 * Everything the engine keeps locally. Methods marked ATOMIC must run in one database transaction:
 * if they throw, nothing of them is visible afterwards.
 */
export interface SyncStore {
  /** One row: who the calendar belongs to and its token. Every run reads this. */
  loadCalendarState(calendarId: string): Promise<CalendarSyncState>;

  /**
   * The saved per-item status (one row per remote object, thousands for a big calendar). Read only
   * when a run has something to compare with it: an idle poll, whose one REPORT says nothing
   * changed, never reads it.
   */
  loadSavedItems(calendarId: string): Promise<SavedItem[]>;

  /**
   * Appointments with these ids to which `userId` is assigned (any status), each with the link of
   * (appointment, userId) if one is recorded. Ids not found, or not assigned to the user, are omitted.
   */
  loadLinkedAppointments(userId: string, appointmentIds: readonly string[]): Promise<LinkedAppointment[]>;

  /** The user's confirmed appointments overlapping any of these ranges (for overlap flags). */
  loadConfirmedAppointmentSpans(userId: string, ranges: readonly TimeRange[]): Promise<AppointmentSpan[]>;

  /**
   * ATOMIC. Applies the actions in order, then saves the token (when given) and the finish stamp.
   * A crash before commit leaves the old token, so the next run redoes the same work.
   *
   * Per action (the per-item status row is `itemStateAfter(action, previous)` from inbound-actions.ts):
   * - ImportItem / UpdateImportedItem: upsert the item (kind imported) and REPLACE its imported
   *   occurrences (blocked slots of the calendar's user; `blocks: false` ones are shown, not blocking).
   * - SkipUnchanged: update the item's etag only.
   * - RemoveImportedItem / ForgetItem: delete the item and its occurrences.
   * - RecordUnreadableItem: upsert the item (kind unreadable, with its error), delete its occurrences.
   * - TrackAppointmentEvent: upsert the item (kind appointment), delete any occurrences; if `link`
   *   is given and the stored link of (link.appointmentId, link.userId) exists with etag ===
   *   link.expectedEtag, set its etag and written snapshot and clear removedRemotely and createPending
   *   (else leave it). pendingWrites are left alone: only the dispatcher, which writes them, clears them.
   * - UpdateAppointmentFromRemote: ONLY IF the appointment's version === expectedVersion, it is
   *   confirmed, and the link's etag === link.expectedEtag: set the appointment's start, end, title
   *   and overlap flag (bump its version), update the link as above, upsert the item, and enqueue an
   *   `upsert` outbox row for every OTHER assigned user (their copies must follow). Otherwise skip
   *   the whole action, item included, so the next run plans it again.
   * - MarkAppointmentRemovedRemotely: ONLY IF the link's etag === expectedLinkEtag: set the link's
   *   removedRemotely (the appointment shows "removed from iCloud" for that user), delete the item.
   *   Otherwise skip the whole action.
   * - RefuseEmptyCalendar: changes nothing (the warning comes with `finish`).
   * No action ever creates a contact.
   */
  applyInboundBatch(batch: InboundBatch): Promise<void>;

  /**
   * ATOMIC. Up to `limit` rows, oldest first, that are pending (not done, not failed), due
   * (notBefore <= now) and not leased; leases them until now + leaseMs (SELECT … FOR UPDATE SKIP
   * LOCKED, then set the lease). At most ONE row per (appointmentId, userId), and none whose pair
   * already has a row under an unexpired lease: two writers of one event would race each other's
   * conditional writes. A row whose worker crashed becomes claimable again when its lease runs out.
   */
  claimOutboxRows(options: { now: Date; limit: number; leaseMs: number }): Promise<OutboxRow[]>;

  loadOutboundTarget(row: OutboxRow): Promise<OutboundTarget>;

  /**
   * ATOMIC (one statement), optional. Of the claimed `rows`, finishes as done those with nothing to
   * push or remove: the user has no primary calendar and no copy of the appointment is recorded
   * (no link) — exactly the rows planOutbound answers Noop without looking further. Returns their
   * ids. Every booking of a user without a connected calendar writes such a row; one statement for
   * a burst of them instead of a read and a transaction each (issue 13.4).
   */
  finishRowsWithNothingToPush?(rows: readonly OutboxRow[], now: Date): Promise<string[]>;

  /**
   * ATOMIC (one upsert). Write-ahead, just before every PUT: saves the link of (link.appointmentId,
   * link.userId) as given — with the snapshot the PUT carries appended to pendingWrites, and for a
   * first create a new link with createPending — so a crash that hides the PUT's outcome leaves a
   * record of what it carried.
   */
  recordWriteIntent(link: RemoteLink): Promise<void>;

  /**
   * ATOMIC. Records the outcome of one row: the result (done / retry at notBefore with attempt /
   * failed), the link change, the calendar item changes, and the remote edit (applied exactly like UpdateAppointmentFromRemote's
   * appointment part: only if the version still matches; enqueues upserts for the other assigned
   * users). Releases the lease. The row is never deleted by a failure.
   */
  finishOutboxRow(outcome: OutboxOutcome): Promise<void>;
}
