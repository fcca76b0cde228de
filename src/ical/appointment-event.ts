import ICAL from 'ical.js';
import { ICalParseError } from './errors.ts';
import { readEvent } from './event-data.ts';
import { clockOf, lengthOf, spanAt } from './event-span.ts';
import { parseICalendar, textValue, type JCalComponent } from './jcal.ts';
import { ZoneResolver } from './zones.ts';

export const TANDEM_PRODID = '-//Tandem//Tandem//EN';

const MAX_LINE_OCTETS = 75;

/** An event Tandem writes into a user's primary iCloud calendar for one appointment. */
export interface AppointmentEventInput {
  uid: string;
  title: string;
  description: string;
  location: string | null;
  url: string | null;
  start: Date;
  end: Date;
  /**
   * The appointment's IANA zone. Not written: see buildAppointmentEvent for why the times are in
   * UTC. Kept so callers need not care, and so the format can change without touching them.
   */
  timezone: string;
  sequence: number;
  dtstamp: Date;
  /** For a file sent by e-mail (RFC 5546): PUBLISH to add or update it, CANCEL to remove it. Omitted in CalDAV resources. */
  method?: 'PUBLISH' | 'CANCEL';
}

/**
 * The VCALENDAR text for an appointment's event.
 *
 * Times are written in UTC rather than with a TZID and a generated VTIMEZONE: an appointment is a
 * single instance (no RRULE), so its start and end are just instants and a zone adds nothing to
 * their meaning, while a generated VTIMEZONE is one more thing a server or client can read
 * differently (iCloud rewrites them; a truncated one shifts times, as several of our fixtures show).
 * Calendar apps show UTC events in the viewer's zone, and the appointment's zone stays in Tandem.
 *
 * No ATTENDEE or ORGANIZER is written, so iCloud sends no invitations (SPEC §5). TRANSP:OPAQUE and
 * STATUS:CONFIRMED are explicit so the event blocks time in every client. ical.js writes the
 * components: TEXT escaping, folding at 75 octets, CRLF endings; sub-second parts of the times are dropped.
 */
export function buildAppointmentEvent(input: AppointmentEventInput): string {
  const { uid, title, description, location, url, start, end, sequence, dtstamp } = input;
  if (uid.trim() === '' || /[\r\n]/.test(uid)) throw new RangeError('buildAppointmentEvent: uid must be a non-empty single line');
  for (const [name, date] of [
    ['start', start],
    ['end', end],
    ['dtstamp', dtstamp],
  ] as const) {
    if (!(date instanceof Date) || !Number.isFinite(date.getTime()))
      throw new RangeError(`buildAppointmentEvent: ${name} is not a valid date`);
  }
  if (end.getTime() < start.getTime()) throw new RangeError('buildAppointmentEvent: end is before start');
  if (!Number.isInteger(sequence) || sequence < 0) throw new RangeError('buildAppointmentEvent: sequence must be a non-negative integer');
  // URL is a URI value, not TEXT: it is written unescaped, so it must not be able to break the line.
  // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
  if (url !== null && (url.trim() === '' || /[\s\u0000-\u001F\u007F]/.test(url))) {
    throw new RangeError('buildAppointmentEvent: url must be a URI without whitespace');
  }

  const vevent = new ICAL.Component('vevent');
  vevent.addPropertyWithValue('uid', plainText(uid));
  vevent.addPropertyWithValue('dtstamp', utc(dtstamp));
  vevent.addPropertyWithValue('dtstart', utc(start));
  vevent.addPropertyWithValue('dtend', utc(end));
  vevent.addPropertyWithValue('sequence', sequence);
  vevent.addPropertyWithValue('summary', plainText(title));
  if (description !== '') vevent.addPropertyWithValue('description', plainText(description));
  if (location !== null && location !== '') vevent.addPropertyWithValue('location', plainText(location));
  // URL is a URI value, not TEXT: ical.js writes it unescaped (hence the check above).
  if (url !== null) vevent.addPropertyWithValue('url', url);
  vevent.addPropertyWithValue('status', input.method === 'CANCEL' ? 'CANCELLED' : 'CONFIRMED');
  vevent.addPropertyWithValue('transp', 'OPAQUE');

  const vcalendar = new ICAL.Component('vcalendar');
  vcalendar.addPropertyWithValue('version', '2.0');
  vcalendar.addPropertyWithValue('prodid', TANDEM_PRODID);
  vcalendar.addPropertyWithValue('calscale', 'GREGORIAN');
  if (input.method) vcalendar.addPropertyWithValue('method', input.method);
  vcalendar.addSubcomponent(vevent);
  return `${written(vcalendar)}\r\n`;
}

/**
 * The component as iCalendar text: escaped and folded by ical.js. Its fold length counts the content
 * of each piece but not the space that starts a continuation line, so 75 makes 76-octet lines; 74
 * keeps every physical line within RFC 5545's 75 octets. Set only for this call (it is module-wide).
 */
function written(component: ICAL.Component): string {
  const foldLength = ICAL.foldLength;
  ICAL.foldLength = MAX_LINE_OCTETS - 1;
  try {
    return component.toString();
  } finally {
    ICAL.foldLength = foldLength;
  }
}

/** A UTC DATE-TIME ("20241220T140000Z"); sub-second parts are dropped, iCalendar has no place for them. */
function utc(date: Date): ICAL.Time {
  return ICAL.Time.fromJSDate(date, true);
}

/**
 * TEXT as ical.js escapes it, which knows only LF for a line break: CR LF and CR become LF. Control
 * characters are not allowed in TEXT at all, so they are dropped rather than sent to a server that
 * may refuse the whole event for them.
 */
function plainText(value: string): string {
  // eslint-disable-next-line no-control-regex -- stripping control characters is the point
  return value.replace(/\r\n|\r/g, '\n').replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, '');
}

export interface ParsedAppointmentEvent {
  uid: string;
  summary: string;
  start: Date;
  end: Date;
  sequence: number;
}

export interface ReadAppointmentOptions {
  /** Zone for floating times and all-day days, should the event have been edited into one (default UTC). */
  zone?: string;
}

/**
 * Reads an appointment's event back, however a client left it: an iPhone edit typically rewrites
 * the times with a TZID and VTIMEZONE, may use DURATION instead of DTEND, or turn it all-day.
 * Reads the master VEVENT (the one without RECURRENCE-ID). Throws ICalParseError if there is none.
 */
export function readAppointmentEvent(ics: string, options: ReadAppointmentOptions = {}): ParsedAppointmentEvent {
  const calendars = parseICalendar(ics);
  const vtimezones = new Map<string, JCalComponent>();
  let master: JCalComponent | undefined;
  for (const component of calendars.flatMap((calendar) => calendar.components)) {
    if (component.name === 'vtimezone') {
      const tzid = textValue(component, 'tzid');
      if (tzid) vtimezones.set(tzid, component);
    } else if (component.name === 'vevent' && !master && !component.properties.some((prop) => prop.name === 'recurrence-id')) {
      master = component;
    }
  }
  if (!master) throw new ICalParseError('no VEVENT (without RECURRENCE-ID) in the calendar object');
  const event = readEvent(master);
  const zones = new ZoneResolver(vtimezones, options.zone ?? 'UTC', () => undefined);
  const clock = clockOf(event.start, zones);
  const [start, end] = spanAt(
    clock,
    lengthOf(event, clock, zones, () => undefined),
    event.start.wall,
  );
  return { uid: event.uid, summary: event.summary ?? '', start: new Date(start), end: new Date(end), sequence: event.sequence };
}
