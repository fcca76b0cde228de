/**
 * Why a calendar object (or part of it) could not be used, as a stable code: the sync engine
 * records it on the item and shows it on the calendar, and clients switch on it.
 *  - `ical_unreadable`: not well-formed iCalendar, or an event we cannot make sense of.
 *  - `ical_too_deep`: components nested deeper than any real calendar nests them.
 *  - `ical_object_too_large`: the object is larger than the configured cap (sync only).
 *  - `ical_event_skipped`: one VEVENT of the object was unreadable; its valid siblings were used.
 *  - `ical_occurrences_capped`: a series has more occurrences in the window than the cap; the
 *    earliest ones are used and the rest of its busy time is missing.
 */
export type ICalProblemCode =
  'ical_unreadable' | 'ical_too_deep' | 'ical_object_too_large' | 'ical_event_skipped' | 'ical_occurrences_capped';

/** Something about an object that was read only in part: the part that was used still counts. */
export interface ICalProblem {
  code: ICalProblemCode;
  message: string;
}

/**
 * Thrown for iCalendar input we cannot make sense of. The message says what is wrong (and, where
 * known, in which event) so a sync log or the `tandem ics expand` tool can show it as is.
 * Callers never see ical.js's own errors or a TypeError from malformed data: those are wrapped.
 */
export class ICalParseError extends Error {
  override readonly name = 'ICalParseError';
  readonly code: ICalProblemCode;

  constructor(message: string, options?: { cause?: unknown; code?: ICalProblemCode }) {
    super(message, options);
    this.code = options?.code ?? 'ical_unreadable';
  }
}

/** How messages name the event they concern: `VEVENT "uid"`. */
export function eventContext(uid: string): string {
  return `VEVENT ${JSON.stringify(uid)}`;
}
