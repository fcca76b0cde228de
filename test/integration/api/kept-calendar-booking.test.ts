import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendar, signUp, startTestApi, type TestApi } from '../../support/api.ts';
import { databaseKinds } from '../../support/db.ts';
import { anotherServer, type AnotherServer } from '../../support/another-server.ts';

/**
 * A public booking of a calendar read before does not read the calendar on its own: its slot
 * statement reads the calendar's version with its rows, and the kept view is used only while that
 * version is the view's (decision 0024, second round). Every change of the calendar — by this server
 * or by another process on the same PostgreSQL — must show in the very next booking.
 * Now is Monday 2026-11-23 08:00 UTC; the member works 09:00–17:00 UTC.
 */
describe.each(databaseKinds)('bookings from a kept calendar view on %s', (kind) => {
  let api: TestApi;
  /** On PostgreSQL, a second server on its own pool: "another process" that writes. */
  let other: AnotherServer | null = null;

  beforeAll(async () => {
    api = await startTestApi(kind);
    other = kind === 'postgres' ? await anotherServer(api) : null;
  });
  afterAll(async () => {
    await other?.close();
    await api?.close();
  });

  it('books from the calendar as the database has it now, whichever server changed it', async () => {
    const writer = other?.handle.db ?? api.app.database.db;
    const member = await signUp(api.server, { timezone: 'UTC' });
    const calendarId = await addCalendar(api.server, member, {
      type: 'round_robin',
      members: [{ userId: member.userId }],
      durationMin: 30,
    });
    let n = 0;
    const book = async (time: string): Promise<{ status: number; end?: string; code?: string }> => {
      n += 1;
      const response = await api.server.inject({
        method: 'POST',
        url: `/api/public/calendars/${calendarId}/bookings`,
        payload: { start: `2026-11-24T${time}:00Z`, contact: { name: `Client ${n}`, email: `client-${n}@example.test` } },
      });
      if (response.statusCode === 201) return { status: 201, end: response.json<{ booking: { end: string } }>().booking.end.slice(11, 16) };
      return { status: response.statusCode, code: response.json<{ error: { code: string } }>().error.code };
    };

    // The first booking reads the calendar; the next ones answer from the kept view.
    expect(await book('09:00')).toEqual({ status: 201, end: '09:30' });
    expect(await book('09:30')).toEqual({ status: 201, end: '10:00' });

    // Rules changed behind this server's back: the next booking follows them.
    await writer.updateTable('booking_calendars').set({ duration_min: 60 }).where('id', '=', calendarId).execute();
    expect(await book('10:00')).toEqual({ status: 201, end: '11:00' });
    await writer
      .updateTable('booking_calendars')
      .set({ min_notice_min: 3 * 24 * 60 })
      .where('id', '=', calendarId)
      .execute();
    expect(await book('13:00')).toEqual({ status: 422, code: 'too_soon' });
    await writer.updateTable('booking_calendars').set({ min_notice_min: 0 }).where('id', '=', calendarId).execute();
    expect(await book('13:00')).toEqual({ status: 201, end: '14:00' });

    // Gone: not found, not booked from memory.
    await writer.deleteFrom('booking_calendars').where('id', '=', calendarId).execute();
    expect(await book('15:00')).toEqual({ status: 404, code: 'not_found' });
  });
});
