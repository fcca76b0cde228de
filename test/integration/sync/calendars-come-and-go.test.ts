/**
 * Calendars that come and go (issue 12.3), on Radicale and Xandikos: a calendar created on the
 * server (MKCALENDAR) appears in Tandem, unconfigured, after one daily reconciliation; a renamed one
 * (PROPPATCH) shows its new name; a configured one deleted on the server (DELETE) is marked removed,
 * stops syncing and its busy time is gone.
 *
 * The primary calendar changes, on Radicale: when the user picks another primary, every upcoming
 * appointment's event leaves the former one (still writable) and lands in the new one exactly once
 * — and back again; a dispatch that runs twice, or crashes between the steps of a move, still ends
 * with one copy. A primary deleted on the server is marked, its busy time goes, the appointments are
 * kept, the configuration says nothing is written until a new primary is chosen, and choosing one
 * writes each appointment there once. One Tandem serves both servers' users.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appointmentIdFromUid } from '../../../src/domain/sync/appointment-uid.ts';
import type { SyncStore } from '../../../src/domain/sync/ports.ts';
import { caldavSettingsFrom } from '../../../src/services/connections/connection-context.ts';
import { recordAppointmentNotice } from '../../../src/services/notifications/record-appointment-notice.ts';
import { recordConnectionNotice } from '../../../src/services/notifications/record-connection-notice.ts';
import { dispatchOutbox } from '../../../src/services/sync/dispatch-outbox.ts';
import { icalEventCodec } from '../../../src/services/sync/ical-codec.ts';
import { createRemoteOpener } from '../../../src/services/sync/open-remote-calendar.ts';
import { createSyncStore } from '../../../src/store/sync-store.ts';
import { addCalendar, signUp, type Session } from '../../support/api.ts';
import {
  davRequest,
  makeCalendar,
  putEvent,
  renameCalendar,
  simpleEventIcs,
  type CalDavTestServer,
  type DavAuth,
} from '../../support/caldav-fixtures.ts';
import { startRadicale } from '../../support/radicale.ts';
import {
  appointmentEventUid,
  at,
  blockedSlots,
  bookAsStaff,
  calendarObjects,
  connectAndConfigure,
  directCalDavSide,
  eventUrlIn,
  icsUtc,
  mondayAhead,
  pendingOutbox,
  readEvent,
  settleOutbox,
  startSyncApp,
  type CalendarJson,
  type ConnectionJson,
  type SyncApp,
} from '../../support/sync-journey.ts';
import { startXandikos } from '../../support/xandikos.ts';

interface ConfigurationJson {
  primaryCalendarId: string | null;
  conflictCalendarIds: string[];
  primaryNotice: string | null;
}
type ListedCalendar = CalendarJson & { removedAt: string | null };

let tandem: SyncApp;
beforeAll(async () => {
  tandem = await startSyncApp();
});
afterAll(async () => {
  await tandem?.close();
});

const listCalendars = async (owner: Session, connectionId: string): Promise<ListedCalendar[]> => {
  const response = await tandem.server.inject({ method: 'GET', url: `/api/connections/${connectionId}`, headers: owner.headers });
  expect(response.statusCode, response.body).toBe(200);
  return response.json<ConnectionJson>().calendars as ListedCalendar[];
};

/** The next daily reconciliation: a day after the last listing, a full sync lists the account first. */
const nextDailyReconciliation = async (connectionId: string, calendarId: string) => {
  await tandem.db
    .updateTable('connections')
    .set({ calendars_listed_at: new Date(Date.now() - 25 * 3600_000) })
    .where('id', '=', connectionId)
    .execute();
  expect(await tandem.app.work.syncCalendar(calendarId, 'full')).toMatchObject({ status: 'ok' });
};

/**
 * A new user whose account on `server` holds these calendars, made on the server first: the first
 * one primary, the second for conflicts.
 */
async function newUserOn(name: string, server: CalDavTestServer, names: [string, string, ...string[]], components?: ['VEVENT']) {
  for (const displayName of names)
    await makeCalendar({ username: server.username, password: server.password }, `${server.calendarHomeUrl}${displayName.toLowerCase()}/`, {
      displayName,
      ...(components && { components }),
    });
  const owner = await signUp(tandem.server, { timezone: 'UTC' });
  const configured = await connectAndConfigure(
    tandem.server,
    owner,
    directCalDavSide(name, server, { primaryName: names[0], conflictName: names[1] }),
  );
  return { owner, ...configured };
}

/** An hour-long event the person adds in their calendar app, imported by a full sync of that calendar. */
const addBusyEvent = async (auth: DavAuth, calendar: CalendarJson, summary: string, start: Date) => {
  const uid = summary.toLowerCase();
  const ics = simpleEventIcs({ uid, summary, start: icsUtc(start), end: icsUtc(new Date(start.getTime() + 3600_000)) });
  expect([201, 204]).toContain((await putEvent(auth, eventUrlIn(calendar.url, uid), ics)).status);
  expect(await tandem.app.work.syncCalendar(calendar.id, 'full')).toMatchObject({ status: 'ok' });
};

describe('calendars that come and go, and primary calendars that move (Radicale)', () => {
  let radicale: CalDavTestServer;
  let owner: Session;
  let connection: ConnectionJson;
  let main: CalendarJson;
  let side: CalendarJson;
  let second: CalendarJson;
  let roundRobin: string;
  const appointments: string[] = [];
  const day = mondayAhead();
  const auth = () => ({ username: radicale.username, password: radicale.password });

  beforeAll(async () => {
    radicale = await startRadicale();
    ({ owner, connection, primary: main, conflict: side } = await newUserOn('Radicale', radicale, ['Main', 'Side', 'Second'], ['VEVENT']));
    second = connection.calendars.find((c) => c.displayName === 'Second')!;
    roundRobin = await addCalendar(tandem.server, owner, { type: 'round_robin', members: [{ userId: owner.userId }] });
    for (const hour of [9, 10]) await book(hour);
    await settleOutbox(tandem.app);
  });
  afterAll(async () => {
    await radicale?.stop();
  });

  const calendars = () => listCalendars(owner, connection.id);

  async function book(hour: number): Promise<void> {
    const booked = await bookAsStaff(tandem.server, owner, roundRobin, at(day, hour), {
      name: `Client ${hour}`,
      email: `c${hour}@example.test`,
    });
    expect(booked.statusCode, booked.body).toBe(201);
    appointments.push(booked.json<{ appointment: { id: string } }>().appointment.id);
  }

  /** The UIDs of Tandem's events really on the server in a calendar, duplicates included, sorted. */
  const tandemUids = async (calendar: CalendarJson) =>
    (await calendarObjects(auth(), calendar.url))
      .map((object) => readEvent(object.ics).uid)
      .filter((uid) => appointmentIdFromUid(uid) !== null)
      .sort();
  const expected = () => appointments.map(appointmentEventUid).sort();

  const configure = async (primaryCalendarId: string | null, conflictCalendarIds: string[] = [side.id]) => {
    const response = await tandem.server.inject({
      method: 'PUT',
      url: `/api/users/${owner.userId}/calendar-configuration`,
      headers: owner.headers,
      payload: { primaryCalendarId, conflictCalendarIds },
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<ConfigurationJson>();
  };

  const storeAt = (now: () => Date) =>
    createSyncStore(tandem.db, {
      publicUrl: tandem.app.config.publicUrl,
      now,
      recordNotice: recordAppointmentNotice,
      recordConnectionNotice,
    });
  const configuration = async () => {
    const response = await tandem.server.inject({
      method: 'GET',
      url: `/api/users/${owner.userId}/calendar-configuration`,
      headers: owner.headers,
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<ConfigurationJson & { calendars: ListedCalendar[] }>();
  };

  /** The production store, with one call that fails once: the process dies right there. */
  const crashingStore = (method: 'recordWriteIntent' | 'finishOutboxRow'): { store: SyncStore; crashed: () => boolean } => {
    const real = storeAt(() => new Date());
    let armed = true;
    const crash = async <T>(call: () => Promise<T>): Promise<T> => {
      if (!armed) return call();
      armed = false;
      throw new Error(`injected crash in ${method}`);
    };
    return {
      store: {
        ...real,
        recordWriteIntent: (link) =>
          method === 'recordWriteIntent' ? crash(() => real.recordWriteIntent(link)) : real.recordWriteIntent(link),
        finishOutboxRow: (outcome) =>
          method === 'finishOutboxRow' ? crash(() => real.finishOutboxRow(outcome)) : real.finishOutboxRow(outcome),
      },
      crashed: () => !armed,
    };
  };
  const dispatchWith = (store: SyncStore, now: Date) =>
    dispatchOutbox(
      {
        store,
        openRemote: createRemoteOpener({ db: tandem.db, secretBox: tandem.app.secretBox, caldav: caldavSettingsFrom(tandem.app.config) }),
        codec: icalEventCodec,
      },
      { now },
    );
  /** A dispatch that dies in `method`, then another process once the dead one's lease has run out. */
  const crashThenRecover = async (method: 'recordWriteIntent' | 'finishOutboxRow') => {
    const crashing = crashingStore(method);
    await expect(dispatchWith(crashing.store, new Date())).rejects.toThrow(/injected crash/);
    expect(crashing.crashed()).toBe(true);
    const afterLease = new Date(Date.now() + 10 * 60_000);
    const recovered = await dispatchWith(
      storeAt(() => afterLease),
      afterLease,
    );
    expect(recovered.rows.map((row) => row.result.status)).toEqual(appointments.map(() => 'done'));
    expect(await pendingOutbox(tandem.db)).toBe(0);
  };

  it('a new primary gets each appointment once and the former one keeps none — and back again', async () => {
    expect(await tandemUids(main)).toEqual(expected());
    expect(await tandemUids(second)).toEqual([]);

    expect(await configure(second.id)).toMatchObject({ primaryCalendarId: second.id, primaryNotice: null });
    await settleOutbox(tandem.app);
    expect(await tandemUids(main)).toEqual([]);
    expect(await tandemUids(second)).toEqual(expected());

    // A dispatch of the same appointments again (a duplicate row, a second worker) changes nothing.
    const before = await calendarObjects(auth(), second.url);
    await tandem.db
      .insertInto('outbox')
      .values(
        appointments.map((id) => ({ workspace_id: owner.workspaceId, appointment_id: id, user_id: owner.userId, op: 'upsert' as const })),
      )
      .execute();
    await settleOutbox(tandem.app);
    expect(await calendarObjects(auth(), second.url)).toEqual(before);

    await configure(main.id);
    await settleOutbox(tandem.app);
    expect(await tandemUids(second)).toEqual([]);
    expect(await tandemUids(main)).toEqual(expected());
    // The calendar left behind holds no item of ours either: nothing there for a later sync to trip on.
    const leftItems = await tandem.db.selectFrom('remote_items').select('href').where('remote_calendar_id', '=', second.id).execute();
    expect(leftItems).toEqual([]);
  });

  it('a move that crashes after removing the old copy, or after writing the new one, still ends with one copy', async () => {
    await configure(second.id);
    // Dies after the DELETE in Main, before the PUT to Second was even recorded.
    await crashThenRecover('recordWriteIntent');
    expect(await tandemUids(main)).toEqual([]);
    expect(await tandemUids(second)).toEqual(expected());

    await configure(main.id);
    // Dies after the PUT to Main landed, before it was recorded: the retry adopts it (412), no duplicate.
    await crashThenRecover('finishOutboxRow');
    expect(await tandemUids(second)).toEqual([]);
    expect(await tandemUids(main)).toEqual(expected());
  });

  it('a former primary that turned read-only keeps its copies, and the configuration says why; moving back adopts them', async () => {
    // The account lost write access to Main (a shared calendar's owner changed the rights).
    const setWritable = (writable: boolean) =>
      tandem.db.updateTable('remote_calendars').set({ writable }).where('id', '=', main.id).execute();
    await setWritable(false);
    await configure(second.id);
    await settleOutbox(tandem.app);
    expect(await tandemUids(second)).toEqual(expected());
    expect(await tandemUids(main)).toEqual(expected());
    const { primaryNotice } = await configuration();
    expect(primaryNotice).toMatch(/2 copies of appointments stay in “Main”.*the calendar is read-only.*Delete them in the calendar app/);

    // Writable again and primary again: the copies left there are recognised (412, adopted), not doubled.
    await setWritable(true);
    expect(await configure(main.id)).toMatchObject({ primaryNotice: null });
    await settleOutbox(tandem.app);
    expect(await tandemUids(main)).toEqual(expected());
    expect(await tandemUids(second)).toEqual([]);
  });

  it('a new calendar appears after one reconciliation; a deleted one is marked, stops syncing and blocks nothing', async () => {
    await addBusyEvent(auth(), side, 'Dentist', at(day, 10));
    expect((await blockedSlots(tandem.server, owner, day)).map((slot) => slot.title)).toEqual(['Dentist']);

    // On the server: a calendar is added, one renamed, the conflict calendar is deleted.
    await makeCalendar(auth(), `${radicale.calendarHomeUrl}added/`, { displayName: 'Added later', components: ['VEVENT'] });
    await renameCalendar(auth(), second.url, 'Second, renamed');
    expect((await davRequest(side.url, { method: 'DELETE', auth: auth() })).status).toBeLessThan(300);

    // The conflict calendar's first full sync above was today's listing; a day later, the next
    // daily reconciliation (the primary's full sync) lists the account again.
    await nextDailyReconciliation(connection.id, main.id);
    const listed = await calendars();
    expect(listed.find((c) => c.displayName === 'Added later')).toMatchObject({ role: 'none', removedAt: null, connectable: true });
    expect(listed.find((c) => c.id === side.id)).toMatchObject({ role: 'none', removedAt: expect.any(String), connectable: false });
    expect(listed.find((c) => c.id === main.id)).toMatchObject({ role: 'primary', removedAt: null });
    expect(listed.find((c) => c.id === second.id)).toMatchObject({ displayName: 'Second, renamed', role: 'none', removedAt: null });

    // Its busy time is gone, and it is no longer scheduled or reported.
    expect(await blockedSlots(tandem.server, owner, day)).toEqual([]);
    const status = await tandem.server.inject({ method: 'GET', url: '/api/sync/status', headers: owner.headers });
    expect(status.json<Array<{ calendarId: string }>>().map((s) => s.calendarId)).toEqual([main.id]);
    const due = await tandem.db.selectFrom('remote_calendars').select('next_sync_at').where('id', '=', side.id).executeTakeFirstOrThrow();
    expect(due.next_sync_at).toBeNull();

    // Once a day per connection: another full sync today does not list again (a calendar added now waits).
    await makeCalendar(auth(), `${radicale.calendarHomeUrl}later/`, { displayName: 'Even later', components: ['VEVENT'] });
    expect(await tandem.app.work.syncCalendar(main.id, 'full')).toMatchObject({ status: 'ok' });
    expect((await calendars()).map((c) => c.displayName)).not.toContain('Even later');
  });

  it('a primary deleted on the server: busy time gone, appointments kept, nothing written until a new primary, then each once', async () => {
    await addBusyEvent(auth(), main, 'Gym', at(day, 14));
    expect((await blockedSlots(tandem.server, owner, day)).map((slot) => slot.title)).toEqual(['Gym']);

    expect((await davRequest(main.url, { method: 'DELETE', auth: auth() })).status).toBeLessThan(300);
    // The next sync of the primary finds it gone and lists the account at once.
    await tandem.app.work.syncCalendar(main.id, 'incremental');
    const view = await configuration();
    expect(view.primaryCalendarId).toBeNull();
    expect(view.calendars.find((c) => c.id === main.id)).toMatchObject({ role: 'none', removedAt: expect.any(String) });
    expect(view.primaryNotice).toMatch(
      /“Main”.*deleted.*2 upcoming appointments.*not written to any calendar until you choose a new primary/,
    );
    expect(await blockedSlots(tandem.server, owner, day)).toEqual([]);

    // Booked while there is no primary: kept, and written with the others once there is one.
    await book(11);
    await settleOutbox(tandem.app);
    const listed = await tandem.server.inject({
      method: 'GET',
      url: `/api/appointments?from=${day.toISOString()}&to=${at(day, 24).toISOString()}`,
      headers: owner.headers,
    });
    expect(
      listed
        .json<Array<{ id: string; status: string }>>()
        .filter((a) => a.status === 'confirmed')
        .map((a) => a.id)
        .sort(),
    ).toEqual([...appointments].sort());

    expect(await configure(second.id, [])).toMatchObject({ primaryCalendarId: second.id, primaryNotice: null });
    await settleOutbox(tandem.app);
    expect(await tandemUids(second)).toEqual(expected());
    const status = await tandem.server.inject({ method: 'GET', url: '/api/sync/status', headers: owner.headers });
    expect(status.json<Array<{ calendarId: string; role: string }>>().map((s) => [s.calendarId, s.role])).toEqual([[second.id, 'primary']]);
  });
});

describe('calendars that come and go (Xandikos)', () => {
  let xandikos: Awaited<ReturnType<typeof startXandikos>>;
  let owner: Session;
  let connection: ConnectionJson;
  let home: CalendarJson;
  let work: CalendarJson;
  const day = mondayAhead();
  const auth = () => ({ username: xandikos.username, password: xandikos.password });

  beforeAll(async () => {
    xandikos = await startXandikos();
    // Xandikos refuses a component set in MKCALENDAR (409): its calendars take every type.
    ({ owner, connection, primary: home, conflict: work } = await newUserOn('Xandikos', xandikos, ['Home', 'Work']));
  });
  afterAll(async () => {
    await xandikos?.stop();
  });

  it('created, renamed and deleted on the server: appears, is renamed, and is marked with its busy time gone after one reconciliation', async () => {
    await addBusyEvent(auth(), work, 'Standup', at(day, 9));
    expect((await blockedSlots(tandem.server, owner, day)).map((slot) => slot.title)).toEqual(['Standup']);

    await makeCalendar(auth(), `${xandikos.calendarHomeUrl}added/`, { displayName: 'Added later' });
    await renameCalendar(auth(), home.url, 'Home, renamed');
    expect((await davRequest(work.url, { method: 'DELETE', auth: auth() })).status).toBeLessThan(300);

    await nextDailyReconciliation(connection.id, home.id);
    const listed = await listCalendars(owner, connection.id);
    expect(listed.find((c) => c.displayName === 'Added later')).toMatchObject({ role: 'none', removedAt: null, connectable: true });
    expect(listed.find((c) => c.id === home.id)).toMatchObject({ displayName: 'Home, renamed', role: 'primary', removedAt: null });
    expect(listed.find((c) => c.id === work.id)).toMatchObject({ role: 'none', removedAt: expect.any(String), connectable: false });
    expect(await blockedSlots(tandem.server, owner, day)).toEqual([]);
    const status = await tandem.server.inject({ method: 'GET', url: '/api/sync/status', headers: owner.headers });
    expect(status.json<Array<{ calendarId: string }>>().map((s) => s.calendarId)).toEqual([home.id]);
  });
});
