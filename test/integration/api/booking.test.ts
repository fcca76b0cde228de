import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendar, addMember, contact, signUp, startTestApi, type Session, type TestApi } from '../../support/api.ts';
import { databaseKinds } from '../../support/db.ts';

interface Slot {
  start: string;
  end: string;
  localStart: string;
  seatsLeft: number;
}

describe.each(databaseKinds)('booking through the API on %s', (kind) => {
  let api: TestApi;
  let owner: Session;

  beforeAll(async () => {
    api = await startTestApi(kind);
    owner = await signUp(api.server);
  });
  afterAll(async () => api?.close());

  const slots = async (calendarId: string, from: string, to: string, extra = '') => {
    const response = await api.server.inject({
      method: 'GET',
      url: `/api/public/calendars/${calendarId}/slots?from=${from}&to=${to}${extra}`,
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<Slot[]>();
  };
  const book = (calendarId: string, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    api.server.inject({ method: 'POST', url: `/api/public/calendars/${calendarId}/bookings`, payload: body, headers });
  const counts = async () => ({
    appointments: Number(
      (
        await api.app.database.db
          .selectFrom('appointments')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
    contacts: Number(
      (
        await api.app.database.db
          .selectFrom('contacts')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
    attendees: Number(
      (
        await api.app.database.db
          .selectFrom('attendees')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    ),
  });

  it('offers 30-minute slots inside working hours and books, reschedules and cancels with the client link', async () => {
    const calendarId = await addCalendar(api.server, owner, { type: 'simple', members: [{ userId: owner.userId }] });
    const tuesday = await slots(calendarId, '2026-11-24T00:00:00Z', '2026-11-25T00:00:00Z');
    expect(tuesday.map((s) => s.start)).toHaveLength(16);
    expect(tuesday[0]).toMatchObject({ start: '2026-11-24T09:00:00.000Z', end: '2026-11-24T09:30:00.000Z', seatsLeft: 1 });

    const booked = await book(calendarId, { start: '2026-11-24T10:00:00Z', contact: contact('a') });
    expect(booked.statusCode, booked.body).toBe(201);
    const { manageToken, booking } = booked.json<{ manageToken: string; booking: { start: string; status: string } }>();
    expect(booking).toMatchObject({ start: '2026-11-24T10:00:00.000Z', status: 'confirmed' });
    expect((await slots(calendarId, '2026-11-24T00:00:00Z', '2026-11-25T00:00:00Z')).map((s) => s.start)).not.toContain(
      '2026-11-24T10:00:00.000Z',
    );

    const again = await book(calendarId, { start: '2026-11-24T10:00:00Z', contact: contact('b') });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toEqual({ error: { code: 'slot_taken', message: expect.any(String) } });

    const moved = await api.server.inject({
      method: 'POST',
      url: `/api/public/bookings/${manageToken}/reschedule`,
      payload: { start: '2026-11-24T14:00:00Z' },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(moved.json()).toMatchObject({ start: '2026-11-24T14:00:00.000Z', status: 'confirmed' });
    const afterMove = (await slots(calendarId, '2026-11-24T00:00:00Z', '2026-11-25T00:00:00Z')).map((s) => s.start);
    expect(afterMove).toContain('2026-11-24T10:00:00.000Z');
    expect(afterMove).not.toContain('2026-11-24T14:00:00.000Z');

    const cancelled = await api.server.inject({ method: 'POST', url: `/api/public/bookings/${manageToken}/cancel` });
    expect(cancelled.json()).toMatchObject({ status: 'cancelled' });
    expect((await slots(calendarId, '2026-11-24T00:00:00Z', '2026-11-25T00:00:00Z')).map((s) => s.start)).toContain(
      '2026-11-24T14:00:00.000Z',
    );
    const wrongToken = await api.server.inject({ method: 'GET', url: `/api/public/bookings/${manageToken.split('.')[0]}.not-the-secret` });
    expect(wrongToken.statusCode).toBe(404);
  });

  it("tells the client and webhooks a returning client's stored e-mail and phone, written with the booking", async () => {
    const calendarId = await addCalendar(api.server, owner, { type: 'round_robin', members: [{ userId: owner.userId }] });
    const db = api.app.database.db;
    await db
      .insertInto('webhook_endpoints')
      .values({ workspace_id: owner.workspaceId, url: 'https://hooks.example/in', secret_ciphertext: 'x', events: ['appointment.created'] })
      .execute();
    const first = await book(calendarId, {
      start: '2026-11-25T10:00:00Z',
      contact: { name: 'Ann Lee', email: 'Ann.Lee@client.test', phone: '+1 555' },
    });
    expect(first.statusCode, first.body).toBe(201);
    // The same client, the address typed differently and no phone: the stored spelling and phone are kept.
    const second = await book(calendarId, {
      start: '2026-11-25T11:00:00Z',
      contact: { name: 'Ann B. Lee', email: 'ann.lee@CLIENT.test' },
    });
    expect(second.statusCode, second.body).toBe(201);
    const attendeeId = second.json<{ manageToken: string }>().manageToken.split('.')[0]!;
    const { appointment_id: appointmentId } = await db
      .selectFrom('attendees')
      .select('appointment_id')
      .where('id', '=', attendeeId)
      .executeTakeFirstOrThrow();
    const messages = await db
      .selectFrom('messages')
      .select(['kind', 'recipient_email', 'recipient_name', 'attendee_id'])
      .where('appointment_id', '=', appointmentId)
      .orderBy('kind')
      .execute();
    expect(messages.filter((m) => m.attendee_id !== null).map((m) => [m.kind, m.recipient_email, m.recipient_name])).toEqual([
      ['client_confirmed', 'Ann.Lee@client.test', 'Ann B. Lee'],
      ['client_reminder', 'Ann.Lee@client.test', 'Ann B. Lee'],
    ]);
    const [delivery, ...more] = await db
      .selectFrom('webhook_deliveries')
      .select('payload')
      .where('appointment_id', '=', appointmentId)
      .execute();
    expect(more).toEqual([]);
    expect((delivery!.payload as { data: unknown }).data).toMatchObject({
      appointment: { id: appointmentId, start: '2026-11-25T11:00:00.000Z', status: 'confirmed', assigneeIds: [owner.userId] },
      contact: { name: 'Ann B. Lee', email: 'Ann.Lee@client.test', phone: '+1 555' },
      attendees: [{ id: attendeeId, name: 'Ann B. Lee', email: 'Ann.Lee@client.test', seats: 1, status: 'confirmed' }],
      cause: 'client',
    });
  });

  it('replays an Idempotency-Key instead of booking twice, and refuses the key for another request', async () => {
    const calendarId = await addCalendar(api.server, owner, { type: 'simple', members: [{ userId: owner.userId }] });
    const body = { start: '2026-11-25T09:00:00Z', contact: contact('idem') };
    const first = await book(calendarId, body, { 'idempotency-key': 'key-1' });
    const second = await book(calendarId, body, { 'idempotency-key': 'key-1' });
    expect(first.statusCode).toBe(201);
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
    const list = await api.server.inject({
      method: 'GET',
      url: `/api/appointments?from=2026-11-25T00:00:00Z&to=2026-11-26T00:00:00Z&calendarId=${calendarId}`,
      headers: owner.headers,
    });
    expect(list.json<unknown[]>()).toHaveLength(1);
    const reused = await book(calendarId, { ...body, start: '2026-11-25T11:00:00Z' }, { 'idempotency-key': 'key-1' });
    expect(reused.statusCode).toBe(422);
    expect(reused.json<{ error: { code: string } }>().error.code).toBe('idempotency_key_reused');
  });

  it('fills a class seat by seat and says slot_taken when it is full', async () => {
    const calendarId = await addCalendar(api.server, owner, {
      type: 'class',
      seats: 3,
      durationMin: 60,
      members: [{ userId: owner.userId }],
    });
    expect((await book(calendarId, { start: '2026-11-26T09:00:00Z', seats: 2, contact: contact('c1') })).statusCode).toBe(201);
    const [first] = await slots(calendarId, '2026-11-26T09:00:00Z', '2026-11-26T10:00:00Z');
    expect(first).toMatchObject({ start: '2026-11-26T09:00:00.000Z', seatsLeft: 1 });
    expect((await book(calendarId, { start: '2026-11-26T09:00:00Z', seats: 2, contact: contact('c2') })).statusCode).toBe(409);
    expect((await book(calendarId, { start: '2026-11-26T09:00:00Z', contact: contact('c3') })).statusCode).toBe(201);
    const full = await book(calendarId, { start: '2026-11-26T09:00:00Z', contact: contact('c4') });
    expect(full.statusCode).toBe(409);
    expect(full.json<{ error: { code: string } }>().error.code).toBe('slot_taken');
    const list = await api.server.inject({
      method: 'GET',
      url: `/api/appointments?from=2026-11-26T00:00:00Z&to=2026-11-27T00:00:00Z&calendarId=${calendarId}`,
      headers: owner.headers,
    });
    const [session] = list.json<Array<{ seatsTaken: number; attendees: unknown[] }>>();
    expect(session).toMatchObject({ seatsTaken: 3 });
    expect(session?.attendees).toHaveLength(2);
  });

  it('offers an event calendar only at its fixed times, across DST, and fills its capacity', async () => {
    const calendarId = await addCalendar(api.server, owner, {
      type: 'event',
      durationMin: 90,
      seats: 2,
      windowDays: 200,
      members: [{ userId: owner.userId }],
      eventSchedule: { firstStart: '2026-11-26T18:30', timezone: 'America/New_York', durationMin: 90, repeat: 'weekly', count: 20 },
    });
    const offered = await slots(calendarId, '2026-11-23T00:00:00Z', '2027-01-20T00:00:00Z');
    expect(offered.slice(0, 2).map((s) => [s.start, s.seatsLeft])).toEqual([
      ['2026-11-26T23:30:00.000Z', 2],
      ['2026-12-03T23:30:00.000Z', 2],
    ]);
    expect(offered).toHaveLength(8);
    const summer = await slots(calendarId, '2027-03-15T00:00:00Z', '2027-03-20T00:00:00Z');
    expect(summer.map((s) => s.start)).toEqual(['2027-03-18T22:30:00.000Z']);
    expect((await book(calendarId, { start: '2026-11-26T23:30:00Z', seats: 2, contact: contact('ev1') })).statusCode).toBe(201);
    const full = await book(calendarId, { start: '2026-11-26T23:30:00Z', contact: contact('ev2') });
    expect(full.json<{ error: { code: string } }>().error.code).toBe('slot_taken');
    expect(
      (await book(calendarId, { start: '2026-11-27T23:30:00Z', contact: contact('ev3') })).json<{ error: { code: string } }>().error.code,
    ).toBe('slot_unavailable');
  });

  it('books a service with its own duration and assigns a free staff member', async () => {
    const ben = await addMember(api.server, owner);
    const calendarId = await addCalendar(api.server, owner, {
      type: 'service',
      intervalMin: 15,
      members: [{ userId: owner.userId }, { userId: ben }],
      services: [
        { name: 'Haircut', durationMin: 45, staffIds: [owner.userId, ben] },
        { name: 'Beard', durationMin: 15, staffIds: [ben] },
      ],
    });
    const calendar = (await api.server.inject({ method: 'GET', url: `/api/calendars/${calendarId}`, headers: owner.headers })).json<{
      services: Array<{ id: string; name: string }>;
    }>();
    const beard = calendar.services.find((s) => s.name === 'Beard')!;
    const noService = await book(calendarId, { start: '2026-11-27T09:00:00Z', contact: contact('s0') });
    expect(noService.json<{ error: { code: string } }>().error.code).toBe('service_required');
    const booked = await book(calendarId, { start: '2026-11-27T09:00:00Z', serviceId: beard.id, contact: contact('s1') });
    expect(booked.statusCode, booked.body).toBe(201);
    expect(booked.json()).toMatchObject({
      booking: { start: '2026-11-27T09:00:00.000Z', end: '2026-11-27T09:15:00.000Z', title: 'Beard with Client s1' },
    });
    const staffView = await api.server.inject({
      method: 'GET',
      url: `/api/appointments?from=2026-11-27T00:00:00Z&to=2026-11-28T00:00:00Z&calendarId=${calendarId}`,
      headers: owner.headers,
    });
    expect(staffView.json<Array<{ assigneeIds: string[] }>>()[0]?.assigneeIds).toEqual([ben]);
  });

  it('answers from the calendar as it is right after an edit, here or by another process', async () => {
    const ben = await addMember(api.server, owner);
    const input = {
      slug: `edited-${kind}`,
      name: 'Edited',
      type: 'service',
      durationMin: 30,
      members: [{ userId: owner.userId }, { userId: ben }],
      services: [{ name: 'Cut', durationMin: 45, staffIds: [owner.userId] }],
    };
    const calendarId = await addCalendar(api.server, owner, input);
    const serviceId = async () =>
      (await api.server.inject({ method: 'GET', url: `/api/calendars/${calendarId}`, headers: owner.headers })).json<{
        services: Array<{ id: string }>;
      }>().services[0]!.id;
    const firstSlot = async () =>
      (await slots(calendarId, '2026-12-08T00:00:00Z', '2026-12-09T00:00:00Z', `&serviceId=${await serviceId()}`))[0];
    expect(await firstSlot()).toMatchObject({ start: '2026-12-08T09:00:00.000Z', end: '2026-12-08T09:45:00.000Z' });

    const edited = await api.server.inject({
      method: 'PUT',
      url: `/api/calendars/${calendarId}`,
      headers: owner.headers,
      payload: { ...input, services: [{ name: 'Cut', durationMin: 15, staffIds: [ben] }] },
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(await firstSlot()).toMatchObject({ start: '2026-12-08T09:00:00.000Z', end: '2026-12-08T09:15:00.000Z' });
    const booked = await book(calendarId, { start: '2026-12-08T09:00:00Z', serviceId: await serviceId(), contact: contact('edited') });
    expect(booked.statusCode, booked.body).toBe(201);
    const staffView = await api.server.inject({
      method: 'GET',
      url: `/api/appointments?from=2026-12-08T00:00:00Z&to=2026-12-09T00:00:00Z&calendarId=${calendarId}`,
      headers: owner.headers,
    });
    expect(staffView.json<Array<{ assigneeIds: string[] }>>()[0]?.assigneeIds).toEqual([ben]);

    // Written by another server process on the same database: the row's version tells this one.
    await api.app.database.db
      .updateTable('booking_calendars')
      .set({ duration_min: 60, interval_min: 60 })
      .where('id', '=', calendarId)
      .execute();
    await api.app.database.db.deleteFrom('services').where('calendar_id', '=', calendarId).execute();
    await api.app.database.db.updateTable('booking_calendars').set({ type: 'round_robin' }).where('id', '=', calendarId).execute();
    expect((await slots(calendarId, '2026-12-08T00:00:00Z', '2026-12-09T00:00:00Z'))[1]).toMatchObject({
      start: '2026-12-08T10:00:00.000Z',
      end: '2026-12-08T11:00:00.000Z',
    });
  });

  it('offers a collective slot only where every member is free', async () => {
    const member = await addMember(api.server, owner);
    const calendarId = await addCalendar(api.server, owner, {
      type: 'collective',
      durationMin: 60,
      members: [{ userId: owner.userId }, { userId: member }],
    });
    const block = await api.server.inject({
      method: 'POST',
      url: '/api/blocked-slots',
      headers: owner.headers,
      payload: { userId: member, start: '2026-11-30T10:00:00Z', end: '2026-11-30T11:00:00Z', title: 'Dentist' },
    });
    expect(block.statusCode).toBe(201);
    const monday = (await slots(calendarId, '2026-11-30T00:00:00Z', '2026-12-01T00:00:00Z')).map((s) => s.start);
    expect(monday).toContain('2026-11-30T09:00:00.000Z');
    expect(monday).not.toContain('2026-11-30T10:00:00.000Z');
    const booked = await book(calendarId, { start: '2026-11-30T11:00:00Z', contact: contact('col') });
    expect(booked.statusCode).toBe(201);
    const staffView = await api.server.inject({
      method: 'GET',
      url: `/api/appointments?from=2026-11-30T00:00:00Z&to=2026-12-01T00:00:00Z&calendarId=${calendarId}`,
      headers: owner.headers,
    });
    expect(staffView.json<Array<{ assigneeIds: string[] }>>()[0]?.assigneeIds.sort()).toEqual([owner.userId, member].sort());
  });

  it('spreads Round Robin bookings evenly with equal distribution', async () => {
    const a = await addMember(api.server, owner);
    const b = await addMember(api.server, owner);
    const calendarId = await addCalendar(api.server, owner, {
      type: 'round_robin',
      distribution: 'equal',
      members: [{ userId: a, priority: 1 }, { userId: b }],
    });
    const assigned: string[] = [];
    for (const [i, start] of ['2026-12-01T09:00:00Z', '2026-12-01T10:00:00Z', '2026-12-01T11:00:00Z', '2026-12-01T12:00:00Z'].entries()) {
      const booked = await book(calendarId, { start, contact: contact(`rr-${i}`) });
      expect(booked.statusCode, booked.body).toBe(201);
    }
    const list = await api.server.inject({
      method: 'GET',
      url: `/api/appointments?from=2026-12-01T00:00:00Z&to=2026-12-02T00:00:00Z&calendarId=${calendarId}`,
      headers: owner.headers,
    });
    for (const appointment of list.json<Array<{ assigneeIds: string[] }>>()) assigned.push(...appointment.assigneeIds);
    expect(assigned).toEqual([a, b, a, b]);
  });

  it('refuses to delete a calendar with upcoming bookings until they are cancelled', async () => {
    const calendarId = await addCalendar(api.server, owner, { type: 'simple', members: [{ userId: owner.userId }] });
    const booked = await book(calendarId, { start: '2026-12-02T09:00:00Z', contact: contact('keep') });
    const refused = await api.server.inject({ method: 'DELETE', url: `/api/calendars/${calendarId}`, headers: owner.headers });
    expect(refused.statusCode).toBe(409);
    expect(refused.json<{ error: { code: string } }>().error.code).toBe('calendar_has_appointments');
    expect((await api.server.inject({ method: 'GET', url: `/api/calendars/${calendarId}`, headers: owner.headers })).statusCode).toBe(200);
    await api.server.inject({ method: 'POST', url: `/api/public/bookings/${booked.json<{ manageToken: string }>().manageToken}/cancel` });
    expect((await api.server.inject({ method: 'DELETE', url: `/api/calendars/${calendarId}`, headers: owner.headers })).statusCode).toBe(
      204,
    );
    expect((await api.server.inject({ method: 'GET', url: `/api/calendars/${calendarId}`, headers: owner.headers })).statusCode).toBe(404);
  });

  it('keeps a 09:00–17:00 day at 09:00 local on both sides of a DST change', async () => {
    const ny = await addMember(api.server, owner, {
      timezone: 'America/New_York',
      weeklyHours: { 5: [{ start: '09:00', end: '17:00' }], 1: [{ start: '09:00', end: '17:00' }] },
    });
    const calendarId = await addCalendar(api.server, owner, {
      type: 'simple',
      durationMin: 60,
      windowDays: 400,
      members: [{ userId: ny }],
    });
    const friday = await slots(calendarId, '2027-03-12T00:00:00Z', '2027-03-13T00:00:00Z', '&timezone=America/New_York');
    const monday = await slots(calendarId, '2027-03-15T00:00:00Z', '2027-03-16T00:00:00Z', '&timezone=America/New_York');
    expect(friday[0]).toMatchObject({ start: '2027-03-12T14:00:00.000Z', localStart: '2027-03-12T09:00:00-05:00' });
    expect(monday[0]).toMatchObject({ start: '2027-03-15T13:00:00.000Z', localStart: '2027-03-15T09:00:00-04:00' });
    expect(friday.at(-1)?.localStart).toBe('2027-03-12T16:00:00-05:00');
    expect(monday.at(-1)?.localStart).toBe('2027-03-15T16:00:00-04:00');
  });

  describe('bad input gets a clear 4xx and writes nothing', () => {
    let calendarId: string;
    beforeAll(async () => {
      calendarId = await addCalendar(api.server, owner, {
        type: 'simple',
        minNoticeMin: 120,
        windowDays: 30,
        members: [{ userId: owner.userId }],
      });
    });

    const cases: Array<[string, () => Promise<{ statusCode: number; json: () => unknown }>, number, string]> = [
      [
        'malformed JSON',
        () =>
          api.server.inject({
            method: 'POST',
            url: `/api/public/calendars/${calendarId}/bookings`,
            payload: '{"start": ',
            headers: { 'content-type': 'application/json' },
          }),
        400,
        'malformed_json',
      ],
      ['a missing contact', () => book(calendarId, { start: '2026-11-24T09:00:00Z' }), 400, 'validation_failed'],
      [
        'an invalid email',
        () => book(calendarId, { start: '2026-11-24T09:00:00Z', contact: { name: 'X', email: 'not-an-email' } }),
        400,
        'validation_failed',
      ],
      ['a start that is not a date', () => book(calendarId, { start: 'tomorrow', contact: contact('bad') }), 400, 'validation_failed'],
      [
        'a time outside the slots',
        () => book(calendarId, { start: '2026-11-24T03:00:00Z', contact: contact('bad') }),
        422,
        'slot_unavailable',
      ],
      [
        'a time off the slot grid',
        () => book(calendarId, { start: '2026-11-24T09:07:00Z', contact: contact('bad') }),
        422,
        'slot_unavailable',
      ],
      ['a time in the past', () => book(calendarId, { start: '2026-11-20T09:00:00Z', contact: contact('bad') }), 422, 'in_past'],
      [
        'a time inside the minimum notice',
        () => book(calendarId, { start: '2026-11-23T09:00:00Z', contact: contact('bad') }),
        422,
        'too_soon',
      ],
      [
        'a time beyond the booking window',
        () => book(calendarId, { start: '2027-02-01T09:00:00Z', contact: contact('bad') }),
        422,
        'beyond_booking_window',
      ],
      [
        'several seats on a one-to-one calendar',
        () => book(calendarId, { start: '2026-11-24T09:00:00Z', seats: 2, contact: contact('bad') }),
        400,
        'validation_failed',
      ],
      [
        'an unknown time zone',
        () =>
          api.server.inject({
            method: 'GET',
            url: `/api/public/calendars/${calendarId}/slots?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z&timezone=Mars/Olympus`,
          }),
        400,
        'invalid_timezone',
      ],
      [
        'a backwards range',
        () =>
          api.server.inject({
            method: 'GET',
            url: `/api/public/calendars/${calendarId}/slots?from=2026-11-25T00:00:00Z&to=2026-11-24T00:00:00Z`,
          }),
        400,
        'invalid_range',
      ],
      [
        'a range that is too long',
        () =>
          api.server.inject({
            method: 'GET',
            url: `/api/public/calendars/${calendarId}/slots?from=2026-11-24T00:00:00Z&to=2027-11-24T00:00:00Z`,
          }),
        400,
        'range_too_long',
      ],
      [
        'an unknown calendar',
        () => book('00000000-0000-0000-0000-000000000000', { start: '2026-11-24T09:00:00Z', contact: contact('bad') }),
        404,
        'not_found',
      ],
      // Ids are UUIDs by schema: a malformed one is a bad request, told before any query runs.
      ['a malformed calendar id', () => book('nope', { start: '2026-11-24T09:00:00Z', contact: contact('bad') }), 400, 'validation_failed'],
      [
        'a user with an unknown time zone',
        () =>
          api.server.inject({
            method: 'POST',
            url: '/api/users',
            headers: owner.headers,
            payload: { email: 'tz@example.test', name: 'TZ', timezone: 'Europe/Atlantis' },
          }),
        400,
        'invalid_timezone',
      ],
      [
        'weekly hours ending before they start',
        () =>
          api.server.inject({
            method: 'PATCH',
            url: `/api/users/${owner.userId}`,
            headers: owner.headers,
            payload: { weeklyHours: { 1: [{ start: '17:00', end: '09:00' }] } },
          }),
        400,
        'validation_failed',
      ],
      [
        'a calendar whose member is in no workspace',
        () =>
          api.server.inject({
            method: 'POST',
            url: '/api/calendars',
            headers: owner.headers,
            payload: {
              slug: 'ghost',
              name: 'Ghost',
              type: 'simple',
              durationMin: 30,
              members: [{ userId: '00000000-0000-0000-0000-000000000000' }],
            },
          }),
        404,
        'not_found',
      ],
    ];

    it.each(cases)('%s', async (_name, send, status, code) => {
      const before = await counts();
      const response = await send();
      expect(response.statusCode).toBe(status);
      expect(response.json()).toMatchObject({ error: { code, message: expect.stringMatching(/\w/) } });
      expect(await counts()).toEqual(before);
    });
  });

  it('serves the OpenAPI document and the error table', async () => {
    const openapi = await api.server.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(openapi.statusCode).toBe(200);
    const doc = openapi.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/public/calendars/{calendarId}/bookings', '/api/appointments', '/api/calendars/{id}/slots']),
    );
    const errors = await api.server.inject({ method: 'GET', url: '/api/errors' });
    expect(errors.json<Array<{ code: string; status: number }>>()).toEqual(
      expect.arrayContaining([{ code: 'slot_taken', status: 409, message: expect.any(String) }]),
    );
  });
});
