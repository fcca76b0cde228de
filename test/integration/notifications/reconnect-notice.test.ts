/**
 * "Your iCloud connection needs reconnecting" (issue 11): the owner gets one e-mail and the workspace
 * one `connection.needs_reconnect` webhook per transition into needs-reconnect — whether the refused
 * password was met by an interactive Refresh, by "Sync now" or by the dispatcher writing a booking —
 * and none for further refusals until the connection works again. The webhook's `cause` and the
 * e-mail say which of the three it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendar, signUp, type Session } from '../../support/api.ts';
import { startICloudEmulator, type ICloudEmulator } from '../../support/icloud-emulator.ts';
import { startSmtpSink, type SmtpSink } from '../../support/smtp-sink.ts';
import {
  at,
  bookAsStaff,
  calendarObjects,
  connectAndConfigure,
  mondayAhead,
  settleOutbox,
  type CalendarJson,
  type ConnectionJson,
} from '../../support/sync-journey.ts';
import { waitFor } from '../../support/wait-for.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.ts';
import { dueMessages, ok, startNotifyApp, type NotifyApp } from './harness.ts';

describe('the needs-reconnect notice, once per transition', () => {
  let smtp: SmtpSink;
  let hooks: WebhookReceiver;
  let emulator: ICloudEmulator;
  let tandem: NotifyApp;
  let owner: Session;
  let connection: ConnectionJson;
  let primary: CalendarJson;

  beforeAll(async () => {
    [smtp, hooks, emulator] = await Promise.all([startSmtpSink(), startWebhookReceiver(), startICloudEmulator()]);
    tandem = await startNotifyApp({ env: { SMTP_URL: smtp.url, ...emulator.appEnv } });
    owner = await signUp(tandem.server, { timezone: 'Europe/London' });
    ({ connection, primary } = await connectAndConfigure(tandem.server, owner, {
      name: 'iCloud emulator',
      connect: { provider: 'icloud', email: emulator.appleId, appSpecificPassword: emulator.appPassword },
      primaryName: 'Home',
      conflictName: 'Work',
      direct: (url) => emulator.radicaleUrlFor(url),
      auth: { username: emulator.radicale.username, password: emulator.radicale.password },
      requestCount: () => emulator.requestLog.length,
      stop: () => emulator.stop(),
    }));
    const created = ok<{ secret: string }>(
      await tandem.server.inject({
        method: 'POST',
        url: '/api/webhooks',
        headers: owner.headers,
        payload: { url: hooks.url, events: ['connection.needs_reconnect'] },
      }),
      201,
    );
    hooks.setSecret(created.secret);
  });
  afterAll(async () => {
    await tandem?.close();
    await Promise.all([smtp?.stop(), hooks?.stop(), emulator?.stop()]);
  });

  const refresh = () => tandem.server.inject({ method: 'POST', url: `/api/connections/${connection.id}/refresh`, headers: owner.headers });
  const status = async () =>
    ok<ConnectionJson>(await tandem.server.inject({ url: `/api/connections/${connection.id}`, headers: owner.headers })).status;
  /** Delivers until nothing is due any more, so a count taken after it is final. */
  async function deliverAll(): Promise<void> {
    await waitFor(async () => {
      await tandem.app.work.dispatchOutbox();
      const due = await dueMessages(tandem)
        .unionAll(tandem.app.database.db.selectFrom('webhook_deliveries').select('id').where('status', '=', 'pending'))
        .execute();
      return due.length === 0;
    }, 'every notice to be delivered');
  }
  const notices = () => ({
    mails: smtp.received.map((m) => m.subject),
    hooks: hooks.received.map((h) => [h.type, h.verified, (h.data.connection as { id?: string } | undefined)?.id, h.data.cause]),
  });

  it('Refresh meets a revoked password: one e-mail and one webhook, however often it is tried', async () => {
    emulator.setFault({ kind: 'unauthorized' });
    for (let attempt = 0; attempt < 2; attempt++) {
      const refused = await refresh();
      expect(refused.statusCode, refused.body).toBeGreaterThanOrEqual(400);
      expect(refused.statusCode).toBeLessThan(500);
    }
    expect(await status()).toBe('needs_reconnect');
    // Sync now on a connection waiting to be reconnected adds nothing either.
    expect(
      (await tandem.server.inject({ method: 'POST', url: `/api/remote-calendars/${primary.id}/sync`, headers: owner.headers })).statusCode,
    ).toBe(202);
    await deliverAll();
    expect(notices()).toEqual({
      mails: ['Your iCloud connection needs reconnecting'],
      hooks: [['connection.needs_reconnect', true, connection.id, 'calendar_list_refresh']],
    });
    expect(smtp.received[0]!.text).toContain('resetting it revokes every app-specific password');
    expect(smtp.received[0]!.text).toContain('refused the app-specific password when the list of calendars was refreshed');
  });

  it('working again, then refused during Sync now: one more of each; a second Sync now and a Refresh add none', async () => {
    emulator.setFault({ kind: 'none' });
    ok(await refresh());
    expect(await status()).toBe('active');
    emulator.setFault({ kind: 'unauthorized' });
    const syncNow = () => tandem.server.inject({ method: 'POST', url: `/api/remote-calendars/${primary.id}/sync`, headers: owner.headers });
    expect((await syncNow()).statusCode).toBe(202);
    await waitFor(async () => (await status()) === 'needs_reconnect', 'Sync now to find the password refused');
    expect((await syncNow()).statusCode).toBe(202);
    expect((await refresh()).statusCode).toBeGreaterThanOrEqual(400);
    await deliverAll();
    expect(notices()).toEqual({
      mails: ['Your iCloud connection needs reconnecting', 'Your iCloud connection needs reconnecting'],
      hooks: [
        ['connection.needs_reconnect', true, connection.id, 'calendar_list_refresh'],
        ['connection.needs_reconnect', true, connection.id, 'calendar_sync'],
      ],
    });
    expect(new Set(hooks.received.map((h) => h.id)).size).toBe(2);
    expect(smtp.received[1]!.text).toContain('while syncing your calendar');
  });

  it('refused while a booking is written to the calendar: marked at once, one notice, and the write is kept for after reconnecting', async () => {
    emulator.setFault({ kind: 'none' });
    ok(await refresh());
    const calendarId = await addCalendar(tandem.server, owner, { type: 'round_robin', members: [{ userId: owner.userId }] });
    emulator.setFault({ kind: 'unauthorized' });
    const booked = ok<{ appointment: { id: string } }>(
      await bookAsStaff(tandem.server, owner, calendarId, at(mondayAhead(3), 10), { name: 'Ann Lee', email: 'ann@client.test' }),
      201,
    );
    const row = () =>
      tandem.app.database.db
        .selectFrom('outbox')
        .select(['status', 'last_error'])
        .where('appointment_id', '=', booked.appointment.id)
        .executeTakeFirstOrThrow();
    await waitFor(async () => {
      await tandem.app.work.dispatchOutbox();
      return (await row()).status !== 'pending';
    }, 'the dispatcher to meet the refused password');
    expect(await row()).toEqual({ status: 'failed', last_error: expect.stringMatching(/^icloud_auth_failed: /) });
    expect(await status()).toBe('needs_reconnect');
    await deliverAll();
    expect(notices().hooks).toHaveLength(3);
    expect(notices().hooks[2]).toEqual(['connection.needs_reconnect', true, connection.id, 'calendar_push']);
    const reconnectMails = smtp.received.filter((m) => m.subject === 'Your iCloud connection needs reconnecting');
    expect(reconnectMails).toHaveLength(3);
    expect(reconnectMails[2]!.text).toContain('while writing a booking to your calendar');

    // The password works again (Refresh finds it accepted): the kept write is due again and reaches the calendar.
    emulator.setFault({ kind: 'none' });
    ok(await refresh());
    await settleOutbox(tandem.app);
    expect((await row()).status).toBe('done');
    const auth = { username: emulator.radicale.username, password: emulator.radicale.password };
    const events = await calendarObjects(auth, emulator.radicaleUrlFor(primary.url));
    expect(events.some((e) => e.ics.includes(booked.appointment.id))).toBe(true);
  });
});
