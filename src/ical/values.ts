import { ICalParseError } from './errors.ts';
import type { JCalProperty } from './jcal.ts';

import { SECOND_MS, MINUTE_MS, HOUR_MS, DAY_MS } from '../domain/time.ts';

export { SECOND_MS, MINUTE_MS, HOUR_MS, DAY_MS };

/**
 * A wall-clock reading with no zone attached, encoded as the epoch milliseconds of the same
 * Y-M-D h:m:s in UTC. Recurrence rules are defined on wall-clock time (RFC 5545 §3.3.10: a daily
 * 09:00 meeting stays at 09:00 across DST), so we expand in this space and only turn each
 * occurrence into an instant at the end. The brand stops a wall time being used as an instant.
 */
export type Wall = number & { readonly __wall: unique symbol };

export function wall(ms: number): Wall {
  return ms as Wall;
}

/**
 * Date.UTC, but without its mapping of years 0-99 to 1900-1999 (iCalendar years are 0000-9999).
 * Month (1-12) and day may overflow into the next month or year, as with Date.UTC.
 */
export function utcMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): number {
  if (year >= 100) return Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, 0);
  return date.getTime();
}

/** Days in a month (1-12). */
export function daysInMonth(year: number, month: number): number {
  return new Date(utcMs(year, month + 1, 0)).getUTCDate();
}

export function wallFromParts(year: number, month: number, day: number, hour = 0, minute = 0, second = 0): Wall {
  return utcMs(year, month, day, hour, minute, second) as Wall;
}

export interface WallParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export function wallParts(value: Wall): WallParts {
  const date = new Date(value);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    second: date.getUTCSeconds(),
  };
}

/** Midnight of the wall time's day. */
export function wallDay(value: Wall): Wall {
  return wall(Math.floor(value / DAY_MS) * DAY_MS);
}

/** RFC 5545 weekday codes, indexed like Date#getUTCDay (0 = Sunday). */
export const WEEKDAY_CODES = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'] as const;

/** Which clock a DATE-TIME is read on. */
export type ZoneRef = { readonly kind: 'utc' } | { readonly kind: 'floating' } | { readonly kind: 'tzid'; readonly tzid: string };

const UTC_REF: ZoneRef = { kind: 'utc' };
const FLOATING_REF: ZoneRef = { kind: 'floating' };

export type DateValue =
  { readonly type: 'date'; readonly wall: Wall } | { readonly type: 'date-time'; readonly wall: Wall; readonly zone: ZoneRef };

/** A DURATION: days (incl. weeks) are nominal (calendar days in the event's zone), the rest exact. */
export interface DurationValue {
  readonly days: number;
  readonly ms: number;
}

export const ZERO_DURATION: DurationValue = { days: 0, ms: 0 };

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d+)?(Z)?$/;
// ical.js turns a DATE written without VALUE=DATE (e.g. "DTSTART:20241225", common in the wild)
// into this broken date-time; we read it back as the DATE it was.
const MANGLED_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})T::$/;

function checkDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  return day <= daysInMonth(year, month);
}

/**
 * Reads one DATE or DATE-TIME value from a property (`index` picks one of several, as in EXDATE).
 * Throws ICalParseError naming the property when the value is not a valid date.
 */
export function readDateValue(prop: JCalProperty, raw: unknown, context: string): DateValue {
  if (typeof raw !== 'string') throw new ICalParseError(`${context}: ${prop.name.toUpperCase()} has no date value`);
  const tzid = typeof prop.params.tzid === 'string' ? prop.params.tzid : undefined;
  const dateMatch = DATE_RE.exec(raw) ?? MANGLED_DATE_RE.exec(raw);
  if (dateMatch) {
    const [year, month, day] = [Number(dateMatch[1]), Number(dateMatch[2]), Number(dateMatch[3])];
    if (!checkDate(year, month, day)) throw badDate(prop, raw, context);
    return { type: 'date', wall: wallFromParts(year, month, day) };
  }
  const match = DATE_TIME_RE.exec(raw);
  if (!match) throw badDate(prop, raw, context);
  const [year, month, day, hour, minute] = [1, 2, 3, 4, 5].map((i) => Number(match[i])) as [number, number, number, number, number];
  // A leap second (:60) is legal iCalendar; we fold it into :59 rather than reject the event.
  const second = Math.min(Number(match[6]), 59);
  if (!checkDate(year, month, day) || hour > 23 || minute > 59) throw badDate(prop, raw, context);
  const zone: ZoneRef = match[7] ? UTC_REF : tzid ? { kind: 'tzid', tzid } : FLOATING_REF;
  return { type: 'date-time', wall: wallFromParts(year, month, day, hour, minute, second), zone };
}

function badDate(prop: JCalProperty, raw: string, context: string): ICalParseError {
  return new ICalParseError(`${context}: ${prop.name.toUpperCase()} has an invalid date ${JSON.stringify(raw)}`);
}

const DURATION_RE = /^([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

export function parseDuration(raw: unknown, context: string): DurationValue {
  const match = typeof raw === 'string' ? DURATION_RE.exec(raw) : null;
  if (!match || raw === 'P' || raw === 'PT' || /T$/.test(String(raw))) {
    throw new ICalParseError(`${context}: invalid DURATION ${JSON.stringify(raw)}`);
  }
  const sign = match[1] === '-' ? -1 : 1;
  const n = (i: number): number => (match[i] ? Number(match[i]) : 0);
  return {
    days: sign * (n(2) * 7 + n(3)),
    ms: sign * (n(4) * HOUR_MS + n(5) * MINUTE_MS + n(6) * SECOND_MS),
  };
}
