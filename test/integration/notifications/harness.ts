import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { createApp, type App } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import { TEST_SECRET_KEY } from '../../support/api.ts';
import { createTestDatabase, type DatabaseKind } from '../../support/db.ts';

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
