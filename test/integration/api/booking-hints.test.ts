import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendar, addMember, contact, signUp, startTestApi, type Session, type TestApi } from '../../support/api.ts';
import { databaseKinds } from '../../support/db.ts';

/**
 * What a public booking reads and writes that the process decides from what it saw before (decision
 * 0024, seventh session): whether the workspace has a webhook endpoint to fan out to (the write
 * without the webhook CTE), and the members' zones (the slot statement's window of busy time). Each
 * is only a hint; these tests change the database behind the process's back and check the booking.
 * A file of its own: the public booking rate limit is per server.
 */
describe.each(databaseKinds)('booking hints on %s', (kind) => {
  let api: TestApi;
  let owner: Session;

  beforeAll(async () => {
    api = await startTestApi(kind);
    owner = await signUp(api.server);
  });
  afterAll(async () => api?.close());

  const slots = async (calendarId: string, from: string, to: string) => {
    const response = await api.server.inject({ method: 'GET', url: `/api/public/calendars/${calendarId}/slots?from=${from}&to=${to}` });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<unknown[]>();
  };
  const book = (calendarId: string, body: Record<string, unknown>) =>
    api.server.inject({ method: 'POST', url: `/api/public/calendars/${calendarId}/bookings`, payload: body });

  it('fans a booking out to the endpoints subscribed when it is written: none, one added since, one disabled since', async () => {
    // A workspace of its own: the lean statement (no webhook CTE) is tried first until a booking finds an endpoint.
    const host = await signUp(api.server);
    const calendarId = await addCalendar(api.server, host, { type: 'round_robin', members: [{ userId: host.userId }] });
    const db = api.app.database.db;
    const bookAt = async (start: string, who: string) => {
      const response = await book(calendarId, { start, contact: contact(who) });
      expect(response.statusCode, response.body).toBe(201);
      const attendeeId = response.json<{ manageToken: string }>().manageToken.split('.')[0]!;
      const { appointment_id: appointmentId } = await db
        .selectFrom('attendees')
        .select('appointment_id')
        .where('id', '=', attendeeId)
        .executeTakeFirstOrThrow();
      const rows = async (table: 'webhook_deliveries' | 'messages') =>
        Number(
          (
            await db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll().as('n'))
              .where('appointment_id', '=', appointmentId)
              .executeTakeFirstOrThrow()
          ).n,
        );
      const contacts = await db
        .selectFrom('contacts')
        .select('id')
        .where('workspace_id', '=', host.workspaceId)
        .where('email', '=', contact(who).email)
        .execute();
      const appointments = await db
        .selectFrom('appointments')
        .select('id')
        .where('calendar_id', '=', calendarId)
        .where('start_at', '=', new Date(start))
        .execute();
      return {
        deliveries: await rows('webhook_deliveries'),
        messages: await rows('messages'),
        contacts: contacts.length,
        appointments: appointments.length,
      };
    };

    const before = await bookAt('2026-11-26T09:00:00Z', 'hook-none');
    expect(before).toMatchObject({ deliveries: 0, contacts: 1, appointments: 1 });
    expect(before.messages).toBeGreaterThan(0);

    // Another event only: still nothing to fan out to.
    await db
      .insertInto('webhook_endpoints')
      .values({
        workspace_id: host.workspaceId,
        url: 'https://hooks.example/other',
        secret_ciphertext: 'x',
        events: ['appointment.cancelled'],
      })
      .execute();
    expect(await bookAt('2026-11-26T10:00:00Z', 'hook-other')).toMatchObject({ deliveries: 0, contacts: 1, appointments: 1 });

    // An endpoint added after this process last booked here: the booking finds it, and is written once.
    const { id: endpointId } = await db
      .insertInto('webhook_endpoints')
      .values({ workspace_id: host.workspaceId, url: 'https://hooks.example/in', secret_ciphertext: 'x', events: ['appointment.created'] })
      .returning('id')
      .executeTakeFirstOrThrow();
    expect(await bookAt('2026-11-26T11:00:00Z', 'hook-added')).toEqual({ ...before, deliveries: 1 });
    expect(await bookAt('2026-11-26T12:00:00Z', 'hook-again')).toEqual({ ...before, deliveries: 1 });

    // Disabled since: no delivery, the booking itself as before.
    await db.updateTable('webhook_endpoints').set({ status: 'disabled' }).where('id', '=', endpointId).execute();
    expect(await bookAt('2026-11-26T13:00:00Z', 'hook-disabled')).toEqual(before);
    expect(await bookAt('2026-11-26T14:00:00Z', 'hook-still-disabled')).toEqual(before);
  });

  it("gives a Round Robin booking to the freer member of their own local day, after a member's zone changed", async () => {
    // The slot statement reads busy time for the members' local days only, drawn from the zones it
    // read last time; here one member's zone moves 14 hours after that read.
    const allDay = Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((d) => [d, [{ start: '00:00', end: '24:00' }]]));
    const a = await addMember(api.server, owner, { timezone: 'UTC', weeklyHours: allDay });
    const b = await addMember(api.server, owner, { timezone: 'UTC', weeklyHours: allDay });
    const calendarId = await addCalendar(api.server, owner, {
      type: 'round_robin',
      distribution: 'availability',
      members: [{ userId: a }, { userId: b }],
    });
    const db = api.app.database.db;
    const block = (userId: string, start: string, end: string) =>
      db
        .insertInto('blocked_slots')
        .values({ workspace_id: owner.workspaceId, user_id: userId, start_at: new Date(start), end_at: new Date(end) })
        .execute();
    // a: 7 hours busy on 4 December UTC — inside its local day once it lives in Kiritimati (UTC+14,
    // 4 December there is 3 December 10:00Z to 4 December 10:00Z), outside the UTC day of the slot.
    await block(a, '2026-12-04T02:00:00Z', '2026-12-04T09:00:00Z');
    // b: 2 hours busy on its UTC day of the slot.
    await block(b, '2026-12-03T00:00:00Z', '2026-12-03T02:00:00Z');
    // The members' zones read while both are in UTC.
    expect(await slots(calendarId, '2026-12-03T00:00:00Z', '2026-12-04T00:00:00Z')).not.toHaveLength(0);
    await db.updateTable('users').set({ timezone: 'Pacific/Kiritimati' }).where('id', '=', a).execute();

    const booked = await book(calendarId, { start: '2026-12-03T12:00:00Z', contact: contact('rr-zone') });
    expect(booked.statusCode, booked.body).toBe(201);
    const attendeeId = booked.json<{ manageToken: string }>().manageToken.split('.')[0]!;
    const assignees = await db
      .selectFrom('appointment_assignees as aa')
      .innerJoin('attendees as t', 't.appointment_id', 'aa.appointment_id')
      .select('aa.user_id')
      .where('t.id', '=', attendeeId)
      .execute();
    // a has 17 free hours in its local day, b 22: b. (Read for the UTC day, a would look free all day.)
    expect(assignees.map((r) => r.user_id)).toEqual([b]);
  });
});
