import type { InvitationState } from '../invitations.ts';
/**
 * The vocabulary the sync planners share. Pure data: no I/O, no classes, so a plan can be logged,
 * compared in tests, and applied by any store.
 */

/** Half-open [start, end). */
export interface TimeRange {
  start: Date;
  end: Date;
}

/**
 * What we last saw of one remote object, per (calendar, href). This is the status the inbound
 * planner compares against, like vdirsyncer's status file.
 */
export interface SavedItem {
  href: string;
  etag: string | null;
  /** contentHash() of the iCalendar text; null when the text could not even be hashed. */
  contentHash: string | null;
  uid: string | null;
  /**
   * `imported`: a blocked slot with occurrences; `appointment`: the event of one of OUR appointments
   * (no occurrences: the appointment itself blocks); `unreadable`: recorded with an error, blocks nothing.
   */
  kind: 'imported' | 'appointment' | 'unreadable';
  /** For imported items: the end of the span the occurrences were expanded over. */
  expandedUntil: Date | null;
  error: string | null;
  /**
   * Stable code of `error`: why an unreadable item blocks nothing, or what an imported item misses
   * (a skipped VEVENT, occurrences past the cap). Absent / null when there is nothing to report.
   */
  errorCode?: string | null;
}

/** What is wrong with one object that was still imported (in part): shown on its calendar. */
export interface ItemProblem {
  code: string;
  message: string;
}

/** One stored occurrence of an imported event. */
export interface ImportedOccurrence {
  recurrenceId: string | null;
  start: Date;
  end: Date;
  allDay: boolean;
  /** false for free (TRANSP:TRANSPARENT), cancelled and declined: shown, but not blocking. */
  blocks: boolean;
  /** The account was invited and has not accepted (domain/invitations.ts): the user's policy decides whether it blocks. */
  invitation?: InvitationState;
  summary: string;
  status: string | null;
  /**
   * > 1 when this is a merged busy range: a run of touching occurrences of a dense series (an
   * event repeating every few minutes), stored as one range from the first start to the last end.
   */
  occurrences?: number;
}

/**
 * An item's occurrences as the parse threads hand them over: already written as the store's rows
 * (store/sync-store/occurrence-rows.ts writes and reads them), so the event loop neither receives
 * nor encodes each occurrence (decision 0017, thirteenth session). The engine only passes them on.
 */
export interface PackedOccurrences {
  readonly packed: true;
  /** How many occurrences. */
  readonly count: number;
}

/** An item's occurrences: listed, or packed by a parse thread. */
export type ItemOccurrences = ImportedOccurrence[] | PackedOccurrences;

export function isPacked(occurrences: ItemOccurrences): occurrences is PackedOccurrences {
  return !Array.isArray(occurrences);
}

export function occurrenceCount(occurrences: ItemOccurrences): number {
  return isPacked(occurrences) ? occurrences.count : occurrences.length;
}

/** The parts of an appointment the sync engine needs, as the store sees them now. */
export interface AppointmentForSync {
  id: string;
  /** Opaque optimistic-concurrency token: changes on every change to the appointment. */
  version: string;
  status: 'confirmed' | 'cancelled';
  start: Date;
  end: Date;
  /** The event title ("⟨service or calendar⟩ with ⟨contact⟩", or the title an iCloud edit gave it). */
  title: string;
  description: string;
  location: string;
  url: string;
  timezone: string;
  assignedUserIds: readonly string[];
  /** false for Simple and Event booking calendars: their appointments are never written to iCloud. */
  writesToCalendar: boolean;
}

/** The time and title of an event: the only fields an iCloud edit may change on an appointment. */
export interface TimeAndTitle {
  start: Date;
  end: Date;
  title: string;
}

/** What we last wrote to (or adopted from) the remote event of an appointment. */
export interface WrittenSnapshot extends TimeAndTitle {
  /** Fingerprint of the other fields we write (description, location, url, zone). */
  detailsHash: string;
}

/** Where an appointment's event lives in one user's primary calendar, per (appointment, user). */
export interface RemoteLink {
  appointmentId: string;
  userId: string;
  calendarId: string;
  href: string;
  etag: string | null;
  written: WrittenSnapshot;
  sequence: number;
  /** The user deleted the event in iCloud: the appointment is kept, flagged, and not recreated. */
  removedRemotely: boolean;
  /** No create has been confirmed yet: the event may not exist (a create PUT whose outcome we lost). */
  createPending: boolean;
  /**
   * Write-ahead: what each PUT started since the last recorded outcome carried (the most recent few).
   * If a crash hides whether one landed, a later 412 or inbound sync can still recognise our own
   * write and not mistake it for an edit in iCloud. Cleared when a write's outcome is recorded.
   */
  pendingWrites: WrittenSnapshot[];
}

/** The user's appointment, as a span, for overlap checks. */
export interface AppointmentSpan extends TimeRange {
  id: string;
}
