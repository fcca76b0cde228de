/**
 * Values read from the database and kept in memory while the rows they came from are unchanged
 * (decisions 0022 and 0023: the calendar view by its row's `xmin`, imported busy time by its
 * calendars' `busy_version`). Each caller stores the version beside its value and compares it with the
 * one its next statement reads; this only keeps them, bounded and per database handle.
 *
 * Per handle: a test process opens many databases whose rows may share ids and versions, and a
 * transaction's handle gets its own short-lived map (what a transaction reads is never kept for the
 * others). Callers share the values, so they are frozen.
 */
export interface KeptValues<V> {
  get(key: string): V | undefined;
  set(key: string, value: V): void;
}

export function keptPerDatabase<V>(limit: number): (db: object) => KeptValues<V> {
  const byDatabase = new WeakMap<object, Map<string, V>>();
  return (db) => {
    let values = byDatabase.get(db);
    if (!values) {
      values = new Map();
      byDatabase.set(db, values);
    }
    const kept = values;
    return {
      get(key) {
        const value = kept.get(key);
        // A read moves the value to the newest end, so what is in use is the last to go: a booking
        // keeps its one-off window, and 5,000 bookings must not push out the slots pages being read.
        if (value !== undefined) {
          kept.delete(key);
          kept.set(key, value);
        }
        return value;
      },
      set(key, value) {
        kept.delete(key);
        // Least recently used first out (a Map keeps insertion order; get moves what it reads to the end).
        if (kept.size >= limit) kept.delete(kept.keys().next().value!);
        kept.set(key, deepFreeze(value));
      },
    };
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
