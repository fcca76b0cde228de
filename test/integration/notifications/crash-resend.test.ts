/**
 * Issue 11's "no duplicate after a SIGKILL between send and record", with nothing simulated on
 * Tandem's side: a real `tandem serve` delivers a booking's e-mails to the real SMTP sink, which keeps
 * the client's confirmation and holds its reply to DATA. While the server has the message and Tandem has not
 * recorded it, Tandem is SIGKILLed. A second `tandem serve` on the same database sends it again — the
 * same message (Message-ID, Date, text, .ics), so no mail client shows two — and everything else once.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_SECRET_KEY, addCalendar, signUp } from '../../support/api.ts';
import { createTestDatabase } from '../../support/db.ts';
import { freePort } from '../../support/free-port.ts';
import { overHttp } from '../../support/http-inject.ts';
import { startSmtpSink, type SmtpSink } from '../../support/smtp-sink.ts';
import { at, mondayAhead } from '../../support/sync-journey.ts';
import { startTandem, type TandemProcess } from '../../support/tandem-process.ts';
import { waitFor } from '../../support/wait-for.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../../support/webhook-receiver.ts';
import { bookAs, ok } from './harness.ts';

describe('tandem serve killed after the SMTP server took a message and before it was recorded', () => {
  let smtp: SmtpSink;
  let hooks: WebhookReceiver;
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let dataDir: string;
  const processes: TandemProcess[] = [];

  beforeAll(async () => {
    [smtp, hooks, database] = await Promise.all([startSmtpSink(), startWebhookReceiver(), createTestDatabase('postgres')]);
    dataDir = await mkdtemp(join(tmpdir(), 'tandem-crash-resend-'));
  });
  afterAll(async () => {
    for (const running of processes) await running.kill();
    await database?.close();
    await Promise.all([smtp?.stop(), hooks?.stop()]);
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** `tandem serve` with the in-process scheduler, as the embedded default runs, on the shared database. */
  async function serve(): Promise<{ process: TandemProcess; base: string }> {
    const port = await freePort();
    const running = startTandem('serve', {
      PORT: String(port),
      HOST: '127.0.0.1',
      PUBLIC_URL: 'http://tandem.test',
      DATA_DIR: dataDir,
      DATABASE_URL: database.url!,
      TANDEM_SECRET_KEY: TEST_SECRET_KEY,
      SMTP_URL: smtp.url,
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      TANDEM_SEED_DEMO: 'false',
      LOG_LEVEL: 'warn',
    });
    processes.push(running);
    const base = `http://127.0.0.1:${port}`;
    await waitFor(
      async () => {
        if (!running.alive()) throw new Error(`tandem serve exited:\n${running.output()}`);
        return fetch(`${base}/readyz`).then(
          (response) => response.status === 200,
          () => false,
        );
      },
      'tandem serve to be ready',
      60_000,
    );
    return { process: running, base };
  }

  it('the second process re-sends the same message; nothing else is sent twice or lost', async () => {
    const first = await serve();
    const server = overHttp(first.base);
    const owner = await signUp(server, { timezone: 'Europe/Paris' });
    const calendarId = await addCalendar(server, owner, { type: 'round_robin', members: [{ userId: owner.userId }] });
    // No reminder: every message of this booking is due now.
    ok(
      await server.inject({
        method: 'PUT',
        url: `/api/calendars/${calendarId}/notification-settings`,
        headers: owner.headers,
        payload: { reminderOffsetsMin: [] },
      }),
    );
    const created = ok<{ secret: string }>(
      await server.inject({ method: 'POST', url: '/api/webhooks', headers: owner.headers, payload: { url: hooks.url } }),
      201,
    );
    hooks.setSecret(created.secret);

    // The client's confirmation (the message with the .ics) is the one caught in the window, whatever order the rows go in.
    const held = smtp.holdNext((mail) => mail.to.includes('crash@client.test'));
    await bookAs(server, calendarId, at(mondayAhead(3), 10), { name: 'Crash Client', email: 'crash@client.test' }, 'Asia/Tokyo');
    const accepted = await held.accepted;
    const rowId = /^<([0-9a-f-]{36})@tandem\.test>$/.exec(accepted.messageId)?.[1];
    expect(rowId, accepted.messageId).toBeDefined();
    const row = () => database.db.selectFrom('messages').selectAll().where('id', '=', rowId!).executeTakeFirstOrThrow();
    // The window: the server has the message, Tandem has not recorded it (its reply is still held).
    expect(await row()).toMatchObject({ status: 'pending', attempts: 0, sent_at: null });
    await first.process.kill();
    expect((await first.process.exited).signal).toBe('SIGKILL');
    held.release();
    expect(await row()).toMatchObject({ status: 'pending', attempts: 0 });
    expect(smtp.received.filter((m) => m.messageId === accepted.messageId)).toHaveLength(1);

    // The dead process's lease (2 minutes) would hand the row back on its own; the test lets that time
    // pass at once instead of waiting for it.
    await database.db
      .updateTable('messages')
      .set({ leased_until: new Date() })
      .where('status', '=', 'pending')
      .where('leased_until', '>', new Date())
      .execute();

    const second = await serve();
    const rows = await waitFor(async () => {
      if (!second.process.alive()) throw new Error(`tandem serve exited:\n${second.process.output()}`);
      const messages = await database.db.selectFrom('messages').select(['id', 'status', 'kind']).execute();
      const deliveries = await database.db.selectFrom('webhook_deliveries').select(['id', 'status', 'event']).execute();
      const done = messages.length > 0 && deliveries.length > 0;
      return (
        done && messages.every((m) => m.status === 'sent') && deliveries.every((d) => d.status === 'delivered') && { messages, deliveries }
      );
    }, 'the second process to deliver everything');
    second.process.child.kill('SIGTERM');
    expect(await second.process.exited, second.process.output()).toEqual({ code: 0, signal: null });

    // The held message twice, as one message: same Message-ID, Date, recipients, text, HTML and .ics.
    const copies = smtp.received.filter((m) => m.messageId === accepted.messageId);
    expect(copies).toHaveLength(2);
    const { raw: _firstRaw, ...firstCopy } = copies[0]!;
    const { raw: _secondRaw, ...secondCopy } = copies[1]!;
    expect(secondCopy).toEqual(firstCopy);
    expect(firstCopy.attachments.map((a) => a.contentType)).toContain('text/calendar');
    expect(await row()).toMatchObject({ status: 'sent', attempts: 1, manage_link_ciphertext: null });

    // Every other message once, and every message row sent: the client's confirmation and the staff notice.
    expect(rows.messages.map((m) => m.kind).sort()).toEqual(['client_confirmed', 'staff_new_booking']);
    const sentIds = smtp.received.map((m) => m.messageId);
    expect([...new Set(sentIds)].sort()).toEqual(rows.messages.map((m) => `<${m.id}@tandem.test>`).sort());
    expect(sentIds).toHaveLength(rows.messages.length + 1);
    // The webhook: once, signed, under its delivery id.
    expect(hooks.received.map((h) => [h.id, h.type, h.verified, h.answered])).toEqual(
      rows.deliveries.map((d) => [d.id, 'appointment.created', true, 204]),
    );
  }, 180_000);
});
