import { defaultSyncWindow } from '../../../src/domain/sync/sync-window.ts';
import { dispatchOutbox, type DispatchReport } from '../../../src/services/sync/dispatch-outbox.ts';
import type { EventCodec } from '../../../src/domain/sync/ports.ts';
import { runInboundSync, type InboundSyncOptions, type InboundSyncReport } from '../../../src/services/sync/run-inbound-sync.ts';
import { icalEventCodec } from '../../../src/services/sync/ical-codec.ts';
import { InMemoryRemoteCalendar, InMemorySyncStore, openRemotes, simpleEvent } from '../../support/in-memory-sync.ts';

/**
 * One user (u1) with a primary and a conflict calendar, a second user (u2) with a primary, the
 * in-memory remote and store, and a clock. Executor tests drive it; each call says what it does.
 */
export function createHarness(options: { codec?: EventCodec; start?: Date } = {}) {
  const store = new InMemorySyncStore();
  const remotes = {
    'cal-primary': new InMemoryRemoteCalendar('/cal/primary/'),
    'cal-conflict': new InMemoryRemoteCalendar('/cal/conflict/'),
    'cal-u2': new InMemoryRemoteCalendar('/cal/u2/'),
  };
  store.addUser('u1', 'cal-primary');
  store.addUser('u2', 'cal-u2');
  store.addCalendar({ calendarId: 'cal-primary', userId: 'u1', isPrimary: true, zone: 'Europe/London' });
  store.addCalendar({ calendarId: 'cal-conflict', userId: 'u1', isPrimary: false, zone: 'Europe/London' });
  store.addCalendar({ calendarId: 'cal-u2', userId: 'u2', isPrimary: true, zone: 'Europe/London' });
  const codec = options.codec ?? icalEventCodec;
  const clock = { now: options.start ?? new Date('2030-03-01T08:00:00Z') };

  return {
    store,
    remotes,
    codec,
    clock,
    advance(ms: number): void {
      clock.now = new Date(clock.now.getTime() + ms);
    },
    sync(calendarId: keyof typeof remotes, extra: Partial<InboundSyncOptions> = {}): Promise<InboundSyncReport> {
      return runInboundSync(
        { store, remote: remotes[calendarId], codec },
        { calendarId, window: defaultSyncWindow(clock.now), now: clock.now, ...extra },
      );
    },
    dispatch(extra: { leaseMs?: number } = {}): Promise<DispatchReport> {
      return dispatchOutbox({ store, openRemote: openRemotes(remotes), codec }, { now: clock.now, random: () => 0.5, ...extra });
    },
    /** A person's event in iCloud; returns its href. */
    userEvent(calendarId: keyof typeof remotes, uid: string, startHour: number, hours = 1, summary = `Event ${uid}`): string {
      const href = `${remotes[calendarId].url}${uid}.ics`;
      remotes[calendarId].userPut(href, simpleEvent({ uid, start: at(startHour), end: at(startHour + hours), summary }));
      return href;
    },
  };
}

export type Harness = ReturnType<typeof createHarness>;

/** Hours after 2030-03-04T09:00Z, the day the tests' events happen. */
export function at(hour: number): Date {
  return new Date(Date.UTC(2030, 2, 4, 9) + hour * 3_600_000);
}
