import { eventContext } from './errors.ts';
import type { EventData } from './event-data.ts';
import { DAY_MS, wall, wallDay, ZERO_DURATION, type DateValue, type DurationValue, type Wall } from './values.ts';
import type { WallZone, ZoneResolver } from './zones.ts';

const ONE_DAY: DurationValue = { days: 1, ms: 0 };

/** The clock a component's times are read on: the user's days for all-day, else its DTSTART zone. */
export interface Clock {
  readonly allDay: boolean;
  readonly zone: WallZone;
}

export function clockOf(start: DateValue, zones: ZoneResolver): Clock {
  return start.type === 'date' ? { allDay: true, zone: zones.user } : { allDay: false, zone: zones.resolve(start.zone) };
}

/**
 * How long one instance lasts: DTEND − DTSTART, or DURATION, or the RFC 5545 §3.6.1 default
 * (one day for a DATE, zero for a DATE-TIME). Days are kept nominal so a P1D event, or an
 * all-day one, keeps its wall-clock end across a DST change.
 */
export function lengthOf(event: EventData, clock: Clock, zones: ZoneResolver, warn: (message: string) => void): DurationValue {
  if (clock.allDay) {
    if (event.end) {
      const days = Math.round((wallDay(event.end.wall) - event.start.wall) / DAY_MS);
      return days > 0 ? { days, ms: 0 } : ONE_DAY;
    }
    if (event.duration && event.duration.days * DAY_MS + event.duration.ms > 0) return event.duration;
    return ONE_DAY;
  }
  if (event.end) {
    const start = clock.zone.toInstant(event.start.wall);
    const endZone = event.end.type === 'date' ? clock.zone : zones.resolve(event.end.zone);
    const ms = endZone.toInstant(event.end.wall) - start;
    if (ms >= 0) return { days: 0, ms };
    warn(`${eventContext(event.uid)}: DTEND is before DTSTART; treated as zero length`);
    return ZERO_DURATION;
  }
  if (event.duration) {
    if (event.duration.days * DAY_MS + event.duration.ms >= 0) return event.duration;
    warn(`${eventContext(event.uid)}: negative DURATION; treated as zero length`);
  }
  return ZERO_DURATION;
}

export function spanAt(clock: Clock, length: DurationValue, start: Wall): [number, number] {
  const startInstant = clock.zone.toInstant(start);
  const nominalEnd = length.days === 0 ? startInstant : clock.zone.toInstant(wall(start + length.days * DAY_MS));
  return [startInstant, nominalEnd + length.ms];
}
