/**
 * The primary calendar changes (issue 12.3), on Radicale: when the user picks another primary, every
 * upcoming appointment's event leaves the former one (still writable) and lands in the new one
 * exactly once — and back again; a dispatch that runs twice, or crashes between the steps of a
 * move, still ends with one copy. A primary deleted on the server is marked, its busy time goes,
 * the appointments are kept, the configuration says nothing is written until a new primary is
 * chosen, and choosing one writes each appointment there once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appointmentIdFromUid } from '../../../src/domain/sync/appointment-uid.ts';
import { caldavSettingsFrom } from '../../../src/services/connections/connection-context.ts';
import { recordAppointmentNotice } from '../../../src/services/notifications/record-appointment-notice.ts';
import { dispatchOutbox } from '../../../src/services/sync/dispatch-outbox.ts';
import { icalEventCodec } from '../../../src/services/sync/ical-codec.ts';
import { createRemoteOpener } from '../../../src/services/sync/open-remote-calendar.ts';
import { createSyncStore } from '../../../src/store/sync-store.ts';
import type { SyncStore } from '../../../src/domain/sync/ports.ts';
import { addCalendar, signUp, type Session } from '../../support/api.ts';
import { davRequest, makeCalendar, putEvent, simpleEventIcs, type CalDavTestServer } from '../../support/caldav-fixtures.ts';
import { startRadicale } from '../../support/radicale.ts';
import {
  appointmentEventUid,
  at,
  blockedSlots,
  bookAsStaff,
  calendarObjects,
  connectAndConfigure,
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

interface ConfigurationJson {
  primaryCalendarId: string | null;
  conflictCalendarIds: string[];
  primaryNotice: string | null;
}

describe('moving the primary calendar, and a primary deleted on the server (Radicale)', () => {
  let radicale: CalDavTestServer;
  let tandem: SyncApp;
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
    for (const displayName of ['Main', 'Side', 'Second'])
      await makeCalendar(auth(), `${radicale.calendarHomeUrl}${displayName.toLowerCase()}/`, { displayName, components: ['VEVENT'] });
    tandem = await startSyncApp();
    owner = await signUp(tandem.server, { timezone: 'UTC' });
    ({
      connection,
      primary: main,
      conflict: side,
    } = await connectAndConfigure(tandem.server, owner, {
      name: 'Radicale',
      connect: { provider: 'caldav', serverUrl: radicale.baseUrl, username: radicale.username, password: radicale.password },
      primaryName: 'Main',
      conflictName: 'Side',
      direct: (url) => url,
      auth: auth(),
      requestCount: () => 0,
      stop: () => radicale.stop(),
    }));
    second = connection.calendars.find((c) => c.displayName === 'Second')!;
    roundRobin = await addCalendar(tandem.server, owner, { type: 'round_robin', members: [{ userId: owner.userId }] });
    for (const hour of [9, 10]) await book(hour);
    await settleOutbox(tandem.app);
  });
  afterAll(async () => {
    await tandem?.close();
    await radicale?.stop();
  });

  async function book(hour: number): Promise<void> {
    const booked = await bookAsStaff(tandem.server, owner, roundRobin, at(day, hour), { name: `Client ${hour}`, email: `c${hour}@example.test` });
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
    createSyncStore(tandem.db, { publicUrl: tandem.app.config.publicUrl, now, recordNotice: recordAppointmentNotice });
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
        recordWriteIntent: (link) => (method === 'recordWriteIntent' ? crash(() => real.recordWriteIntent(link)) : real.recordWriteIntent(link)),
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
    const recovered = await dispatchWith(storeAt(() => afterLease), afterLease);
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
      .values(appointments.map((id) => ({ workspace_id: owner.workspaceId, appointment_id: id, user_id: owner.userId, op: 'upsert' as const })))
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

  it('a primary deleted on the server: busy time gone, appointments kept, nothing written until a new primary, then each once', async () => {
    const put = await putEvent(
      auth(),
      eventUrlIn(main.url, 'gym'),
      simpleEventIcs({ uid: 'gym', summary: 'Gym', start: icsUtc(at(day, 14)), end: icsUtc(at(day, 15)) }),
    );
    expect([201, 204]).toContain(put.status);
    expect(await tandem.app.work.syncCalendar(main.id, 'full')).toMatchObject({ status: 'ok' });
    expect((await blockedSlots(tandem.server, owner, day)).map((slot) => slot.title)).toEqual(['Gym']);

    expect((await davRequest(main.url, { method: 'DELETE', auth: auth() })).status).toBeLessThan(300);
    // The next sync of the primary finds it gone and lists the account at once.
    console.log(await tandem.app.work.syncCalendar(main.id, 'incremental'));
    const configuration = await tandem.server.inject({
      method: 'GET',
      url: `/api/users/${owner.userId}/calendar-configuration`,
      headers: owner.headers,
    });
    const view = configuration.json<ConfigurationJson & { calendars: Array<CalendarJson & { removedAt: string | null }> }>();
    expect(view.primaryCalendarId).toBeNull();
    expect(view.calendars.find((c) => c.id === main.id)).toMatchObject({ role: 'none', removedAt: expect.any(String) });
    expect(view.primaryNotice).toMatch(/“Main”.*deleted.*2 upcoming appointments.*not written to any calendar until you choose a new primary/);
    expect(await blockedSlots(tandem.server, owner, day)).toEqual([]);

    // Booked while there is no primary: kept, and written with the others once there is one.
    await book(11);
    await settleOutbox(tandem.app);
    const listed = await tandem.server.inject({
      method: 'GET',
      url: `/api/appointments?from=${day.toISOString()}&to=${at(day, 24).toISOString()}`,
      headers: owner.headers,
    });
    expect(listed.json<Array<{ id: string; status: string }>>().filter((a) => a.status === 'confirmed').map((a) => a.id).sort()).toEqual(
      [...appointments].sort(),
    );

    expect(await configure(second.id)).toMatchObject({ primaryCalendarId: second.id, primaryNotice: null });
    await settleOutbox(tandem.app);
    expect(await tandemUids(second)).toEqual(expected());
    const status = await tandem.server.inject({ method: 'GET', url: '/api/sync/status', headers: owner.headers });
    expect(status.json<Array<{ calendarId: string; role: string }>>().map((s) => [s.calendarId, s.role]).sort()).toEqual(
      [
        [second.id, 'primary'],
        [side.id, 'conflict'],
      ].sort(),
    );
  });
});
