import type { SyncStore } from '../../../../src/domain/sync/ports.ts';

/**
 * The contract suite names things 'u1', 'a1', 'cal-primary'; the database needs UUIDs. This maps
 * the suite's names to the seeded UUIDs on the way in and back on the way out, value by value
 * (an exact string match only, so hrefs like '/p/a1.ics' and UIDs pass through untouched).
 */
export class IdTranslation {
  private readonly toId = new Map<string, string>();
  private readonly toName = new Map<string, string>();

  add(name: string, id: string): void {
    this.toId.set(name, id);
    this.toName.set(id, name);
  }

  id(name: string): string {
    const id = this.toId.get(name);
    if (id === undefined) throw new Error(`no id for ${name}`);
    return id;
  }

  has(name: string): boolean {
    return this.toId.has(name);
  }

  inward<T>(value: T): T {
    return mapStrings(value, this.toId);
  }

  outward<T>(value: T): T {
    return mapStrings(value, this.toName);
  }

  /** The store as the suite sees it: every argument translated in, every answer out. */
  wrap(store: SyncStore): SyncStore {
    return {
      loadCalendarState: async (calendarId) => this.outward(await store.loadCalendarState(this.inward(calendarId))),
      loadSavedItems: async (calendarId) => this.outward(await store.loadSavedItems(this.inward(calendarId))),
      loadLinkedAppointments: async (userId, ids) =>
        this.outward(await store.loadLinkedAppointments(this.inward(userId), this.inward(ids))),
      loadConfirmedAppointmentSpans: async (userId, ranges) =>
        this.outward(await store.loadConfirmedAppointmentSpans(this.inward(userId), ranges)),
      applyInboundBatch: (batch) => store.applyInboundBatch(this.inward(batch)),
      claimOutboxRows: async (options) => this.outward(await store.claimOutboxRows(options)),
      loadOutboundTarget: async (row) => this.outward(await store.loadOutboundTarget(this.inward(row))),
      recordWriteIntent: (link) => store.recordWriteIntent(this.inward(link)),
      finishOutboxRow: (outcome) => store.finishOutboxRow(this.inward(outcome)),
    };
  }
}

function mapStrings<T>(value: T, map: ReadonlyMap<string, string>): T {
  return mapValue(value, map) as T;
}

function mapValue(value: unknown, map: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') return map.get(value) ?? value;
  if (Array.isArray(value)) return value.map((v) => mapValue(v, map));
  // Dates and other class instances are values, not records: left as they are.
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapValue(v, map)]));
  }
  return value;
}
