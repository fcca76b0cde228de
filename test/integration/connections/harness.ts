/**
 * Shared pieces of the connection suites: Tandem apps over one test database (several apps may
 * share it, each with its own configuration — e.g. a short CalDAV timeout, or private networks
 * refused), sessions, and row counts that prove "nothing was stored".
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import { createApp, type App } from '../../../src/app.ts';
import { loadConfig } from '../../../src/config.ts';
import type { DatabaseHandle } from '../../../src/store/database.ts';
import type { Session } from '../../support/api.ts';

/** One key per test run, as TANDEM_SECRET_KEY would be: nothing is written into the data directory. */
export const TEST_SECRET_KEY = randomBytes(32).toString('base64');

export interface StartAppOptions {
  /** Extra environment, e.g. ICLOUD_CALDAV_URL, CALDAV_TIMEOUT_MS, CALDAV_ALLOW_PRIVATE_NETWORKS. */
  env?: Record<string, string>;
  logStream?: { write(line: string): void };
  now?: () => Date;
}

export async function startApp(database: DatabaseHandle, options: StartAppOptions = {}): Promise<App> {
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    TANDEM_SEED_DEMO: 'false',
    SCHEDULER: 'off',
    CALDAV_ALLOW_PRIVATE_NETWORKS: 'true',
    TANDEM_SECRET_KEY: TEST_SECRET_KEY,
    ...options.env,
  });
  return createApp(config, { database, logStream: options.logStream, now: options.now });
}

let counter = 0;

/** A team member with a password, signed in (support/api.ts's addMember makes one who cannot sign in). */
export async function addMemberSession(server: FastifyInstance, owner: Session, role: 'member' | 'admin' = 'member'): Promise<Session> {
  counter += 1;
  const email = `conn-${role}-${Date.now().toString(36)}${counter}@example.test`;
  const password = 'member password 123';
  const created = await server.inject({
    method: 'POST',
    url: '/api/users',
    headers: owner.headers,
    payload: { email, name: `${role} ${counter}`, role, timezone: 'Europe/London', password },
  });
  if (created.statusCode !== 201) throw new Error(`add member failed: ${created.body}`);
  const signedIn = await server.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { email, password } });
  const body = signedIn.json<{ token: string; userId: string; workspaceId: string }>();
  return { ...body, headers: { authorization: `Bearer ${body.token}` } };
}

export interface CalendarJson {
  id: string;
  connectionId: string;
  url: string;
  displayName: string;
  color: string | null;
  components: string[];
  writable: boolean;
  subscribed: boolean;
  connectable: boolean;
  notConnectableReason: string | null;
  role: 'none' | 'primary' | 'conflict';
}
export interface ConnectionJson {
  id: string;
  userId: string;
  provider: 'icloud' | 'caldav';
  serverUrl: string;
  username: string;
  status: 'active' | 'needs_reconnect';
  lastError: { code: string; message: string } | null;
  calendars: CalendarJson[];
}
export interface ConfigurationJson {
  userId: string;
  primaryCalendarId: string | null;
  conflictCalendarIds: string[];
  calendars: CalendarJson[];
}

export function connectICloud(
  server: FastifyInstance,
  session: Session,
  credentials: { email: string; appSpecificPassword: string },
): Promise<LightMyRequestResponse> {
  return server.inject({
    method: 'POST',
    url: '/api/connections',
    headers: session.headers,
    payload: { provider: 'icloud', ...credentials },
  });
}

/** Connects and insists it worked; returns the connection. */
export async function connectedICloud(
  server: FastifyInstance,
  session: Session,
  credentials: { email: string; appSpecificPassword: string },
): Promise<ConnectionJson> {
  const response = await connectICloud(server, session, credentials);
  expect(response.statusCode, response.body).toBe(201);
  return response.json<ConnectionJson>();
}

export function putConfiguration(
  server: FastifyInstance,
  session: Session,
  userId: string,
  body: { primaryCalendarId: string | null; conflictCalendarIds: string[] },
): Promise<LightMyRequestResponse> {
  return server.inject({ method: 'PUT', url: `/api/users/${userId}/calendar-configuration`, headers: session.headers, payload: body });
}

export function calendarNamed(connection: { calendars: CalendarJson[] }, name: string): CalendarJson {
  const calendar = connection.calendars.find((c) => c.displayName === name);
  if (!calendar) throw new Error(`no calendar named ${name} in ${connection.calendars.map((c) => c.displayName).join(', ')}`);
  return calendar;
}

export function errorOf(response: LightMyRequestResponse): { code: string; message: string } {
  return response.json<{ error: { code: string; message: string } }>().error;
}

/** Every row of the connection tables: a failed connect must leave these exactly as they were. */
export async function connectionRowCounts(database: DatabaseHandle): Promise<{ connections: number; remoteCalendars: number }> {
  const count = async (table: 'connections' | 'remote_calendars') =>
    Number(
      (
        await database.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { connections: await count('connections'), remoteCalendars: await count('remote_calendars') };
}
