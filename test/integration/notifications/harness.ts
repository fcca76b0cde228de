import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { createApp, type App } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import { TEST_SECRET_KEY } from '../../support/api.ts';
import { createTestDatabase, type DatabaseKind } from '../../support/db.ts';
import type { SmtpSink } from '../../support/smtp-sink.ts';
import { waitFor } from '../../support/wait-for.ts';

/** Tandem as `tandem serve` wires it, scheduler off, with a clock the test can move forward. */
export interface NotifyApp {
  app: App;
  server: FastifyInstance;
  /** Milliseconds added to the real time: "let the reminder fire" without waiting for it. */
  clock: { offsetMs: number; now(): Date };
  close(): Promise<void>;
}

export async function startNotifyApp(options: { kind?: DatabaseKind; env?: Record<string, string> } = {}): Promise<NotifyApp> {
  const database = await createTestDatabase(options.kind ?? 'pglite');
  const clock = { offsetMs: 0, now: () => new Date(Date.now() + clock.offsetMs) };
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    TANDEM_SEED_DEMO: 'false',
    SCHEDULER: 'off',
    CALDAV_ALLOW_PRIVATE_NETWORKS: 'true',
    TANDEM_SECRET_KEY: TEST_SECRET_KEY,
    PUBLIC_URL: 'http://tandem.test',
    ...options.env,
  });
  const app = await createApp(config, { database, now: () => clock.now() });
  return {
    app,
    server: app.server,
    clock,
    async close() {
      await app.close();
      await database.close();
    },
  };
}

export function ok<T>(response: LightMyRequestResponse, status = 200): T {
  expect(response.statusCode, `${response.statusCode}: ${response.body}`).toBe(status);
  return response.json<T>();
}

export interface BookingJson {
  booking: { start: string; status: string };
  manageToken: string;
}

/** Books on the public page as a client in `timezone`; returns the appointment id and the manage token. */
export async function bookAs(
  server: FastifyInstance,
  calendarId: string,
  start: Date,
  contact: { name: string; email: string },
  timezone: string,
): Promise<{ manageToken: string }> {
  const response = await server.inject({
    method: 'POST',
    url: `/api/public/calendars/${calendarId}/bookings`,
    payload: { start: start.toISOString(), contact, timezone },
  });
  return ok<BookingJson>(response, 201);
}

/**
 * Dispatches until `count` e-mails have reached `smtp` in all and no message is still due, then
 * checks it is exactly `count`: nothing beyond what the step should cause.
 */
export async function deliverMailUntil(tandem: NotifyApp, smtp: SmtpSink, count: number): Promise<void> {
  await waitFor(async () => {
    await tandem.app.work.dispatchOutbox();
    const due = await dueMessages(tandem).execute();
    return smtp.received.length >= count && due.length === 0;
  }, `${count} e-mails`);
  expect(smtp.received.map((m) => `${m.to.join(',')}: ${m.subject}`)).toHaveLength(count);
}

/** E-mails due by the app's clock and not yet sent: a query, so a caller can add to it. */
export function dueMessages(tandem: NotifyApp) {
  return tandem.app.database.db
    .selectFrom('messages')
    .select('id')
    .where('status', '=', 'pending')
    .where('not_before', '<=', tandem.clock.now());
}
