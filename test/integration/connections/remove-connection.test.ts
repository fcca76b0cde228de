/**
 * Removing a connection (SPEC §4): its calendars, their imported events (the imported blocked
 * slots) and the links of appointments to events in them go; the appointments stay.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { App } from '../../../src/app.ts';
import { addCalendar, contact, signUp } from '../../support/api.ts';
import { createTestDatabase, databaseKinds } from '../../support/db.ts';
import { startICloudEmulator, type ICloudEmulator } from '../../support/icloud-emulator.ts';
import { calendarNamed, connectedICloud, putConfiguration, startApp, type ConnectionJson } from './harness.ts';

let emulator: ICloudEmulator;
beforeAll(async () => {
  emulator = await startICloudEmulator();
});
afterAll(async () => emulator?.stop());

describe.each(databaseKinds)('removing a connection on %s', (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let app: App;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    app = await startApp(database, { env: emulator.appEnv, now: () => new Date('2026-11-23T08:00:00Z') });
  });
  afterAll(async () => {
    await app?.close();
    await database?.close();
  });

  it('deletes its calendars, imported events and appointment links, and never an appointment', async () => {
    const owner = await signUp(app.server);
    const connection: ConnectionJson = await connectedICloud(app.server, owner, {
      email: emulator.appleId,
      appSpecificPassword: emulator.appPassword,
    });
    const home = calendarNamed(connection, 'Home');
    const work = calendarNamed(connection, 'Work');
    expect(
      (await putConfiguration(app.server, owner, owner.userId, { primaryCalendarId: home.id, conflictCalendarIds: [work.id] })).statusCode,
    ).toBe(200);

    // An appointment Tandem wrote to the primary calendar…
    const calendarId = await addCalendar(app.server, owner, { type: 'round_robin', members: [{ userId: owner.userId }] });
    const booked = await app.server.inject({
      method: 'POST',
      url: `/api/public/calendars/${calendarId}/bookings`,
      payload: { start: '2026-11-24T10:00:00Z', contact: contact('remove') },
    });
    expect(booked.statusCode, booked.body).toBe(201);
    const db = database.db;
    const appointmentId = (await db.selectFrom('appointments').select('id').where('calendar_id', '=', calendarId).executeTakeFirstOrThrow())
      .id;
    await db
      .insertInto('appointment_links')
      .values({
        appointment_id: appointmentId,
        user_id: owner.userId,
        workspace_id: owner.workspaceId,
        remote_calendar_id: home.id,
        href: `${home.url}tandem-${appointmentId}.ics`,
        etag: '"a1"',
        written_start: new Date('2026-11-24T10:00:00Z'),
        written_end: new Date('2026-11-24T10:30:00Z'),
        written_title: 'Appointment',
        written_details_hash: 'd1',
      })
      .execute();
    // …and an event imported from the conflict calendar, as the sync engine stores them.
    const item = await db
      .insertInto('remote_items')
      .values({
        workspace_id: owner.workspaceId,
        remote_calendar_id: work.id,
        user_id: owner.userId,
        href: `${work.url}dentist.ics`,
        etag: '"e1"',
        content_hash: 'c1',
        uid: 'dentist-1',
        kind: 'imported',
        expanded_until: new Date('2027-12-31T00:00:00Z'),
        error: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('imported_occurrences')
      .values({
        workspace_id: owner.workspaceId,
        remote_item_id: item.id,
        user_id: owner.userId,
        recurrence_id: null,
        start_at: new Date('2026-11-25T10:00:00Z'),
        end_at: new Date('2026-11-25T11:00:00Z'),
        summary: 'Dentist',
        status: null,
      })
      .execute();

    const blockedSlots = async () => {
      const response = await app.server.inject({
        method: 'GET',
        url: `/api/blocked-slots?from=2026-11-23T00:00:00Z&to=2026-11-30T00:00:00Z&userId=${owner.userId}`,
        headers: owner.headers,
      });
      expect(response.statusCode).toBe(200);
      return response.json<Array<{ source: string; title: string }>>();
    };
    expect((await blockedSlots()).filter((s) => s.source === 'imported').map((s) => s.title)).toEqual(['Dentist']);
    const outboxBefore = await db.selectFrom('outbox').select(['id', 'op']).where('appointment_id', '=', appointmentId).execute();

    const removed = await app.server.inject({ method: 'DELETE', url: `/api/connections/${connection.id}`, headers: owner.headers });
    expect(removed.statusCode).toBe(204);

    const left = async (table: 'connections' | 'remote_calendars' | 'remote_items' | 'imported_occurrences' | 'appointment_links') =>
      Number(
        (
          await db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .where('user_id', '=', owner.userId)
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect({
      connections: await left('connections'),
      calendars: await left('remote_calendars'),
      items: await left('remote_items'),
      occurrences: await left('imported_occurrences'),
      links: await left('appointment_links'),
    }).toEqual({ connections: 0, calendars: 0, items: 0, occurrences: 0, links: 0 });
    expect((await blockedSlots()).filter((s) => s.source === 'imported')).toEqual([]);

    const appointment = await app.server.inject({ method: 'GET', url: `/api/appointments/${appointmentId}`, headers: owner.headers });
    expect(appointment.statusCode).toBe(200);
    expect(appointment.json()).toMatchObject({
      id: appointmentId,
      status: 'confirmed',
      start: '2026-11-24T10:00:00.000Z',
      assigneeIds: [owner.userId],
    });
    expect(await db.selectFrom('outbox').select(['id', 'op']).where('appointment_id', '=', appointmentId).execute()).toEqual(outboxBefore);

    const gone = await app.server.inject({ method: 'GET', url: `/api/connections/${connection.id}`, headers: owner.headers });
    expect(gone.statusCode).toBe(404);
    const configuration = await app.server.inject({
      method: 'GET',
      url: `/api/users/${owner.userId}/calendar-configuration`,
      headers: owner.headers,
    });
    expect(configuration.json()).toMatchObject({ primaryCalendarId: null, conflictCalendarIds: [], calendars: [] });
  });

  it("leaves the user's other connections alone", async () => {
    const owner = await signUp(app.server);
    const first = await connectedICloud(app.server, owner, { email: emulator.appleId, appSpecificPassword: emulator.appPassword });
    // A second account of the same user (another Apple ID on the same server, as far as Tandem can tell).
    await database.db
      .insertInto('connections')
      .values({
        workspace_id: owner.workspaceId,
        user_id: owner.userId,
        provider: 'icloud',
        server_url: emulator.baseUrl,
        username: 'second@icloud.com',
        secret_ciphertext: app.secretBox.encrypt('abcd-efgh-ijkl-mnop'),
        principal_url: `${emulator.baseUrl}/2/principal/`,
        calendar_home_url: `${emulator.partitionUrl}/2/calendars/`,
      })
      .execute();
    expect((await app.server.inject({ method: 'DELETE', url: `/api/connections/${first.id}`, headers: owner.headers })).statusCode).toBe(
      204,
    );
    const listed = await app.server.inject({ method: 'GET', url: '/api/connections', headers: owner.headers });
    expect(listed.json<ConnectionJson[]>().map((c) => c.username)).toEqual(['second@icloud.com']);
  });
});
