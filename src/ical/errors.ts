/**
 * Thrown for iCalendar input we cannot make sense of. The message says what is wrong (and, where
 * known, in which event) so a sync log or the `tandem ics expand` tool can show it as is.
 * Callers never see ical.js's own errors or a TypeError from malformed data: those are wrapped.
 */
export class ICalParseError extends Error {
  override readonly name = 'ICalParseError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** How messages name the event they concern: `VEVENT "uid"`. */
export function eventContext(uid: string): string {
  return `VEVENT ${JSON.stringify(uid)}`;
}
