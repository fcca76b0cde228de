import { eventContext, ICalParseError } from './errors.ts';
import { allProperties, firstProperty, integerValue, paramString, textValue, type JCalComponent, type JCalProperty } from './jcal.ts';
import type { RecurrenceRule } from './recurrence-rule.ts';
import { readRecurrenceRule } from './recurrence.ts';
import { parseDuration, readDateValue, type DateValue, type DurationValue } from './values.ts';

/** An RDATE value: a start, and for VALUE=PERIOD its own end or duration. */
export interface RDate {
  readonly start: DateValue;
  readonly end: DateValue | null;
  readonly duration: DurationValue | null;
}

export interface Attendee {
  /** Lower-case addresses this attendee is known by (the mailto: value and any EMAIL parameter). */
  readonly emails: readonly string[];
  readonly partstat: string | null;
}

/** The parts of a VEVENT that expansion and reading need, checked and typed. */
export interface EventData {
  readonly uid: string;
  readonly recurrenceId: DateValue | null;
  readonly thisAndFuture: boolean;
  readonly sequence: number;
  readonly start: DateValue;
  readonly end: DateValue | null;
  readonly duration: DurationValue | null;
  readonly rrules: readonly RecurrenceRule[];
  readonly rdates: readonly RDate[];
  readonly exdates: readonly DateValue[];
  readonly summary: string | null;
  /** Upper-case STATUS (CONFIRMED, TENTATIVE, CANCELLED) or null. */
  readonly status: string | null;
  readonly transparent: boolean;
  readonly attendees: readonly Attendee[];
  /** The ORGANIZER's addresses (lower-case, no mailto:), empty without one. */
  readonly organizer: readonly string[];
}

export function readEvent(component: JCalComponent): EventData {
  const uid = textValue(component, 'uid')?.trim() ?? '';
  if (uid === '') throw new ICalParseError('VEVENT without a UID');
  const context = eventContext(uid);

  const dtstart = firstProperty(component, 'dtstart');
  if (!dtstart) throw new ICalParseError(`${context}: no DTSTART`);
  const start = readDateValue(dtstart, dtstart.values[0], context);

  const dtend = firstProperty(component, 'dtend');
  const durationProp = firstProperty(component, 'duration');
  const recurrenceIdProp = firstProperty(component, 'recurrence-id');

  return {
    uid,
    recurrenceId: recurrenceIdProp ? readDateValue(recurrenceIdProp, recurrenceIdProp.values[0], context) : null,
    thisAndFuture: recurrenceIdProp ? paramString(recurrenceIdProp, 'range')?.toUpperCase() === 'THISANDFUTURE' : false,
    sequence: integerValue(component, 'sequence') ?? 0,
    start,
    end: dtend ? readDateValue(dtend, dtend.values[0], context) : null,
    duration: !dtend && durationProp ? parseDuration(durationProp.values[0], context) : null,
    rrules: allProperties(component, 'rrule').map((prop) => readRecurrenceRule(prop, context)),
    rdates: allProperties(component, 'rdate').flatMap((prop) => prop.values.map((value) => readRDate(prop, value, context))),
    exdates: allProperties(component, 'exdate').flatMap((prop) => prop.values.map((value) => readDateValue(prop, value, context))),
    summary: textValue(component, 'summary'),
    status: textValue(component, 'status')?.trim().toUpperCase() || null,
    transparent: textValue(component, 'transp')?.trim().toUpperCase() === 'TRANSPARENT',
    attendees: allProperties(component, 'attendee').map(readAttendee),
    organizer: allProperties(component, 'organizer').flatMap((prop) => readAttendee(prop).emails),
  };
}

function readRDate(prop: JCalProperty, value: unknown, context: string): RDate {
  if (!Array.isArray(value)) return { start: readDateValue(prop, value, context), end: null, duration: null };
  // VALUE=PERIOD: jCal gives [start, end] or [start, duration].
  const [first, second] = value as unknown[];
  const start = readDateValue(prop, first, context);
  if (typeof second === 'string' && /^[+-]?P/.test(second)) return { start, end: null, duration: parseDuration(second, context) };
  return { start, end: readDateValue(prop, second, context), duration: null };
}

function readAttendee(prop: JCalProperty): Attendee {
  const emails = new Set<string>();
  const add = (raw: string | undefined): void => {
    const email = raw
      ?.trim()
      .replace(/^mailto:/i, '')
      .toLowerCase();
    if (email) emails.add(email);
  };
  const value = prop.values[0];
  if (typeof value === 'string') add(value);
  // iCloud sometimes puts a urn:uuid: in the value and the address in an EMAIL parameter.
  add(paramString(prop, 'email'));
  return { emails: [...emails], partstat: paramString(prop, 'partstat')?.toUpperCase() ?? null };
}
