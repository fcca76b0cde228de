import { buildAppointmentEvent, readAppointmentEvent } from '../../ical/appointment-event.ts';
import { contentHash } from '../../ical/content-hash.ts';
import { mergeDenseSeries } from '../../ical/busy-ranges.ts';
import { expandCalendarObject } from '../../ical/expand.ts';
import type { EventCodec } from '../../domain/sync/ports.ts';
import { readFirstEventUid } from './read-uid.ts';

/** The engine's EventCodec over the real iCalendar modules (src/ical), wired once at start-up. */
export const icalEventCodec: EventCodec = {
  contentHash,
  readUid: readFirstEventUid,
  // Dense series are stored as merged busy ranges: exact busy time, a few rows (busy-ranges.ts).
  expand: (ics, range) => mergeDenseSeries(expandCalendarObject(ics, { ...range, denseRanges: true })),
  readAppointmentEvent: (ics, zone) => {
    const event = readAppointmentEvent(ics, zone === undefined ? {} : { zone });
    return { uid: event.uid, summary: event.summary, start: event.start, end: event.end, sequence: event.sequence };
  },
  // Empty location / url mean "none" to us; the builder wants null for that.
  buildAppointmentEvent: (input) => buildAppointmentEvent({ ...input, location: input.location || null, url: input.url || null }),
};
