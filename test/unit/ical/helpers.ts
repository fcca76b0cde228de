import type { Occurrence } from '../../../src/ical/expand.ts';

/** A VCALENDAR around the given components; lines may be written with \n, output uses CRLF. */
export function calendar(...components: string[]): string {
  const body = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Tandem//Tests//EN', ...components, 'END:VCALENDAR'].join('\n');
  return `${body.replace(/\n+/g, '\n').trim().replace(/\n/g, '\r\n')}\r\n`;
}

/** A VEVENT with the given property lines (UID defaults to "e1"). */
export function vevent(lines: string): string {
  const props = lines
    .trim()
    .split('\n')
    .map((line) => line.trim());
  const withUid = props.some((line) => line.startsWith('UID')) ? props : ['UID:e1', ...props];
  return ['BEGIN:VEVENT', 'DTSTAMP:20260101T000000Z', ...withUid, 'END:VEVENT'].join('\n');
}

/** "2026-02-01T09:00:00Z" without milliseconds, for compact expectations. */
export function iso(date: Date): string {
  return date.toISOString().replace('.000Z', 'Z');
}

/** [start, end] pairs of occurrences as compact ISO strings. */
export function spans(occurrences: readonly Occurrence[]): [string, string][] {
  return occurrences.map((o) => [iso(o.start), iso(o.end)]);
}

export function starts(occurrences: readonly Occurrence[]): string[] {
  return occurrences.map((o) => iso(o.start));
}
