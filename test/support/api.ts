import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.ts';
import { createApp, type App } from '../../src/app.ts';
import { createTestDatabase, type DatabaseKind } from './db.ts';

/** 32 bytes, base64: the encryption key of every test app. */
export const TEST_SECRET_KEY = Buffer.alloc(32, 7).toString('base64');

export interface TestApi {
  app: App;
  server: FastifyInstance;
  clock: { now: Date };
  close(): Promise<void>;
}

/** Tandem on a private test database with a clock the test sets. */
export async function startTestApi(
  kind: DatabaseKind,
  options: { now?: string; poolSize?: number; env?: Record<string, string> } = {},
): Promise<TestApi> {
  const database = await createTestDatabase(kind, { poolSize: options.poolSize });
  const clock = { now: new Date(options.now ?? '2026-11-23T08:00:00Z') };
  // A fixed test key: tests must not write a generated key into the project's ./data folder.
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    TANDEM_SEED_DEMO: 'false',
    SCHEDULER: 'off',
    CALDAV_ALLOW_PRIVATE_NETWORKS: 'true',
    TANDEM_SECRET_KEY: TEST_SECRET_KEY,
    ...options.env,
  });
  const app = await createApp(config, { database, now: () => clock.now });
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

export interface Session {
  token: string;
  userId: string;
  workspaceId: string;
  headers: { authorization: string };
}

let counter = 0;

/** Signs up a new workspace through the API and signs its owner in. */
export async function signUp(server: FastifyInstance, options: { timezone?: string } = {}): Promise<Session> {
  counter += 1;
  const unique = `${Date.now().toString(36)}${counter}`;
  const email = `owner-${unique}@example.test`;
  const password = 'correct horse battery';
  const created = await server.inject({
    method: 'POST',
    url: '/api/workspaces',
    payload: {
      name: `Studio ${unique}`,
      slug: `studio-${unique}`,
      owner: { name: 'Owner', email, password, timezone: options.timezone ?? 'Europe/London' },
    },
  });
  if (created.statusCode !== 201) throw new Error(`sign-up failed: ${created.body}`);
  const signedIn = await server.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { email, password } });
  const body = signedIn.json<{ token: string; userId: string; workspaceId: string }>();
  return { ...body, headers: { authorization: `Bearer ${body.token}` } };
}

/** Adds a team member through the API; returns their id. */
export async function addMember(
  server: FastifyInstance,
  session: Session,
  options: { timezone?: string; weeklyHours?: Record<string, Array<{ start: string; end: string }>> } = {},
): Promise<string> {
  counter += 1;
  const response = await server.inject({
    method: 'POST',
    url: '/api/users',
    headers: session.headers,
    payload: {
      email: `member-${Date.now().toString(36)}${counter}@example.test`,
      name: `Member ${counter}`,
      timezone: options.timezone ?? 'Europe/London',
      ...(options.weeklyHours && { weeklyHours: options.weeklyHours }),
    },
  });
  if (response.statusCode !== 201) throw new Error(`add member failed: ${response.body}`);
  return response.json<{ id: string }>().id;
}

/** Creates a booking calendar through the API; returns its id. */
export async function addCalendar(server: FastifyInstance, session: Session, input: Record<string, unknown>): Promise<string> {
  counter += 1;
  const response = await server.inject({
    method: 'POST',
    url: '/api/calendars',
    headers: session.headers,
    payload: { slug: `cal-${counter}`, name: `Calendar ${counter}`, durationMin: 30, ...input },
  });
  if (response.statusCode !== 201) throw new Error(`add calendar failed: ${response.body}`);
  return response.json<{ id: string }>().id;
}

export const contact = (n: number | string = 1) => ({ name: `Client ${n}`, email: `client-${n}@example.test` });
