/**
 * Every due time comes from the app's clock: the calendar outbox, the e-mails and the webhook
 * deliveries a booking writes are due at the app's now, and the dispatcher — which claims by that
 * same clock — finds them due at once. Here the app's clock runs two hours behind the database's,
 * so a row stamped with the database's `now()` would sit undispatched for two hours.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendar, signUp, type Session } from '../../support/api.ts';
import { at, bookAsStaff, mondayAhead, settleOutbox } from '../../support/sync-journey.ts';
import { ok, startNotifyApp, type NotifyApp } from './harness.ts';

describe('due times follow the app clock', () => {
  let tandem: NotifyApp;
  let owner: Session;
  let calendarId: string;
  const behindMs = 2 * 60 * 60_000;

  beforeAll(async () => {
    tandem = await startNotifyApp({ kind: 'postgres' });
    tandem.clock.offsetMs = -behindMs;
    owner = await signUp(tandem.server, { timezone: 'Europe/London' });
    calendarId = await addCalendar(tandem.server, owner, { type: 'round_robin', members: [{ userId: owner.userId }] });
    ok(
      await tandem.server.inject({
        method: 'POST',
        url: '/api/webhooks',
        headers: owner.headers,
        payload: { url: 'http://127.0.0.1:9/hooks', events: ['appointment.created', 'appointment.rescheduled', 'appointment.cancelled'] },
      }),
      201,
    );
  });
  afterAll(async () => {
    await tandem?.close();
  });

  it('book, reschedule and cancel write rows due at the app time, and the dispatcher takes them at once', async () => {
    const before = tandem.clock.now().getTime();
    const day = mondayAhead(3, tandem.clock.now());
    const booked = ok<{ appointment: { id: string } }>(
      await bookAsStaff(tandem.server, owner, calendarId, at(day, 10), { name: 'Ann Lee', email: 'ann@client.test' }),
      201,
    );
    const id = booked.appointment.id;
    ok(
      await tandem.server.inject({
        method: 'POST',
        url: `/api/appointments/${id}/reschedule`,
        headers: owner.headers,
        payload: { start: at(day, 11).toISOString() },
      }),
    );
    ok(await tandem.server.inject({ method: 'POST', url: `/api/appointments/${id}/cancel`, headers: owner.headers, payload: {} }));
    const after = tandem.clock.now().getTime();

    const db = tandem.app.database.db;
    const outbox = await db.selectFrom('outbox').select(['op', 'not_before']).where('appointment_id', '=', id).execute();
    const messages = await db.selectFrom('messages').select(['kind', 'not_before']).where('appointment_id', '=', id).execute();
    const hooks = await db
      .selectFrom('webhook_deliveries')
      .select(['event', 'not_before', 'attempts'])
      .where('appointment_id', '=', id)
      .execute();
    expect(outbox.map((r) => r.op).sort()).toEqual(['delete', 'upsert', 'upsert']);
    expect(messages.length).toBeGreaterThan(0);
    expect(hooks.map((r) => r.event).sort()).toEqual(['appointment.cancelled', 'appointment.created', 'appointment.rescheduled']);
    // A delivery already tried (the receiver is unreachable) is due again by the retry policy instead.
    const immediate = [...outbox, ...messages.filter((m) => m.kind !== 'client_reminder'), ...hooks.filter((h) => h.attempts === 0)];
    for (const row of immediate) {
      expect(row.not_before.getTime(), JSON.stringify(row)).toBeGreaterThanOrEqual(before);
      expect(row.not_before.getTime(), JSON.stringify(row)).toBeLessThanOrEqual(after);
    }
    // No primary calendar is configured: each row is a no-op, done as soon as it is due by the app's clock.
    await settleOutbox(tandem.app, 10_000);
    expect(await db.selectFrom('outbox').select('status').where('appointment_id', '=', id).execute()).toEqual([
      { status: 'done' },
      { status: 'done' },
      { status: 'done' },
    ]);
  });
});
