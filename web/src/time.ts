/**
 * Dates and times in the browser with Intl only. Instants travel as ISO strings; a "date" here is a
 * local calendar date `YYYY-MM-DD` in some IANA zone, and date arithmetic on it is done on the
 * calendar (UTC noon), never by adding hours to an instant.
 */

export function detectTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

let zones: string[] | null = null;
export function timeZones(include: string[] = []): string[] {
  if (!zones) {
    try {
      zones = Intl.supportedValuesOf('timeZone');
    } catch {
      zones = [
        'UTC',
        'Europe/London',
        'Europe/Paris',
        'America/New_York',
        'America/Chicago',
        'America/Los_Angeles',
        'Asia/Tokyo',
        'Australia/Sydney',
      ];
    }
  }
  const all = new Set([...zones, ...include, 'UTC']);
  return [...all].sort();
}

/** The local date of an instant in a zone. */
export function localDate(instant: Date | string, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(
    new Date(instant),
  );
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** `2026-11-23T09:00:00+01:00` → `2026-11-23`: the wall-clock date of a local ISO string. */
export const datePart = (localIso: string) => localIso.slice(0, 10);

const dateOnly = (date: string) => new Date(`${date}T12:00:00Z`);

export function formatDay(date: string): { weekday: string; day: string; month: string } {
  const d = dateOnly(date);
  return {
    weekday: new Intl.DateTimeFormat(undefined, { weekday: 'short', timeZone: 'UTC' }).format(d),
    day: new Intl.DateTimeFormat(undefined, { day: 'numeric', timeZone: 'UTC' }).format(d),
    month: new Intl.DateTimeFormat(undefined, { month: 'short', timeZone: 'UTC' }).format(d),
  };
}

export function formatLongDate(date: string): string {
  return new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    dateOnly(date),
  );
}

export function formatTime(instant: string | Date, timeZone: string): string {
  return new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit', timeZone }).format(new Date(instant));
}

export function formatDateTime(instant: string | Date, timeZone: string): string {
  return new Intl.DateTimeFormat(undefined, {
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
    hour: 'numeric',
    minute: '2-digit',
    timeZone,
  }).format(new Date(instant));
}

/** "Monday 23 November 2026, 09:00 – 09:30" in the zone. */
export function formatRange(start: string, end: string, timeZone: string): string {
  const sameDay = localDate(start, timeZone) === localDate(end, timeZone);
  return sameDay
    ? `${formatDateTime(start, timeZone)} – ${formatTime(end, timeZone)}`
    : `${formatDateTime(start, timeZone)} – ${formatDateTime(end, timeZone)}`;
}

/** "Europe/London (GMT)" — the zone with its current abbreviation or offset. */
export function zoneLabel(timeZone: string, at: Date = new Date()): string {
  try {
    const name = new Intl.DateTimeFormat('en-GB', { timeZone, timeZoneName: 'short' })
      .formatToParts(at)
      .find((p) => p.type === 'timeZoneName')?.value;
    // A minus sign, not a hyphen: "GMT−5" never breaks across lines.
    return name && name !== timeZone ? `${timeZone.replaceAll('_', ' ')} (${name.replace('-', '\u2212')})` : timeZone.replaceAll('_', ' ');
  } catch {
    return timeZone;
  }
}

export function formatRelative(instant: string | null, now: Date = new Date()): string {
  if (!instant) return 'never';
  const seconds = Math.round((new Date(instant).getTime() - now.getTime()) / 1000);
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(seconds, 'second');
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), 'minute');
  if (abs < 86_400) return rtf.format(Math.round(seconds / 3600), 'hour');
  return rtf.format(Math.round(seconds / 86_400), 'day');
}

export function formatPrice(priceCents: number | null, currency: string | null): string | null {
  if (priceCents === null) return null;
  try {
    return new Intl.NumberFormat(undefined, { style: 'currency', currency: currency ?? 'USD' }).format(priceCents / 100);
  } catch {
    return `${(priceCents / 100).toFixed(2)} ${currency ?? ''}`.trim();
  }
}

export function formatDuration(minutes: number): string {
  if (minutes < 60) return `${minutes} min`;
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  return m ? `${h} h ${m} min` : `${h} h`;
}
