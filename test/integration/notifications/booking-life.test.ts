/**
 * Issue 11, as a new user checks it: with an SMTP server and a webhook receiver of their own, and the
 * iCloud emulator as the staff calendar — book from the public page, let the reminder fire, reschedule
 * from the manage link, move the event in the calendar, cancel from the manage link. Each step gives
 * exactly one e-mail per recipient and one signed webhook (the reminder's: appointment.reminder_sent);
 * staff hear of the client's own changes (booking, moving, cancelling), not of their move in the calendar.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appointmentEventUid } from '../../../src/domain/sync/appointment-uid.ts';
import { readAppointmentEvent } from '../../../src/ical/appointment-event.ts';
import { addCalendar, signUp, type Session } from '../../support/api.ts';
import { startICloudEmulator, type ICloudEmulator } from '../../support/icloud-emulator.ts';
import { startSmtpSink, type SmtpSink, type ReceivedMail } from '../../support/smtp-sink.ts';
import {
  PersonCalendar,
  at,
  connectAndConfigure,
  mondayAhead,
  property,
  settleOutbox,
  unfold,
  type CalendarJson,
  type ServerSide,
} from '../../support/sync-journey.ts';
import { waitFor } from '../../support/wait-for.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.ts';
import { bookAs, deliverMailUntil, ok, startNotifyApp, type NotifyApp } from './harness.ts';

describe("a booking's whole life reaches the client, the staff and the webhook receiver", () => {
  let smtp: SmtpSink;
  let hooks: WebhookReceiver;
  let emulator: ICloudEmulator;
  let tandem: NotifyApp;
  let owner: Session;
  let ownerEmail: string;
  let primary: CalendarJson;
  let home: PersonCalendar;
  let calendarId: string;
  let manageToken: string;
  let appointmentId: string;
  const client = { name: 'Ann Lee', email: 'ann.lee@client.test' };
  const day = mondayAhead(3);

  beforeAll(async () => {
    // The receiver shares Tandem's clock, which the reminder step moves forward.
    [smtp, hooks, emulator] = await Promise.all([
      startSmtpSink(),
      startWebhookReceiver({ now: () => tandem.clock.now() }),
      startICloudEmulator(),
    ]);
    tandem = await startNotifyApp({
      env: { SMTP_URL: smtp.url, MAIL_FROM: 'Studio <bookings@studio.test>', ...emulator.appEnv },
    });
    owner = await signUp(tandem.server, { timezone: 'Europe/London' });
    ownerEmail = (await tandem.app.database.db.selectFrom('users').select('email').where('id', '=', owner.userId).executeTakeFirstOrThrow())
      .email;
    calendarId = await addCalendar(tandem.server, owner, {
      type: 'round_robin',
      name: 'Consultation',
      members: [{ userId: owner.userId }],
      location: 'Studio 4',
    });
    const side: ServerSide = {
      name: 'iCloud emulator',
      connect: { provider: 'icloud', email: emulator.appleId, appSpecificPassword: emulator.appPassword },
      primaryName: 'Home',
      conflictName: 'Work',
      direct: (url) => emulator.radicaleUrlFor(url),
      auth: { username: emulator.radicale.username, password: emulator.radicale.password },
      requestCount: () => emulator.requestLog.length,
      stop: () => emulator.stop(),
    };
    ({ primary } = await connectAndConfigure(tandem.server, owner, side));
    home = new PersonCalendar(side, primary.url);
    expect(await tandem.app.work.syncCalendar(primary.id, 'incremental')).toMatchObject({ status: 'ok' });
    ok(
      await tandem.server.inject({
        method: 'PUT',
        url: `/api/calendars/${calendarId}/notification-settings`,
        headers: owner.headers,
        payload: { reminderOffsetsMin: [60] },
      }),
    );
    const created = ok<{ secret: string }>(
      await tandem.server.inject({ method: 'POST', url: '/api/webhooks', headers: owner.headers, payload: { url: hooks.url } }),
      201,
    );
    hooks.setSecret(created.secret);
  });
  afterAll(async () => {
    await tandem?.close();
    await Promise.all([smtp?.stop(), hooks?.stop(), emulator?.stop()]);
  });

  const mailsTo = (address: string) => smtp.received.filter((m) => m.to.includes(address));
  /** Dispatches until the calendar outbox is empty and `count` e-mails have arrived in all, and no more. */
  async function deliverUntil(count: number): Promise<void> {
    await settleOutbox(tandem.app);
    // Waiting until nothing is due also means the sender recorded every sent message: a later jump
    // of the test clock cannot see a lease expire under a send still in flight.
    await deliverMailUntil(tandem, smtp, count);
  }
  /** Dispatches until `count` webhooks have arrived in all and none is still due; exactly `count`. */
  async function webhooksUntil(count: number): Promise<void> {
    await waitFor(async () => {
      await tandem.app.work.dispatchOutbox();
      const due = await tandem.app.database.db
        .selectFrom('webhook_deliveries')
        .select('id')
        .where('status', '=', 'pending')
        .where('not_before', '<=', tandem.clock.now())
        .execute();
      return hooks.received.length >= count && due.length === 0;
    }, `${count} webhooks`);
    expect(hooks.received.map((h) => h.type)).toHaveLength(count);
  }
  function ics(mail: ReceivedMail): string {
    const file = mail.attachments.find((a) => a.filename.endsWith('.ics'));
    expect(file, `an .ics attached to "${mail.subject}"`).toBeDefined();
    return file!.content;
  }

  it('booking: the client gets a confirmation in their zone with the .ics of the staff calendar event and the manage link; staff are told', async () => {
    ({ manageToken } = await bookAs(tandem.server, calendarId, at(day, 14), client, 'America/New_York'));
    const attendeeId = manageToken.split('.')[0]!;
    appointmentId = (
      await tandem.app.database.db.selectFrom('attendees').select('appointment_id').where('id', '=', attendeeId).executeTakeFirstOrThrow()
    ).appointment_id;
    await deliverUntil(2);
    const [confirmation] = mailsTo(client.email);
    const [staffMail] = mailsTo(ownerEmail);
    expect(mailsTo(client.email)).toHaveLength(1);
    expect(mailsTo(ownerEmail)).toHaveLength(1);
    expect(confirmation!.from).toContain('bookings@studio.test');
    expect(confirmation!.subject).toMatch(/^Booking confirmed/);
    // 14:00 UTC in winter is 09:00 in New York and 14:00 in London.
    expect(confirmation!.text).toContain('09:00 (America/New_York)');
    expect(confirmation!.text).toContain(`http://tandem.test/manage/${manageToken}`);
    expect(confirmation!.html).toContain('<a href=');
    expect(staffMail!.subject).toMatch(/^New booking: Ann Lee/);
    expect(staffMail!.text).toContain('14:00 (Europe/London)');
    // The attachment is the same event Tandem wrote into the staff member's calendar.
    const attachment = ics(confirmation!);
    expect(unfold(attachment)).toMatch(/^METHOD:PUBLISH$/m);
    const parsed = readAppointmentEvent(attachment);
    expect(parsed.uid).toBe(appointmentEventUid(appointmentId));
    expect(parsed.start.toISOString()).toBe(at(day, 14).toISOString());
    const event = await home.get(parsed.uid);
    expect(event.status).toBe(200);
    expect(property(unfold(event.body), 'UID')).toBe(parsed.uid);

    await webhooksUntil(1);
    expect(hooks.received.map((h) => [h.type, h.verified])).toEqual([['appointment.created', true]]);
    expect(hooks.received[0]!.data).toMatchObject({
      appointment: { id: appointmentId, start: at(day, 14).toISOString() },
      calendar: { id: calendarId, name: 'Consultation' },
      contact: { email: client.email, timezone: 'America/New_York' },
      cause: 'client',
    });
  });

  it('the reminder fires at its offset before the stored start, once', async () => {
    await tandem.app.work.dispatchOutbox();
    expect(mailsTo(client.email)).toHaveLength(1);
    tandem.clock.offsetMs = at(day, 13, 1).getTime() - Date.now();
    await deliverUntil(3);
    const reminder = mailsTo(client.email)[1]!;
    expect(reminder.subject).toMatch(/^Reminder: /);
    expect(reminder.text).toContain('in 1 hour');
    expect(reminder.text).toContain('09:00 (America/New_York)');
    await webhooksUntil(2);
    expect(hooks.received[1]).toMatchObject({
      type: 'appointment.reminder_sent',
      verified: true,
      data: {
        appointment: { id: appointmentId, start: at(day, 14).toISOString() },
        calendar: { id: calendarId, name: 'Consultation' },
        contact: { email: client.email, timezone: 'America/New_York' },
        reminder: { offsetMin: 60, messageId: reminder.messageId },
      },
    });
    await tandem.app.work.dispatchOutbox();
    expect(smtp.received).toHaveLength(3);
    expect(hooks.received).toHaveLength(2);
  });

  it('rescheduling from the manage link: one e-mail to the client and one to staff, one webhook, the reminder planned again at the new time', async () => {
    ok(
      await tandem.server.inject({
        method: 'POST',
        url: `/api/public/bookings/${manageToken}/reschedule`,
        payload: { start: at(day, 24 + 15).toISOString() },
      }),
    );
    await deliverUntil(5);
    const moved = mailsTo(client.email)[2]!;
    expect(moved.subject).toMatch(/^Booking moved/);
    expect(moved.text).toContain('moved by you');
    expect(moved.text).toContain('10:00 (America/New_York)');
    const staffMoved = mailsTo(ownerEmail)[1]!;
    expect(staffMoved.subject).toMatch(/^Moved by the client: Ann Lee/);
    // From 14:00 to 15:00 the next day, in the staff member's zone.
    expect(staffMoved.text).toMatch(/moved their booking from \w+ .* 14:00 \(Europe\/London\) to \w+ .* 15:00 \(Europe\/London\)\./);
    expect(readAppointmentEvent(ics(moved)).start.toISOString()).toBe(at(day, 24 + 15).toISOString());
    await webhooksUntil(3);
    expect(hooks.received[2]).toMatchObject({
      type: 'appointment.rescheduled',
      verified: true,
      data: { cause: 'client', previousStart: at(day, 14).toISOString() },
    });
    const deliveries = ok<{ messages: Array<{ kind: string; status: string; dueAt: string }> }>(
      await tandem.server.inject({ url: `/api/appointments/${appointmentId}/deliveries`, headers: owner.headers }),
    );
    expect(deliveries.messages.filter((m) => m.kind === 'client_reminder').map((m) => [m.status, m.dueAt])).toEqual([
      ['sent', at(day, 13).toISOString()],
      ['pending', at(day, 24 + 14).toISOString()],
    ]);
  });

  it('moving the event in the calendar: the appointment follows, the client is told in their zone, webhooks hear moved_in_calendar', async () => {
    await settleOutbox(tandem.app);
    const uid = appointmentEventUid(appointmentId);
    await home.move(uid, at(day, 24 + 16), at(day, 24 + 16, 30));
    expect(await tandem.app.work.syncCalendar(primary.id, 'incremental')).toMatchObject({ status: 'ok' });
    // The client is told; staff moved it themselves, in their calendar: nothing to them.
    await deliverUntil(6);
    expect(mailsTo(ownerEmail)).toHaveLength(2);
    const moved = mailsTo(client.email)[3]!;
    expect(moved.subject).toMatch(/^Booking moved/);
    expect(moved.text).toContain('moved by the business in its calendar');
    expect(moved.text).toContain('11:00 (America/New_York)');
    expect(readAppointmentEvent(ics(moved)).uid).toBe(uid);
    await webhooksUntil(4);
    expect(hooks.received[3]).toMatchObject({
      type: 'appointment.moved_in_calendar',
      verified: true,
      data: { cause: 'calendar_sync', appointment: { start: at(day, 24 + 16).toISOString() } },
    });
  });

  it('cancelling from the manage link with a reason: the client and staff are told, the reminder is dropped, webhooks carry the reason', async () => {
    ok(
      await tandem.server.inject({
        method: 'POST',
        url: `/api/public/bookings/${manageToken}/cancel`,
        payload: { reason: 'Feeling unwell' },
      }),
    );
    await deliverUntil(8);
    const cancelled = mailsTo(client.email)[4]!;
    expect(cancelled.subject).toMatch(/^Booking cancelled/);
    expect(unfold(ics(cancelled))).toMatch(/^METHOD:CANCEL$/m);
    const staffMail = mailsTo(ownerEmail)[2]!;
    expect(staffMail.subject).toMatch(/^Cancelled by the client/);
    expect(staffMail.text).toContain('Reason given: Feeling unwell');
    await webhooksUntil(5);
    expect(hooks.received[4]).toMatchObject({
      type: 'appointment.cancelled',
      verified: true,
      data: { cause: 'client', reason: 'Feeling unwell' },
    });

    // Even at the new reminder's time nothing more is sent: exactly one e-mail per step and recipient.
    tandem.clock.offsetMs = at(day, 24 + 15, 1).getTime() - Date.now();
    await settleOutbox(tandem.app);
    await tandem.app.work.dispatchOutbox();
    expect(mailsTo(client.email).map((m) => m.subject.split(':')[0])).toEqual([
      'Booking confirmed',
      'Reminder',
      'Booking moved',
      'Booking moved',
      'Booking cancelled',
    ]);
    expect(mailsTo(ownerEmail).map((m) => m.subject.split(':')[0])).toEqual([
      'New booking',
      'Moved by the client',
      'Cancelled by the client',
    ]);
    expect(new Set(smtp.received.map((m) => m.messageId)).size).toBe(smtp.received.length);
    expect(hooks.received.map((h) => h.type)).toEqual([
      'appointment.created',
      'appointment.reminder_sent',
      'appointment.rescheduled',
      'appointment.moved_in_calendar',
      'appointment.cancelled',
    ]);
    expect(new Set(hooks.received.map((h) => h.id)).size).toBe(5);
    expect(hooks.received.every((h) => h.verified && h.answered === 204)).toBe(true);
    const deliveries = ok<{
      messages: Array<{ kind: string; status: string }>;
      webhooks: Array<{ status: string; lastStatusCode: number }>;
    }>(await tandem.server.inject({ url: `/api/appointments/${appointmentId}/deliveries`, headers: owner.headers }));
    // Sent; replanned by the move in the calendar; dropped by the cancellation.
    expect(deliveries.messages.filter((m) => m.kind === 'client_reminder').map((m) => m.status)).toEqual(['sent', 'skipped', 'skipped']);
    expect(deliveries.webhooks.map((w) => [w.status, w.lastStatusCode])).toEqual(Array.from({ length: 5 }, () => ['delivered', 204]));
  });
});
