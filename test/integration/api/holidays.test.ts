import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendar, addMember, contact, signUp, startTestApi, type Session, type TestApi } from '../../support/api.ts';
import { databaseKinds } from '../../support/db.ts';
import { seedRemoteCalendar } from '../../support/seed-rows.ts';

/** Holidays (issue 12.5): the appointments an imported all-day or multi-day block overlaps, cancelled in one action. */
describe.each(databaseKinds)('appointments in an imported block on %s', (kind) => {
  let api: TestApi;
  let owner: Session;

  beforeAll(async () => {
    api = await startTestApi(kind);
    owner = await signUp(api.server, { timezone: 'UTC' });
  });
  afterAll(async () => api?.close());

  /** An imported occurrence of `userId` as the sync engine stores it; returns its week-view id. */
  const importBlock = async (session: Session, userId: string, start: string, end: string, title: string): Promise<string> => {
    const db = api.app.database.db;
    const calendarId = await seedRemoteCalendar(db, {
      workspaceId: session.workspaceId,
      userId,
      url: `https://caldav.example/${userId}/${title}/`,
      role: 'conflict',
    });
    const item = await db
      .insertInto('remote_items')
      .values({
        workspace_id: session.workspaceId,
        remote_calendar_id: calendarId,
        user_id: userId,
        href: `/${title}.ics`,
        kind: 'imported',
        uid: title,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const occurrence = await db
      .insertInto('imported_occurrences')
      .values({
        workspace_id: session.workspaceId,
        remote_item_id: item.id,
        user_id: userId,
        start_at: start,
        end_at: end,
        all_day: true,
        summary: title,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return `imported-${occurrence.id}`;
  };
  const book = async (calendarId: string, start: string, n: string): Promise<string> => {
    const response = await api.server.inject({
      method: 'POST',
      url: '/api/appointments',
      headers: owner.headers,
      payload: { calendarId, start, contact: contact(n) },
    });
    expect(response.statusCode, response.body).toBe(201);
    return response.json<{ appointment: { id: string } }>().appointment.id;
  };

  it('lists the overlapping appointments of that person and cancels them all once', async () => {
    const other = await addMember(api.server, owner, { timezone: 'UTC' });
    const mine = await addCalendar(api.server, owner, { type: 'round_robin', members: [{ userId: owner.userId }] });
    const theirs = await addCalendar(api.server, owner, { type: 'simple', members: [{ userId: other }] });
    // Booked before the holiday was entered on the iPhone.
    const tuesday = await book(mine, '2026-11-24T10:00:00Z', 'a');
    const wednesday = await book(mine, '2026-11-25T15:00:00Z', 'b');
    const after = await book(mine, '2026-11-27T10:00:00Z', 'c');
    const colleague = await book(theirs, '2026-11-24T10:00:00Z', 'd');
    const holiday = await importBlock(owner, owner.userId, '2026-11-24T00:00:00Z', '2026-11-26T00:00:00Z', 'Holiday');

    const listed = await api.server.inject({ method: 'GET', url: `/api/blocked-slots/${holiday}/appointments`, headers: owner.headers });
    expect(listed.statusCode, listed.body).toBe(200);
    const body = listed.json<{ block: { title: string; allDay: boolean }; appointments: Array<{ id: string }> }>();
    expect(body.block).toMatchObject({
      title: 'Holiday',
      allDay: true,
      start: '2026-11-24T00:00:00.000Z',
      end: '2026-11-26T00:00:00.000Z',
    });
    expect(body.appointments.map((a) => a.id)).toEqual([tuesday, wednesday]);

    const outboxBefore = await api.app.database.db
      .selectFrom('outbox')
      .select(['appointment_id', 'op'])
      .where('op', '=', 'delete')
      .execute();
    const cancelled = await api.server.inject({
      method: 'POST',
      url: `/api/blocked-slots/${holiday}/cancel-appointments`,
      headers: owner.headers,
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json<Array<{ id: string; status: string }>>().map((a) => [a.id, a.status])).toEqual([
      [tuesday, 'cancelled'],
      [wednesday, 'cancelled'],
    ]);
    const statuses = await api.app.database.db
      .selectFrom('appointments')
      .select(['id', 'status', 'version'])
      .where('id', 'in', [tuesday, wednesday, after, colleague])
      .execute();
    expect(Object.fromEntries(statuses.map((s) => [s.id, s.status]))).toEqual({
      [tuesday]: 'cancelled',
      [wednesday]: 'cancelled',
      [after]: 'confirmed',
      [colleague]: 'confirmed',
    });

    // Once: one delete per cancelled appointment, and doing it again cancels nothing more.
    const again = await api.server.inject({
      method: 'POST',
      url: `/api/blocked-slots/${holiday}/cancel-appointments`,
      headers: owner.headers,
    });
    expect(again.json()).toEqual([]);
    const deletes =
      (await api.app.database.db.selectFrom('outbox').select(['appointment_id', 'op']).where('op', '=', 'delete').execute()).length -
      outboxBefore.length;
    expect(deletes).toBe(2);
  });

  it('refuses manual or unknown blocks and another workspace’s block (404)', async () => {
    const holiday = await importBlock(owner, owner.userId, '2026-12-24T00:00:00Z', '2026-12-27T00:00:00Z', 'Christmas');
    const stranger = await signUp(api.server);
    for (const [id, headers] of [
      [holiday, stranger.headers],
      ['imported-999999999', owner.headers],
      ['00000000-0000-4000-8000-000000000000', owner.headers],
      ['imported-x', owner.headers],
    ] as const) {
      expect((await api.server.inject({ method: 'GET', url: `/api/blocked-slots/${id}/appointments`, headers })).statusCode).toBe(404);
      expect((await api.server.inject({ method: 'POST', url: `/api/blocked-slots/${id}/cancel-appointments`, headers })).statusCode).toBe(
        404,
      );
    }
  });
});
