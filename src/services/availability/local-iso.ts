import { DateTime } from 'luxon';
import { ZoneMemo } from '../../domain/zone-memo.ts';

/**
 * An instant as the booker's wall-clock time, ISO 8601 with its offset (`2026-03-29T03:00:00+02:00`),
 * exactly as Luxon writes it. Kept per (zone, instant): a zone's offset at an instant never changes
 * while the process runs, and a booking page asks for the same slot times again and again, while
 * Luxon's offset lookup (Intl.DateTimeFormat#formatToParts) costs several microseconds per call —
 * 3.6 ms for the 261 slots of one month in the in-process probe (decision 0023), more than the
 * rest of the request's slot work.
 */
export function localIso(ms: number, zone: string): string {
  return formatted.get(zone, ms, isoInZone, undefined);
}

function isoInZone(zone: string, ms: number): string {
  return DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true }) ?? '';
}

/** A month of 15-minute slots is ~3,000 instants. */
const formatted = new ZoneMemo<string>(200, 20_000);
