/**
 * Delivery that loses nothing and sends nothing twice (issue 11): temporary SMTP refusals are retried
 * with backoff, permanent ones recorded; a sender that dies after the server accepted a message and
 * before recording it makes the next sender send the same message (same Message-ID), not a second one;
 * webhooks answered with 500 are retried under the same webhook-id; the address guard; the client
 * deadline; .eml files without SMTP; and no workspace sees another's.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS } from '../../../src/domain/time.ts';
import { createNotificationDelivery } from '../../../src/jobs/notification-work.ts';
import { createSmtpTransport } from '../../../src/mail/mail-transport.ts';
import { deliverMessages } from '../../../src/services/notifications/deliver-messages.ts';
import { bookAppointment } from '../../../src/services/booking/book-appointment.ts';
import { importedBusyFromStore } from '../../../src/store/imported-busy.ts';
import { addCalendar, contact, signUp, type Session } from '../../support/api.ts';
import { startSmtpSink, type SmtpSink } from '../../support/smtp-sink.ts';
import { at, mondayAhead } from '../../support/sync-journey.ts';
import { waitFor } from '../../support/wait-for.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.ts';
import { bookAs, ok, startNotifyApp, type NotifyApp } from './harness.ts';

const day = mondayAhead(3);

describe('e-mail and webhook delivery', () => {
  let smtp: SmtpSink;
  let hooks: WebhookReceiver;
  let tandem: NotifyApp;
  let owner: Session;
  let calendarId: string;

  beforeAll(async () => {
    [smtp, hooks] = await Promise.all([startSmtpSink(), startWebhookReceiver({ now: () => tandem.clock.now() })]);
    tandem = await startNotifyApp({ env: { SMTP_URL: smtp.url } });
    owner = await signUp(tandem.server, { timezone: 'Europe/Berlin' });
    calendarId = await addCalendar(tandem.server, owner, { type: 'round_robin', members: [{ userId: owner.userId }] });
    // Only the client's confirmation: one e-mail per booking keeps the counting plain.
    ok(
      await tandem.server.inject({
        method: 'PUT',
        url: `/api/calendars/${calendarId}/notification-settings`,
        headers: owner.headers,
        payload: { reminderOffsetsMin: [], staffNewBooking: false, staffClientCancelled: false },
      }),
    );
  });
  afterAll(async () => {
    await tandem?.close();
    await Promise.all([smtp?.stop(), hooks?.stop()]);
  });

  const db = () => tandem.app.database.db;
  /**
   * Books through the use case, not HTTP: the API's after-change hook starts a background dispatch,
   * and these tests say exactly when the sender runs.
   */
  async function bookQuietly(start: Date, who: { name: string; email: string }): Promise<void> {
    await bookAppointment(tandem.app.ctx, {
      workspaceId: owner.workspaceId,
      calendarId,
      start,
      serviceId: null,
      seats: 1,
      contact: who,
      idempotencyKey: null,
      importedBusy: importedBusyFromStore(),
      timezone: 'Europe/Berlin',
    });
  }
  const messageRow = async (email: string) =>
    db().selectFrom('messages').selectAll().where('recipient_email', '=', email).executeTakeFirstOrThrow();

  /** A webhook endpoint for `events` at the receiver, which then verifies with its secret. */
  async function subscribe(events: string[]): Promise<{ endpoint: { id: string }; secret: string }> {
    const created = ok<{ endpoint: { id: string }; secret: string }>(
      await tandem.server.inject({ method: 'POST', url: '/api/webhooks', headers: owner.headers, payload: { url: hooks.url, events } }),
      201,
    );
    hooks.setSecret(created.secret);
    return created;
  }

  it('a temporary refusal (451) is retried after a backoff and then delivered once', async () => {
    smtp.refuseNext(1, 451);
    await bookQuietly(at(day, 9), contact('retry'));
    await tandem.app.work.dispatchOutbox();
    const waiting = await messageRow(contact('retry').email);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1 });
    expect(waiting.last_error).toMatch(/^451/);
    expect(waiting.not_before.getTime()).toBeGreaterThanOrEqual(tandem.clock.now().getTime() - 1000);
    tandem.clock.offsetMs += 31_000; // past the first backoff ceiling (30 s)
    await waitFor(async () => {
      await tandem.app.work.dispatchOutbox();
      return smtp.received.some((m) => m.to.includes(contact('retry').email));
    }, 'the retried e-mail');
    expect(await messageRow(contact('retry').email)).toMatchObject({ status: 'sent', attempts: 2, manage_link_ciphertext: null });
    expect(smtp.received.filter((m) => m.to.includes(contact('retry').email))).toHaveLength(1);
  });

  it("a permanent refusal (550) is recorded as failed and shown in the appointment's delivery status", async () => {
    smtp.refuseNext(1, 550);
    await bookQuietly(at(day, 10), contact('bounce'));
    await tandem.app.work.dispatchOutbox();
    const row = await messageRow(contact('bounce').email);
    expect(row).toMatchObject({ status: 'failed', attempts: 1 });
    const appointmentId = row.appointment_id;
    const status = ok<{ messages: Array<{ kind: string; status: string; lastError: string }> }>(
      await tandem.server.inject({ url: `/api/appointments/${appointmentId}/deliveries`, headers: owner.headers }),
    );
    expect(status.messages).toEqual([
      expect.objectContaining({ kind: 'client_confirmed', status: 'failed', lastError: expect.stringMatching(/^550/) }),
    ]);
  });

  it('a sender that dies after the server accepted the message sends nothing new: the next sender repeats the same message', async () => {
    await bookQuietly(at(day, 11), contact('crash'));
    const before = smtp.received.length;
    const transport = createSmtpTransport(smtp.url);
    const deps = {
      db: db(),
      transport,
      from: tandem.app.config.mail.from,
      publicUrl: tandem.app.config.publicUrl,
      secretBox: tandem.app.secretBox,
      retryAt: (_n: number, now: Date) => now,
    };
    // Killed between the server's 250 and the record: nothing after the send runs.
    await expect(
      deliverMessages({
        ...deps,
        now: () => tandem.clock.now(),
        afterSend: async () => {
          throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    expect(await messageRow(contact('crash').email)).toMatchObject({ status: 'pending' });
    // Another sender while the lease holds leaves it alone; after the lease it sends again.
    expect((await deliverMessages({ ...deps, now: () => tandem.clock.now() })).sent).toBe(0);
    const later = () => new Date(tandem.clock.now().getTime() + 121_000);
    expect((await deliverMessages({ ...deps, now: later })).sent).toBe(1);
    transport.close();
    const copies = smtp.received.slice(before).filter((m) => m.to.includes(contact('crash').email));
    expect(copies).toHaveLength(2);
    // One message as far as any mail client is concerned: same Message-ID, same text, same .ics.
    expect(copies[1]!.messageId).toBe(copies[0]!.messageId);
    expect(copies[0]!.messageId).toMatch(/^<[0-9a-f-]{36}@tandem\.test>$/);
    expect(copies[1]!.text).toBe(copies[0]!.text);
    expect(copies[1]!.attachments[0]!.content).toBe(copies[0]!.attachments[0]!.content);
    expect(await messageRow(contact('crash').email)).toMatchObject({ status: 'sent' });
  });

  it('a backlog larger than a batch goes out in one dispatch: each e-mail once, each recorded as sent', async () => {
    const wednesday = new Date(day.getTime() + 2 * DAY_MS);
    const who = Array.from({ length: 7 }, (_, i) => contact(`backlog-${i}`));
    for (const [i, client] of who.entries()) await bookQuietly(at(wednesday, 8 + i), client);
    const before = smtp.received.length;
    const connectionsBefore = smtp.connections();
    const transport = createSmtpTransport(smtp.url);
    // Batches of 3: seven e-mails take three batches, and the sent records of more than one.
    const deliver = createNotificationDelivery({
      db: db(),
      secretBox: tandem.app.secretBox,
      config: tandem.app.config,
      now: () => tandem.clock.now(),
      transport,
      mailBatch: 3,
    });
    await deliver();
    transport.close();
    const received = smtp.received.slice(before).flatMap((m) => m.to);
    expect(received.sort()).toEqual(who.map((c) => c.email).sort());
    // One SMTP connection carries the whole backlog, not one connection per e-mail.
    expect(smtp.connections() - connectionsBefore).toBe(1);
    const rows = await db()
      .selectFrom('messages')
      .select(['status', 'attempts', 'sent_at', 'leased_until', 'manage_link_ciphertext'])
      .where(
        'recipient_email',
        'in',
        who.map((c) => c.email),
      )
      .execute();
    expect(rows).toHaveLength(7);
    for (const row of rows) {
      expect(row).toMatchObject({ status: 'sent', attempts: 1, leased_until: null, manage_link_ciphertext: null });
      expect(row.sent_at).toBeInstanceOf(Date);
    }
  });

  it('webhooks: signed, retried under the same webhook-id after a 500, logged with status, attempts and last response code', async () => {
    const created = await subscribe(['appointment.created']);
    expect(created.secret).toMatch(/^whsec_/);
    const listed = ok<Array<Record<string, unknown>>>(await tandem.server.inject({ url: '/api/webhooks', headers: owner.headers }));
    expect(JSON.stringify(listed)).not.toContain(created.secret);
    hooks.failNext(1);
    await bookAs(tandem.server, calendarId, at(day, 12), contact('hook'), 'Europe/Berlin');
    await waitFor(async () => {
      await tandem.app.work.dispatchOutbox();
      return hooks.received.length >= 1;
    }, 'the first attempt');
    const deliveryLog = async () =>
      ok<Array<{ id: string; status: string; attempts: number; lastStatusCode: number }>>(
        await tandem.server.inject({ url: `/api/webhooks/${created.endpoint.id}/deliveries`, headers: owner.headers }),
      );
    let log = await waitFor(async () => {
      const entries = await deliveryLog();
      return entries[0]?.attempts === 1 && entries;
    }, 'the first attempt to be recorded');
    expect(log).toEqual([expect.objectContaining({ status: 'pending', attempts: 1, lastStatusCode: 500 })]);
    tandem.clock.offsetMs += 31_000;
    await waitFor(async () => {
      await tandem.app.work.dispatchOutbox();
      return hooks.received.length >= 2;
    }, 'the retry');
    expect(hooks.received.map((h) => [h.id, h.type, h.verified, h.answered])).toEqual([
      [log[0]!.id, 'appointment.created', true, 500],
      [log[0]!.id, 'appointment.created', true, 204],
    ]);
    log = await waitFor(async () => {
      const entries = await deliveryLog();
      return entries[0]?.status !== 'pending' && entries;
    }, 'the retry to be recorded');
    expect(log).toEqual([expect.objectContaining({ status: 'delivered', attempts: 2, lastStatusCode: 204 })]);

    // Rotating: the old secret no longer verifies, the new one does.
    const rotated = ok<{ secret: string }>(
      await tandem.server.inject({ method: 'POST', url: `/api/webhooks/${created.endpoint.id}/rotate`, headers: owner.headers }),
    );
    expect(rotated.secret).not.toBe(created.secret);
    await bookAs(tandem.server, calendarId, at(day, 13), contact('rotated'), 'Europe/Berlin');
    await waitFor(async () => {
      await tandem.app.work.dispatchOutbox();
      return hooks.received.length >= 3;
    }, 'a delivery after rotation');
    expect(hooks.received[2]!.verified).toBe(false);
    hooks.setSecret(rotated.secret);
    expect(
      (await tandem.server.inject({ method: 'DELETE', url: `/api/webhooks/${created.endpoint.id}`, headers: owner.headers })).statusCode,
    ).toBe(204);
  });

  it("webhooks: a busy endpoint's Retry-After is honoured — no retry before it, even past the backoff", async () => {
    const created = await subscribe(['appointment.created']);
    const before = hooks.received.length;
    hooks.failNext(1, { status: 503, retryAfter: '3600' });
    // The next day at noon: 9–11 that day belong to the retention test.
    await bookAs(tandem.server, calendarId, at(new Date(day.getTime() + DAY_MS), 12), contact('busy-hook'), 'Europe/Berlin');
    const attempts = async () =>
      ok<Array<{ attempts: number }>>(
        await tandem.server.inject({ url: `/api/webhooks/${created.endpoint.id}/deliveries`, headers: owner.headers }),
      )[0]?.attempts ?? 0;
    await waitFor(async () => {
      await tandem.app.work.dispatchOutbox();
      return (await attempts()) === 1;
    }, 'the refused attempt to be recorded');
    // Well past the first backoff ceiling (30 s), still short of the hour the endpoint asked for.
    tandem.clock.offsetMs += 30 * 60_000;
    await tandem.app.work.dispatchOutbox();
    expect(hooks.received.slice(before).map((h) => h.answered)).toEqual([503]);
    tandem.clock.offsetMs += 31 * 60_000;
    await waitFor(async () => {
      await tandem.app.work.dispatchOutbox();
      return hooks.received.length - before >= 2;
    }, 'the retry after Retry-After');
    expect(hooks.received.slice(before).map((h) => h.answered)).toEqual([503, 204]);
    expect(
      (await tandem.server.inject({ method: 'DELETE', url: `/api/webhooks/${created.endpoint.id}`, headers: owner.headers })).statusCode,
    ).toBe(204);
  });

  it('an endpoint failing without a success for long enough is disabled with a visible reason', async () => {
    const created = ok<{ endpoint: { id: string }; secret: string }>(
      await tandem.server.inject({
        method: 'POST',
        url: '/api/webhooks',
        headers: owner.headers,
        payload: { url: hooks.url, events: ['appointment.cancelled'] },
      }),
      201,
    );
    hooks.setSecret(created.secret);
    hooks.failNext(1000);
    const { manageToken } = await bookAs(tandem.server, calendarId, at(day, 14), contact('down'), 'Europe/Berlin');
    ok(await tandem.server.inject({ method: 'POST', url: `/api/public/bookings/${manageToken}/cancel` }));
    await tandem.app.work.dispatchOutbox();
    // Retried over two days: each time past the backoff, until the delivery gives up; the endpoint goes after 5 days.
    for (let hour = 0; hour < 6 * 24; hour += 4) {
      tandem.clock.offsetMs += 4 * 3_600_000;
      await tandem.app.work.dispatchOutbox();
    }
    const [endpoint] = ok<Array<{ id: string; status: string; disabledReason: string | null }>>(
      await tandem.server.inject({ url: '/api/webhooks', headers: owner.headers }),
    ).filter((e) => e.id === created.endpoint.id);
    const log = ok<Array<{ status: string; attempts: number }>>(
      await tandem.server.inject({ url: `/api/webhooks/${created.endpoint.id}/deliveries`, headers: owner.headers }),
    );
    expect(log[0]!.status).toBe('failed');
    expect(log[0]!.attempts).toBeGreaterThan(5);
    // A second failing event after five days disables it.
    const again = await bookAs(tandem.server, calendarId, at(day, 15), contact('down-2'), 'Europe/Berlin');
    ok(await tandem.server.inject({ method: 'POST', url: `/api/public/bookings/${again.manageToken}/cancel` }));
    const disabled = await waitFor(async () => {
      await tandem.app.work.dispatchOutbox();
      const [current] = ok<Array<{ id: string; status: string; disabledReason: string | null }>>(
        await tandem.server.inject({ url: '/api/webhooks', headers: owner.headers }),
      ).filter((e) => e.id === created.endpoint.id);
      return current?.status === 'disabled' && current;
    }, 'the endpoint to be disabled');
    expect(endpoint?.status).toBe('active');
    expect(disabled).toMatchObject({
      status: 'disabled',
      disabledReason: expect.stringMatching(/^Disabled after \d+ h of failed deliveries.*HTTP 500/),
    });
    hooks.failNext(-1000);
    ok(await tandem.server.inject({ method: 'POST', url: `/api/webhooks/${created.endpoint.id}/enable`, headers: owner.headers }));
    expect(
      (await tandem.server.inject({ method: 'DELETE', url: `/api/webhooks/${created.endpoint.id}`, headers: owner.headers })).statusCode,
    ).toBe(204);
    tandem.clock.offsetMs = 0;
  });

  it('the client deadline: within it the manage link cannot cancel or reschedule (422 change_deadline_passed); staff still can', async () => {
    ok(
      await tandem.server.inject({
        method: 'PUT',
        url: `/api/calendars/${calendarId}/notification-settings`,
        headers: owner.headers,
        payload: { clientChangeDeadlineMin: 30 * 24 * 60 },
      }),
    );
    const { manageToken } = await bookAs(tandem.server, calendarId, at(day, 8), contact('late'), 'Europe/Berlin');
    const policy = ok<{ changeDeadline: string; canChange: boolean }>(
      await tandem.server.inject({ url: `/api/public/bookings/${manageToken}/policy` }),
    );
    expect(policy).toEqual({ changeDeadline: new Date(at(day, 8).getTime() - 30 * 86_400_000).toISOString(), canChange: false });
    for (const action of ['cancel', 'reschedule']) {
      const refused = await tandem.server.inject({
        method: 'POST',
        url: `/api/public/bookings/${manageToken}/${action}`,
        payload: action === 'cancel' ? {} : { start: at(day, 8, 30).toISOString() },
      });
      expect(refused.statusCode).toBe(422);
      expect(refused.json()).toMatchObject({ error: { code: 'change_deadline_passed' } });
    }
    const appointmentId = (
      await db().selectFrom('attendees').select('appointment_id').where('id', '=', manageToken.split('.')[0]!).executeTakeFirstOrThrow()
    ).appointment_id;
    ok(await tandem.server.inject({ method: 'POST', url: `/api/appointments/${appointmentId}/cancel`, headers: owner.headers }));
    ok(
      await tandem.server.inject({
        method: 'PUT',
        url: `/api/calendars/${calendarId}/notification-settings`,
        headers: owner.headers,
        payload: { clientChangeDeadlineMin: null },
      }),
    );
  });

  it('finished e-mails and webhook deliveries are pruned after NOTIFICATION_RETENTION_DAYS by the scheduled dispatch; pending ones never', async () => {
    expect(tandem.app.config.notificationRetentionDays).toBe(90);
    const created = ok<{ endpoint: { id: string }; secret: string }>(
      await tandem.server.inject({
        method: 'POST',
        url: '/api/webhooks',
        headers: owner.headers,
        payload: { url: hooks.url, events: ['appointment.created'] },
      }),
      201,
    );
    hooks.setSecret(created.secret);
    const appointmentOf = async (who: string) => (await messageRow(contact(who).email)).appointment_id!;
    await bookQuietly(at(day, 24 + 9), contact('old'));
    await bookQuietly(at(day, 24 + 10), contact('recent'));
    await waitFor(async () => {
      await tandem.app.work.dispatchOutbox();
      const [mail, hook] = await Promise.all([
        db().selectFrom('messages').select('id').where('status', '=', 'pending').execute(),
        db().selectFrom('webhook_deliveries').select('id').where('status', '=', 'pending').execute(),
      ]);
      return mail.length === 0 && hook.length === 0;
    }, 'both bookings to be told');
    const [old, recent] = [await appointmentOf('old'), await appointmentOf('recent')];
    const days91 = sql<Date>`interval '91 days'`;
    // Booked and told 91 days ago (one more than the retention period).
    await db()
      .updateTable('messages')
      .set({
        created_at: sql`created_at - ${days91}`,
        not_before: sql`not_before - ${days91}`,
        sent_at: sql`sent_at - ${days91}`,
      })
      .where('appointment_id', '=', old)
      .execute();
    await db()
      .updateTable('webhook_deliveries')
      .set({
        created_at: sql`created_at - ${days91}`,
        not_before: sql`not_before - ${days91}`,
        delivered_at: sql`delivered_at - ${days91}`,
      })
      .where('appointment_id', '=', old)
      .execute();
    // Just as old, but still pending: another sender holds them right now.
    await bookQuietly(at(day, 24 + 11), contact('in-flight'));
    const inFlight = await appointmentOf('in-flight');
    for (const table of ['messages', 'webhook_deliveries'] as const) {
      await db()
        .updateTable(table)
        .set({
          created_at: sql`created_at - ${days91}`,
          not_before: sql`not_before - ${days91}`,
          leased_until: sql`now() + interval '1 hour'`,
        })
        .where('appointment_id', '=', inFlight)
        .execute();
    }

    await tandem.app.work.dispatchOutbox();
    const left = async (table: 'messages' | 'webhook_deliveries', appointmentId: string) =>
      (await db().selectFrom(table).select('status').where('appointment_id', '=', appointmentId).execute()).map((r) => r.status);
    expect(await left('messages', old)).toEqual([]);
    expect(await left('webhook_deliveries', old)).toEqual([]);
    expect(await left('messages', recent)).toEqual(['sent']);
    expect(await left('webhook_deliveries', recent)).toEqual(['delivered']);
    expect(await left('messages', inFlight)).toEqual(['pending']);
    expect(await left('webhook_deliveries', inFlight)).toEqual(['pending']);
    expect(
      (await tandem.server.inject({ method: 'DELETE', url: `/api/webhooks/${created.endpoint.id}`, headers: owner.headers })).statusCode,
    ).toBe(204);
  });

  it('the address guard refuses private and metadata webhook URLs unless allowed', async () => {
    const guarded = await startNotifyApp({ env: { WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'false' } });
    try {
      const admin = await signUp(guarded.server);
      for (const url of [
        'http://169.254.169.254/latest/meta-data',
        'http://127.0.0.1:8080/hook',
        'http://10.0.0.5/hook',
        'ftp://example.com/hook',
      ]) {
        const refused = await guarded.server.inject({ method: 'POST', url: '/api/webhooks', headers: admin.headers, payload: { url } });
        expect(refused.statusCode, url).toBe(422);
        expect(refused.json()).toMatchObject({ error: { code: 'webhook_url_refused' } });
      }
    } finally {
      await guarded.close();
    }
  });
});

describe('without SMTP_URL, and between workspaces', () => {
  let tandem: NotifyApp;
  let dataDir: string;
  let a: Session;
  let b: Session;
  let calendarA: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tandem-mail-'));
    tandem = await startNotifyApp({ env: { DATA_DIR: dataDir } });
    [a, b] = [await signUp(tandem.server), await signUp(tandem.server)];
    calendarA = await addCalendar(tandem.server, a, { type: 'round_robin', members: [{ userId: a.userId }] });
  });
  afterAll(async () => {
    await tandem?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("messages become .eml files that the workspace's staff app lists, and only that workspace", async () => {
    await bookAs(tandem.server, calendarA, at(day, 9), contact('eml'), 'Asia/Tokyo');
    const mail = await waitFor(async () => {
      await tandem.app.work.dispatchOutbox();
      const listed = ok<{ smtpConfigured: boolean; files: Array<{ name: string; subject: string; to: string }> }>(
        await tandem.server.inject({ url: '/api/notifications/mail', headers: a.headers }),
      );
      return listed.files.length >= 2 && listed;
    }, 'two .eml files');
    expect(mail.smtpConfigured).toBe(false);
    expect(mail.files.map((f) => f.subject.split(':')[0]).sort()).toEqual(['Booking confirmed', 'New booking']);
    const confirmation = mail.files.find((f) => f.subject.startsWith('Booking confirmed'))!;
    expect(confirmation.to).toContain(contact('eml').email);
    const raw = await tandem.server.inject({ url: `/api/notifications/mail/${confirmation.name}`, headers: a.headers });
    expect(raw.statusCode).toBe(200);
    expect(raw.body).toContain('18:00 (Asia/Tokyo)');
    expect(raw.body).toContain('text/calendar');

    // Workspace B sees none of it.
    expect(ok<{ files: unknown[] }>(await tandem.server.inject({ url: '/api/notifications/mail', headers: b.headers })).files).toEqual([]);
    expect((await tandem.server.inject({ url: `/api/notifications/mail/${confirmation.name}`, headers: b.headers })).statusCode).toBe(404);
    expect((await tandem.server.inject({ url: '/api/notifications/mail/..%2F..%2Fsecret-key.eml', headers: a.headers })).statusCode).toBe(
      404,
    );
  });

  it('webhooks, settings and delivery status never cross workspaces', async () => {
    const hook = ok<{ endpoint: { id: string } }>(
      await tandem.server.inject({ method: 'POST', url: '/api/webhooks', headers: a.headers, payload: { url: 'http://127.0.0.1:9/hook' } }),
      201,
    );
    expect(ok<unknown[]>(await tandem.server.inject({ url: '/api/webhooks', headers: b.headers }))).toEqual([]);
    for (const request of [
      { method: 'DELETE' as const, url: `/api/webhooks/${hook.endpoint.id}` },
      { method: 'POST' as const, url: `/api/webhooks/${hook.endpoint.id}/rotate` },
      { method: 'GET' as const, url: `/api/webhooks/${hook.endpoint.id}/deliveries` },
      { method: 'GET' as const, url: `/api/calendars/${calendarA}/notification-settings` },
      { method: 'PUT' as const, url: `/api/calendars/${calendarA}/notification-settings`, payload: { clientReminder: false } },
    ]) {
      expect((await tandem.server.inject({ ...request, headers: b.headers })).statusCode, `${request.method} ${request.url}`).toBe(404);
    }
    const appointment = await tandem.app.database.db
      .selectFrom('appointments')
      .select('id')
      .where('calendar_id', '=', calendarA)
      .executeTakeFirstOrThrow();
    expect((await tandem.server.inject({ url: `/api/appointments/${appointment.id}/deliveries`, headers: b.headers })).statusCode).toBe(
      404,
    );
    // An event in B's workspace reaches no endpoint of A's.
    const calendarB = await addCalendar(tandem.server, b, { type: 'round_robin', members: [{ userId: b.userId }] });
    await bookAs(tandem.server, calendarB, at(day, 10), contact('b-client'), 'UTC');
    const deliveriesOfA = await tandem.app.database.db
      .selectFrom('webhook_deliveries')
      .select('appointment_id')
      .where('endpoint_id', '=', hook.endpoint.id)
      .execute();
    expect(deliveriesOfA.map((d) => d.appointment_id)).toEqual([]);
  });
});
