/**
 * A bounded memo of values per (time zone, number): a zone's rules do not change while the process
 * runs, so what Luxon worked out once for a zone and a day or an instant holds until the process
 * ends, while each Luxon call costs microseconds on the booking and slot paths (issue 13.4). Zones
 * are few (members' and bookers' own): past `maxZones` all are dropped. The numbers of one zone are
 * kept up to `maxPerZone`, the oldest dropped first (a Map keeps insertion order).
 */
export class ZoneMemo<V> {
  private readonly zones = new Map<string, Map<number, V>>();

  constructor(
    private readonly maxZones: number,
    private readonly maxPerZone: number,
  ) {}

  /**
   * The value kept for `key` in `zone`, worked out by `compute(zone, key, arg)` the first time. `arg`
   * is handed through so that callers need not allocate a closure per call on hot paths; the value
   * must not depend on it.
   */
  get<A>(zone: string, key: number, compute: (zone: string, key: number, arg: A) => V, arg: A): V {
    let inZone = this.zones.get(zone);
    if (inZone === undefined) {
      if (this.zones.size >= this.maxZones) this.zones.clear();
      inZone = new Map();
      this.zones.set(zone, inZone);
    }
    let value = inZone.get(key);
    if (value === undefined) {
      value = compute(zone, key, arg);
      if (inZone.size >= this.maxPerZone) inZone.delete(inZone.keys().next().value!);
      inZone.set(key, value);
    }
    return value;
  }
}
