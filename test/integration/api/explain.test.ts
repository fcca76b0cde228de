import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendar, addMember, contact, signUp, startTestApi, type Session, type TestApi } from '../../support/api.ts';
import { databaseKinds } from '../../support/db.ts';
import { seedRemoteCalendar } from '../../support/seed-rows.ts';
import { runSlotsExplain } from '../../../src/services/availability/explain-cli.ts';
import { importedBusyFromStore } from '../../../src/store/imported-busy.ts';

interface Reason {
  code: string;
  message: string;
  buffer?: boolean;
  date?: string;
  appointment?: { id: string; title: string };
  blockedSlot?: { id: string; title: string };
  importedEvent?: { title: string; calendarName: string; start: string; end: string; allDay: boolean };
}
interface Explanation {
  start: string;
  end: string;
  bookable: boolean;
  reasons: Reason[];
  members: Array<{ userId: string; name: string; free: boolean; reasons: Reason[] }>;
}

/** "Why is this time not bookable?": one constructed situation per reason, on both databases. Now is Monday 2026-11-23 08:00 UTC. */
describe.each(databaseKinds)('GET /api/calendars/:id/explain on %s', (kind) => {
  let api: TestApi;
  let owner: Session;

  beforeAll(async () => {
    api = await startTestApi(kind);
    owner = await signUp(api.server, { timezone: 'UTC' });
  });
  afterAll(async () => api?.close());

  const explain = async (calendarId: string, start: string, session: Session = owner): Promise<Explanation> => {
    const response = await api.server.inject({
      method: 'GET',
      url: `/api/calendars/${calendarId}/explain?start=${encodeURIComponent(start)}`,
      headers: session.headers,
    });
    expect(response.statusCode, response.body).toBe(200);
    return response.json<Explanation>();
  };
  /** Every reason: the calendar's and every member's. */
  const codes = (e: Explanation): string[] => [...e.reasons, ...e.members.flatMap((m) => m.reasons)].map((r) => r.code);
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
  const simple = (extra: Record<string, unknown> = {}) =>
    addCalendar(api.server, owner, { type: 'simple', members: [{ userId: owner.userId }], ...extra });

  it('1. a free time: bookable, no reason, and the slot list agrees', async () => {
    const calendarId = await simple();
    const e = await explain(calendarId, '2026-11-24T10:00:00Z');
    expect(e).toMatchObject({ start: '2026-11-24T10:00:00.000Z', end: '2026-11-24T10:30:00.000Z', bookable: true, reasons: [] });
    expect(e.members).toEqual([{ userId: owner.userId, name: 'Owner', free: true, reasons: [] }]);
    const slots = await api.server.inject({
      method: 'GET',
      url: `/api/calendars/${calendarId}/slots?from=2026-11-24T10:00:00Z&to=2026-11-24T10:01:00Z`,
      headers: owner.headers,
    });
    expect(slots.json<Array<{ start: string }>>().map((s) => s.start)).toEqual(['2026-11-24T10:00:00.000Z']);
  });

  it('2. outside working hours (after 17:00), with that day’s hours', async () => {
    const e = await explain(await simple(), '2026-11-24T17:00:00Z');
    expect(e.bookable).toBe(false);
    expect(e.members[0]!.reasons).toEqual([
      { code: 'outside_working_hours', date: '2026-11-24', message: 'Owner: Outside working hours on 2026-11-24 (09:00–17:00).' },
    ]);
  });

  it('3. a slot that would run past the end of the day', async () => {
    const e = await explain(await simple({ durationMin: 60, intervalMin: 30 }), '2026-11-24T16:30:00Z');
    expect(codes(e)).toEqual(['outside_working_hours']);
  });

  it('4. a day off (Saturday)', async () => {
    const e = await explain(await simple(), '2026-11-28T10:00:00Z');
    expect(e.members[0]!.reasons).toEqual([
      expect.objectContaining({ code: 'outside_working_hours', message: 'Owner: Does not work on 2026-11-28.' }),
    ]);
  });

  it('5. a date override (day off, and shortened hours)', async () => {
    const calendarId = await simple();
    expect(
      (
        await api.server.inject({
          method: 'PUT',
          url: `/api/users/${owner.userId}/overrides/2026-11-25`,
          headers: owner.headers,
          payload: { ranges: [] },
        })
      ).statusCode,
    ).toBe(204);
    expect(
      (
        await api.server.inject({
          method: 'PUT',
          url: `/api/users/${owner.userId}/overrides/2026-11-26`,
          headers: owner.headers,
          payload: { ranges: [{ start: '09:00', end: '12:00' }] },
        })
      ).statusCode,
    ).toBe(204);
    const off = await explain(calendarId, '2026-11-25T10:00:00Z');
    expect(off.members[0]!.reasons).toEqual([
      expect.objectContaining({ code: 'date_override', date: '2026-11-25', message: 'Owner: Day off on 2026-11-25 (date override).' }),
    ]);
    const short = await explain(calendarId, '2026-11-26T14:00:00Z');
    expect(short.members[0]!.reasons).toEqual([
      expect.objectContaining({ code: 'date_override', message: 'Owner: Date override on 2026-11-26: working hours 09:00–12:00.' }),
    ]);
    expect((await explain(calendarId, '2026-11-26T10:00:00Z')).bookable).toBe(true);
  });

  it('6. minimum notice', async () => {
    const e = await explain(await simple({ minNoticeMin: 1440 }), '2026-11-23T10:00:00Z');
    expect(e.reasons).toEqual([
      expect.objectContaining({ code: 'min_notice', message: 'Too little notice: the earliest start now is 2026-11-24 08:00.' }),
    ]);
    expect(e.members[0]!.free).toBe(true);
  });

  it('7. beyond the booking window', async () => {
    const e = await explain(await simple({ windowDays: 7 }), '2026-12-01T10:00:00Z');
    expect(codes(e)).toEqual(['booking_window']);
  });

  it('8. not on the slot grid', async () => {
    const e = await explain(await simple(), '2026-11-24T10:10:00Z');
    expect(e.members[0]!.reasons).toEqual([
      expect.objectContaining({
        code: 'not_on_grid',
        message: 'Owner: Not a slot start: slots start every 30 min (nearest 2026-11-24 10:00 and 2026-11-24 10:30).',
      }),
    ]);
  });

  it('9. appointment X, and 10. the buffer of appointment X', async () => {
    const calendarId = await simple({ bufferAfterMin: 15 });
    const appointmentId = await book(calendarId, '2026-11-24T10:00:00Z', 'x');
    const at = await explain(calendarId, '2026-11-24T10:00:00Z');
    expect(at.members[0]!.reasons).toEqual([
      expect.objectContaining({
        code: 'appointment',
        buffer: false,
        appointment: { id: appointmentId, title: expect.stringContaining('with Client x') },
      }),
    ]);
    expect(at.members[0]!.reasons[0]!.message).toMatch(/^Owner: Appointment ".* with Client x" \(2026-11-24 10:00–10:30\)\.$/);
    const after = await explain(calendarId, '2026-11-24T10:30:00Z');
    expect(after.members[0]!.reasons).toEqual([
      expect.objectContaining({ code: 'appointment', buffer: true, appointment: { id: appointmentId, title: expect.any(String) } }),
    ]);
    expect(after.members[0]!.reasons[0]!.message).toContain('Buffer (15 min after) of appointment');
    expect((await explain(calendarId, '2026-11-24T11:00:00Z')).bookable).toBe(true);
  });

  it('11. time blocked by hand', async () => {
    const calendarId = await simple();
    const blocked = await api.server.inject({
      method: 'POST',
      url: '/api/blocked-slots',
      headers: owner.headers,
      payload: { userId: owner.userId, start: '2026-11-24T12:00:00Z', end: '2026-11-24T13:00:00Z', title: 'Lunch' },
    });
    expect(blocked.statusCode, blocked.body).toBe(201);
    const e = await explain(calendarId, '2026-11-24T12:30:00Z');
    expect(e.members[0]!.reasons).toEqual([
      {
        code: 'blocked_slot',
        buffer: false,
        start: '2026-11-24T12:00:00.000Z',
        end: '2026-11-24T13:00:00.000Z',
        blockedSlot: { id: blocked.json<{ id: string }>().id, title: 'Lunch' },
        message: 'Owner: Time blocked by hand "Lunch" (2026-11-24 12:00–13:00).',
      },
    ]);
  });

  it('12. an imported event, named with its calendar and occurrence (and ignored by a Simple calendar)', async () => {
    const userId = await addMember(api.server, owner, { timezone: 'UTC' });
    const db = api.app.database.db;
    const remoteCalendarId = await seedRemoteCalendar(db, {
      workspaceId: owner.workspaceId,
      userId,
      url: 'https://caldav.example/home/',
      role: 'conflict',
    });
    await db.updateTable('remote_calendars').set({ display_name: 'Home' }).where('id', '=', remoteCalendarId).execute();
    const item = await db
      .insertInto('remote_items')
      .values({
        workspace_id: owner.workspaceId,
        remote_calendar_id: remoteCalendarId,
        user_id: userId,
        href: '/home/dentist.ics',
        kind: 'imported',
        uid: 'dentist',
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await db
      .insertInto('imported_occurrences')
      .values({
        workspace_id: owner.workspaceId,
        remote_item_id: item.id,
        user_id: userId,
        start_at: '2026-11-24T14:00:00Z',
        end_at: '2026-11-24T15:00:00Z',
        summary: 'Dentist',
      })
      .execute();
    const roundRobin = await addCalendar(api.server, owner, { type: 'round_robin', members: [{ userId }] });
    const e = await explain(roundRobin, '2026-11-24T14:30:00Z');
    expect(e.bookable).toBe(false);
    expect(e.members[0]!.reasons).toEqual([
      expect.objectContaining({
        code: 'imported_event',
        buffer: false,
        importedEvent: {
          title: 'Dentist',
          calendarId: remoteCalendarId,
          calendarName: 'Home',
          start: '2026-11-24T14:00:00.000Z',
          end: '2026-11-24T15:00:00.000Z',
          allDay: false,
        },
        message: `${e.members[0]!.name}: Imported event "Dentist" from calendar "Home" (occurrence 2026-11-24 14:00–15:00).`,
      }),
    ]);
    const simpleCalendar = await addCalendar(api.server, owner, { type: 'simple', members: [{ userId }] });
    expect((await explain(simpleCalendar, '2026-11-24T14:30:00Z')).bookable).toBe(true);
  });

  it('13. seats full in a class session', async () => {
    const calendarId = await addCalendar(api.server, owner, { type: 'class', seats: 1, members: [{ userId: owner.userId }] });
    // (The owner's Tuesday is taken by other tests: Friday afternoon is free.)
    await book(calendarId, '2026-11-27T14:00:00Z', 'c');
    const e = await explain(calendarId, '2026-11-27T14:00:00Z');
    expect(e.reasons).toEqual([{ code: 'seats_full', message: 'All 1 seats of this session are taken.' }]);
    expect(codes(await explain(calendarId, '2026-11-27T14:15:00Z')).sort()).toEqual(['not_on_grid', 'session_conflict']);
  });

  it('14. the daily limit', async () => {
    const calendarId = await simple({ dailyLimit: 1 });
    await book(calendarId, '2026-11-24T09:00:00Z', 'd');
    const e = await explain(calendarId, '2026-11-24T15:00:00Z');
    expect(e.members[0]!.reasons).toEqual([expect.objectContaining({ code: 'daily_limit', date: '2026-11-24' })]);
  });

  it('15. collective: every reason of every member, and only the busy member is not free', async () => {
    const other = await addMember(api.server, owner, { timezone: 'UTC' });
    const calendarId = await addCalendar(api.server, owner, { type: 'collective', members: [{ userId: owner.userId }, { userId: other }] });
    await api.server.inject({
      method: 'POST',
      url: '/api/blocked-slots',
      headers: owner.headers,
      payload: { userId: other, start: '2026-11-27T09:00:00Z', end: '2026-11-27T10:00:00Z', title: 'Gym' },
    });
    const e = await explain(calendarId, '2026-11-27T09:30:00Z');
    expect(e.bookable).toBe(false);
    expect(
      e.members.map((m) => [m.userId, m.free, m.reasons.map((r) => r.code)]).sort((a, b) => (a[1] === b[1] ? 0 : a[1] ? -1 : 1)),
    ).toEqual([
      [owner.userId, true, []],
      [other, false, ['blocked_slot']],
    ]);
  });

  it('16. several reasons at once are all named', async () => {
    const calendarId = await simple({ minNoticeMin: 60 * 24 * 3 });
    const e = await explain(calendarId, '2026-11-24T18:10:00Z');
    expect(codes(e).sort()).toEqual(['min_notice', 'outside_working_hours']);
  });

  it('refuses bad input with 400, hides other workspaces’ calendars (404), and needs a session (401)', async () => {
    const calendarId = await simple();
    expect(
      (await api.server.inject({ method: 'GET', url: `/api/calendars/${calendarId}/explain?start=tomorrow`, headers: owner.headers }))
        .statusCode,
    ).toBe(400);
    expect(
      (
        await api.server.inject({
          method: 'GET',
          url: `/api/calendars/${calendarId}/explain?start=2026-11-24T10:00:00Z&timezone=Mars/Olympus`,
          headers: owner.headers,
        })
      ).json(),
    ).toMatchObject({ error: { code: 'invalid_timezone' } });
    expect(
      (await api.server.inject({ method: 'GET', url: `/api/calendars/${calendarId}/explain?start=2026-11-24T10:00:00Z` })).statusCode,
    ).toBe(401);
    const stranger = await signUp(api.server);
    const other = await api.server.inject({
      method: 'GET',
      url: `/api/calendars/${calendarId}/explain?start=2026-11-24T10:00:00Z`,
      headers: stranger.headers,
    });
    expect(other.statusCode).toBe(404);
  });

  it('tandem slots explain: the same explanation for support staff, by id or workspace/calendar slug', async () => {
    const calendarId = await simple();
    const { slug } = (await api.server.inject({ method: 'GET', url: `/api/calendars/${calendarId}`, headers: owner.headers })).json<{
      slug: string;
    }>();
    const workspace = await api.app.database.db
      .selectFrom('workspaces')
      .select('slug')
      .where('id', '=', owner.workspaceId)
      .executeTakeFirstOrThrow();
    const run = async (...argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await runSlotsExplain(argv, api.app.ctx, importedBusyFromStore(), {
        stdout: (l) => out.push(l),
        stderr: (l) => err.push(l),
      });
      return { code, out, err };
    };
    const text = await run(`${workspace.slug}/${slug}`, '2026-11-24T17:00:00Z');
    expect(text.code).toBe(0);
    expect(text.out).toEqual([
      '2026-11-24T17:00:00.000Z – 2026-11-24T17:30:00.000Z: not bookable',
      `  Owner (${owner.userId}): not free`,
      '    outside_working_hours: Owner: Outside working hours on 2026-11-24 (09:00–17:00).',
    ]);
    const json = await run(calendarId, '2026-11-24T17:00:00Z', '--json');
    expect(JSON.parse(json.out[0]!)).toEqual(await explain(calendarId, '2026-11-24T17:00:00Z'));
    expect((await run(calendarId, 'tomorrow')).code).toBe(2);
    await expect(run('no-such/calendar', '2026-11-24T17:00:00Z')).rejects.toThrow(/Not found/);
  });
});
