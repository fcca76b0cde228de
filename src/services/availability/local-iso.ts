import { DateTime } from 'luxon';

/**
 * An instant as the booker's wall-clock time, ISO 8601 with its offset (`2026-03-29T03:00:00+02:00`),
 * exactly as Luxon writes it. Kept per (zone, instant): a zone's offset at an instant never changes
 * while the process runs, and a booking page asks for the same slot times again and again, while
 * Luxon's offset lookup (Intl.DateTimeFormat#formatToParts) costs several microseconds per call —
 * 3.6 ms for the 261 slots of one month in the in-process probe (decision 0023), more than the
 * rest of the request's slot work.
 */
export function localIso(ms: number, zone: string): string {
  let inZone = formatted.get(zone);
  if (inZone === undefined) {
    // Zones are few (the bookers' own); a zone's instants are bounded below.
    if (formatted.size >= MAX_ZONES) formatted.clear();
    inZone = new Map();
    formatted.set(zone, inZone);
  }
  let iso = inZone.get(ms);
  if (iso === undefined) {
    iso = DateTime.fromMillis(ms, { zone }).toISO({ suppressMilliseconds: true }) ?? '';
    // Oldest first out (a Map keeps insertion order); a month of 15-minute slots is ~3,000 instants.
    if (inZone.size >= MAX_INSTANTS_PER_ZONE) inZone.delete(inZone.keys().next().value!);
    inZone.set(ms, iso);
  }
  return iso;
}

const MAX_ZONES = 200;
const MAX_INSTANTS_PER_ZONE = 20_000;
const formatted = new Map<string, Map<number, string>>();
