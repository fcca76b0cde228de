import ICAL from 'ical.js';
import { IANAZone } from 'luxon';
import { copyOfDecoded } from './ics-reader.ts';
import type { JCalComponent } from './jcal.ts';
import { DAY_MS, MINUTE_MS, SECOND_MS, utcMs, wall, type Wall, type ZoneRef } from './values.ts';
import { windowsZoneToIana } from './windows-zones.ts';

/** Converts between wall-clock readings and instants for one zone. */
export interface WallZone {
  readonly name: string;
  /**
   * The instant a wall-clock reading denotes. RFC 5545 §3.3.5: a reading that occurs twice (DST
   * ends) is the first one; a reading that does not exist (DST starts) uses the offset from before
   * the gap, so 02:30 on a spring-forward night in New York is 03:30 EDT.
   */
  toInstant(value: Wall): number;
  toWall(instant: number): Wall;
}

/** UTC offset (ms east of UTC) in force at an instant. */
type OffsetAt = (instant: number) => number;

function zoneFromOffsets(name: string, offsetAt: OffsetAt): WallZone {
  return {
    name,
    toWall: (instant) => wall(instant + offsetAt(instant)),
    toInstant: (value) => {
      // Offsets a day either side bracket any transition near this reading (zones never change
      // twice within two days); each candidate offset is right if it is the offset at the result.
      const before = offsetAt(value - DAY_MS);
      const after = offsetAt(value + DAY_MS);
      let best: number | undefined;
      for (const offset of before === after ? [before] : [before, after]) {
        const instant = value - offset;
        if (offsetAt(instant) === offset && (best === undefined || instant < best)) best = instant;
      }
      return best ?? value - before;
    },
  };
}

const UTC_ZONE: WallZone = zoneFromOffsets('UTC', () => 0);

/**
 * Memoises an offset function per UTC day. Luxon's IANAZone.offset costs about 5 µs (an Intl
 * round trip) and a sync run converts tens of thousands of occurrences, almost all on days with
 * no transition; on the few days with one we find the exact second by bisection once.
 */
function memoisedByDay(raw: OffsetAt): OffsetAt {
  const days = new Map<number, { start: number; end: number; switchAt: number }>();
  return (instant) => {
    const day = Math.floor(instant / DAY_MS);
    let entry = days.get(day);
    if (!entry) {
      const dayStart = day * DAY_MS;
      const dayEnd = dayStart + DAY_MS;
      const start = raw(dayStart);
      const end = raw(dayEnd);
      let switchAt = dayEnd;
      if (start !== end) {
        let lo = dayStart;
        let hi = dayEnd;
        while (hi - lo > SECOND_MS) {
          const mid = lo + Math.floor((hi - lo) / 2 / SECOND_MS) * SECOND_MS;
          if (raw(mid) === start) lo = mid;
          else hi = mid;
        }
        switchAt = hi;
      }
      entry = { start, end, switchAt };
      if (days.size > 100_000) days.clear();
      days.set(day, entry);
    }
    return instant < entry.switchAt ? entry.start : entry.end;
  };
}

const ianaZones = new Map<string, WallZone>();

/** The zone for a valid IANA name (shared, memoised across calls). */
export function ianaZone(name: string): WallZone {
  let zone = ianaZones.get(name);
  if (!zone) {
    const luxonZone = IANAZone.create(name);
    zone = zoneFromOffsets(
      luxonZone.name,
      memoisedByDay((instant) => luxonZone.offset(instant) * MINUTE_MS),
    );
    ianaZones.set(name, zone);
  }
  return zone;
}

const validity = new Map<string, boolean>();

/** Whether a name is an IANA zone Node knows. Memoised: Luxon builds an Intl formatter per check. */
export function isIanaZone(name: string): boolean {
  let valid = validity.get(name);
  if (valid === undefined) {
    valid = name.trim() !== '' && IANAZone.isValidZone(name);
    if (validity.size > 10_000) validity.clear();
    validity.set(name, valid);
  }
  return valid;
}

/**
 * The IANA zone a TZID names, if any: the name itself, or the IANA tail of a prefixed one such as
 * "/mozilla.org/20050126_1/America/New_York" (old Thunderbird) or "/citadel.org/…/Europe/Berlin".
 */
export function ianaNameForTzid(tzid: string): string | undefined {
  const trimmed = tzid.trim();
  if (isIanaZone(trimmed)) return trimmed;
  const parts = trimmed.split('/').filter((part) => part !== '');
  for (let i = 1; i < parts.length; i++) {
    const candidate = parts.slice(i).join('/');
    if (candidate.includes('/') && isIanaZone(candidate)) return candidate;
  }
  return undefined;
}

/* ------------------------------------------------------------------------------------------------ */
/* VTIMEZONE                                                                                          */

/** Year up to which an embedded VTIMEZONE's rules are expanded (once, then cached). */
const VTIMEZONE_EXPANSION_YEAR = 2100;

const vtimezoneZones = new Map<string, WallZone | null>();

/**
 * The component as the jCal arrays ical.js takes. The reader shares VTIMEZONE components between
 * objects (ics-reader.ts, zoneBlocks), so ical.js, which changes some values in place, gets copies.
 */
function toJCalArray(component: JCalComponent): unknown[] {
  return [
    component.name,
    component.properties.map((prop) => [prop.name, { ...prop.params }, prop.type, ...prop.values.map(copyOfDecoded)]),
    component.components.map((child) => toJCalArray(child)),
  ];
}

interface TimezoneChange {
  at: number;
  offset: number;
  previous: number;
}

function readChanges(raw: unknown[]): TimezoneChange[] {
  const changes: TimezoneChange[] = [];
  for (const item of raw) {
    if (!item || typeof item !== 'object') continue;
    const c = item as Record<string, unknown>;
    const fields = [c.year, c.month, c.day, c.hour, c.minute, c.second, c.utcOffset, c.prevUtcOffset];
    if (!fields.every((field) => typeof field === 'number' && Number.isFinite(field))) continue;
    const [year, month, day, hour, minute, second, offset, previous] = fields as number[];
    changes.push({
      // ical.js keeps each change's moment in UTC (already shifted by the offset it replaces).
      at: utcMs(year!, month!, day!, hour!, minute!, second!),
      offset: offset! * SECOND_MS,
      previous: previous! * SECOND_MS,
    });
  }
  return changes.sort((a, b) => a.at - b.at);
}

/**
 * A zone defined by a VTIMEZONE component. ical.js expands the STANDARD/DAYLIGHT rules into a list
 * of changes; we look offsets up in that list ourselves so that gaps and overlaps follow RFC 5545
 * like the IANA zones do, and so a reading before the first change uses that change's
 * TZOFFSETFROM (ical.js would answer offset 0 there). Returns null when the VTIMEZONE holds no
 * usable rule.
 */
function vtimezoneZone(component: JCalComponent, tzid: string): WallZone | null {
  const key = JSON.stringify(toJCalArray(component));
  const cached = vtimezoneZones.get(key);
  if (cached !== undefined) return cached;
  let zone: WallZone | null = null;
  try {
    const timezone = new ICAL.Timezone(new ICAL.Component(toJCalArray(component)));
    timezone._ensureCoverage(VTIMEZONE_EXPANSION_YEAR);
    const changes = readChanges(Array.isArray(timezone.changes) ? timezone.changes : []);
    if (changes.length > 0) {
      zone = zoneFromOffsets(tzid, (instant) => {
        let lo = 0;
        let hi = changes.length - 1;
        if (instant < changes[0]!.at) return changes[0]!.previous;
        while (lo < hi) {
          const mid = (lo + hi + 1) >> 1;
          if (changes[mid]!.at <= instant) lo = mid;
          else hi = mid - 1;
        }
        return changes[lo]!.offset;
      });
    }
  } catch {
    zone = null; // a broken VTIMEZONE is treated like a missing one (see ZoneResolver)
  }
  if (vtimezoneZones.size > 500) vtimezoneZones.clear();
  vtimezoneZones.set(key, zone);
  return zone;
}

/* ------------------------------------------------------------------------------------------------ */

/**
 * Resolves the zones one calendar object refers to.
 *
 * A TZID is resolved, in order: as an IANA name (through the zone data Node ships), through the
 * object's own VTIMEZONE, as a Windows zone name, and finally as the user's zone with a warning —
 * an unknown TZID never fails an event. IANA comes before the embedded VTIMEZONE on purpose:
 * those copies are often cut down (the fixtures carry New York rules starting in 2007) or stale
 * after a government changes its DST rules, while the iPhone showing the event uses current zone
 * data for the same name; it is also far cheaper. A VTIMEZONE still defines every TZID that is
 * not an IANA name (Outlook's "W. Europe Standard Time", custom zones). Note that ical.js alone
 * would silently read a TZID with no VTIMEZONE as floating time.
 */
export class ZoneResolver {
  readonly user: WallZone;
  private readonly byTzid = new Map<string, WallZone>();

  constructor(
    private readonly vtimezones: ReadonlyMap<string, JCalComponent>,
    userZone: string,
    private readonly warn: (message: string) => void,
  ) {
    if (!isIanaZone(userZone))
      throw new RangeError(`unknown time zone ${JSON.stringify(userZone)} (expected an IANA name such as "Europe/Berlin")`);
    this.user = ianaZone(userZone);
  }

  resolve(ref: ZoneRef): WallZone {
    if (ref.kind === 'utc') return UTC_ZONE;
    if (ref.kind === 'floating') return this.user; // floating times are read on the user's clock
    let zone = this.byTzid.get(ref.tzid);
    if (!zone) {
      zone = this.lookup(ref.tzid);
      this.byTzid.set(ref.tzid, zone);
    }
    return zone;
  }

  private lookup(tzid: string): WallZone {
    const iana = ianaNameForTzid(tzid);
    if (iana) return ianaZone(iana);
    const component = this.vtimezones.get(tzid);
    const fromVtimezone = component ? vtimezoneZone(component, tzid) : null;
    if (fromVtimezone) return fromVtimezone;
    const windows = windowsZoneToIana(tzid);
    if (windows && isIanaZone(windows)) return ianaZone(windows);
    this.warn(`unknown TZID ${JSON.stringify(tzid)}: read as the user's zone ${this.user.name}`);
    return this.user;
  }
}
