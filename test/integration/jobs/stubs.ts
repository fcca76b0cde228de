import type { DueCalendar, NextRun, ScheduleStore, SyncJobOutcome, SyncMode } from '../../../src/domain/sync/schedule.ts';
import type { SyncWork } from '../../../src/jobs/sync-job.ts';

/** A sync in flight, held until the test releases it. */
export interface HeldSync {
  calendarId: string;
  mode: SyncMode;
  release(outcome?: SyncJobOutcome): void;
  fail(error: Error): void;
}

/**
 * SyncWork whose every call blocks until released, and which measures what the queues promise:
 * how many syncs of one calendar (and of one host) ever ran at the same time.
 */
export function createWorkStub(hostOf: (calendarId: string) => string = () => 'caldav.test') {
  const held: HeldSync[] = [];
  const heldDispatches: Array<() => void> = [];
  const running = new Map<string, number>();
  const runningHosts = new Map<string, number>();
  const maxPerCalendar = new Map<string, number>();
  const maxPerHost = new Map<string, number>();
  const started = new Map<string, number>();
  const finished = new Map<string, number>();
  const dispatch = { started: 0, finished: 0, running: 0, max: 0 };
  let autoRelease: SyncJobOutcome | null = null;

  const bump = (map: Map<string, number>, key: string, by: number) => {
    const value = (map.get(key) ?? 0) + by;
    map.set(key, value);
    return value;
  };

  const work: SyncWork = {
    syncCalendar(calendarId, mode) {
      const host = hostOf(calendarId);
      bump(started, calendarId, 1);
      maxPerCalendar.set(calendarId, Math.max(maxPerCalendar.get(calendarId) ?? 0, bump(running, calendarId, 1)));
      maxPerHost.set(host, Math.max(maxPerHost.get(host) ?? 0, bump(runningHosts, host, 1)));
      return new Promise<SyncJobOutcome>((resolve, reject) => {
        const end = () => {
          bump(running, calendarId, -1);
          bump(runningHosts, host, -1);
          bump(finished, calendarId, 1);
        };
        const sync: HeldSync = {
          calendarId,
          mode,
          release: (outcome = { status: 'ok' }) => {
            end();
            resolve(outcome);
          },
          fail: (error) => {
            end();
            reject(error);
          },
        };
        if (autoRelease) sync.release(autoRelease);
        else held.push(sync);
      });
    },
    dispatchOutbox() {
      dispatch.started += 1;
      dispatch.running += 1;
      dispatch.max = Math.max(dispatch.max, dispatch.running);
      return new Promise((resolve) => {
        const done = () => {
          dispatch.running -= 1;
          dispatch.finished += 1;
          resolve({ processed: 0 });
        };
        if (autoRelease) done();
        else heldDispatches.push(done);
      });
    },
  };

  return {
    work,
    dispatch,
    maxPerCalendar,
    maxPerHost,
    started,
    finished,
    /** The held sync of a calendar (the one in flight), or undefined. */
    heldOf: (calendarId: string) => held.find((sync) => sync.calendarId === calendarId),
    held,
    /** Releases the held sync of this calendar (it must be in flight). */
    release(calendarId: string, outcome?: SyncJobOutcome) {
      const index = held.findIndex((sync) => sync.calendarId === calendarId);
      if (index < 0) throw new Error(`no sync of ${calendarId} is in flight`);
      const [sync] = held.splice(index, 1);
      sync?.release(outcome);
    },
    /** Makes the held sync of this calendar throw. */
    fail(calendarId: string, error: Error) {
      const index = held.findIndex((sync) => sync.calendarId === calendarId);
      if (index < 0) throw new Error(`no sync of ${calendarId} is in flight`);
      const [sync] = held.splice(index, 1);
      sync?.fail(error);
    },
    releaseDispatches() {
      for (const done of heldDispatches.splice(0)) done();
    },
    /** From now on every call completes at once (teardown: nothing may stay blocked). */
    releaseEverything(outcome: SyncJobOutcome = { status: 'ok' }) {
      autoRelease = outcome;
      for (const sync of held.splice(0)) sync.release(outcome);
      this.releaseDispatches();
    },
    runningNow: () => [...running.values()].reduce((sum, n) => sum + n, 0),
  };
}

export interface RecordedOutcome {
  calendarId: string;
  outcome: SyncJobOutcome;
  next: NextRun;
  now: Date;
  mode: SyncMode;
}

/** A ScheduleStore that remembers every recorded outcome; recording can be made to fail. */
export function createRecordingStore(due: DueCalendar[] = []) {
  const outcomes: RecordedOutcome[] = [];
  const state = { failRecords: 0, dueServed: false };
  const store: ScheduleStore = {
    async dueCalendars() {
      // Served once, like rows whose next_sync_at moves on after they are enqueued and run.
      if (state.dueServed) return [];
      state.dueServed = true;
      return due;
    },
    async recordOutcome(calendarId, outcome, next, now, mode) {
      if (state.failRecords > 0) {
        state.failRecords -= 1;
        throw new Error('database unavailable');
      }
      outcomes.push({ calendarId, outcome, next, now, mode });
    },
    async markDue() {
      return true;
    },
  };
  return { store, outcomes, state, outcomesOf: (calendarId: string) => outcomes.filter((o) => o.calendarId === calendarId) };
}
