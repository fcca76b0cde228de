/**
 * Issue 7 item 7: password guessing, booking floods and connect attempts are limited (429
 * rate_limited with Retry-After), per account and per address, across API nodes with Redis; and
 * every answer carries the usual security headers.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildServer } from '../../../src/http/server.ts';
import { importedBusyFromStore } from '../../../src/store/imported-busy.ts';
import { addCalendar, signUp, startTestApi, type Session, type TestApi } from '../../support/api.ts';

describe('rate limits and security headers', () => {
  let api: TestApi;
  let owner: Session;
  const extraServers: FastifyInstance[] = [];

  beforeAll(async () => {
    api = await startTestApi('pglite');
    owner = await signUp(api.server);
  });
  afterAll(async () => {
    for (const server of extraServers) await server.close();
    await api?.close();
  });

  const signIn = (server: FastifyInstance, email: string, password: string, remoteAddress = '127.0.0.1') =>
    server.inject({ method: 'POST', url: '/api/auth/sign-in', payload: { email, password }, remoteAddress });
  const ownerEmail = async () =>
    (await api.app.database.db.selectFrom('users').select('email').where('id', '=', owner.userId).executeTakeFirstOrThrow()).email;

  it('answers 429 rate_limited with Retry-After once an account has had 10 wrong passwords, from whatever addresses', async () => {
    const email = await ownerEmail();
    const statuses: number[] = [];
    let limited: Awaited<ReturnType<typeof signIn>> | null = null;
    for (let i = 0; i < 60; i += 1) {
      const response = await signIn(api.server, email, `wrong password ${i}`, `198.51.100.${i + 1}`);
      statuses.push(response.statusCode);
      if (response.statusCode === 429) limited ??= response;
    }
    // Sign-up signed the owner in once: that was the first of the 10 attempts.
    expect(statuses.slice(0, 9)).toEqual(Array(9).fill(401));
    expect(statuses.slice(9)).toEqual(Array(51).fill(429));
    expect(limited?.json()).toEqual({ error: { code: 'rate_limited', message: expect.stringMatching(/Try again in \d+ minutes/) } });
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThan(0);
    // Even the right password waits: the guesser must not learn it was right.
    expect((await signIn(api.server, email, 'correct horse battery', '198.51.100.200')).statusCode).toBe(429);
  });

  it('limits one address trying many accounts', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 51; i += 1)
      statuses.push((await signIn(api.server, `nobody-${i}@example.test`, 'wrong password', '203.0.113.7')).statusCode);
    expect(statuses.slice(0, 50).every((status) => status === 401)).toBe(true);
    expect(statuses[50]).toBe(429);
    // Another address is not affected.
    expect((await signIn(api.server, 'nobody-0@example.test', 'wrong password', '203.0.113.8')).statusCode).toBe(401);
    // Each attempt verifies a password hash (deliberately slow): 50 of them on a loaded machine.
  }, 300_000);

  it('limits public bookings per address, counting only requests that passed validation', async () => {
    const calendarId = await addCalendar(api.server, owner, { type: 'simple', members: [{ userId: owner.userId }] });
    const book = (start: string) =>
      api.server.inject({
        method: 'POST',
        url: `/api/public/calendars/${calendarId}/bookings`,
        remoteAddress: '192.0.2.44',
        payload: { start, contact: { name: 'Flood', email: 'flood@example.test' } },
      });
    for (let i = 0; i < 40; i += 1) expect((await book('not a time')).statusCode).toBe(400);
    const statuses: number[] = [];
    // In the past: a 422 each time, but each one a real attempt.
    for (let i = 0; i < 31; i += 1) statuses.push((await book('2026-01-05T10:00:00Z')).statusCode);
    expect(statuses.slice(0, 30).every((status) => status === 422)).toBe(true);
    const limited = await book('2026-11-24T10:00:00Z');
    expect(limited.statusCode).toBe(429);
    expect(limited.json<{ error: { code: string } }>().error.code).toBe('rate_limited');
  });

  it('limits connect attempts per user', async () => {
    const user = await signUp(api.server);
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) {
      const response = await api.server.inject({
        method: 'POST',
        url: '/api/connections',
        headers: user.headers,
        payload: { provider: 'caldav', serverUrl: 'http://127.0.0.1:9/dav/', username: 'me', password: 'not the password' },
        remoteAddress: `198.18.0.${i + 1}`,
      });
      statuses.push(response.statusCode);
    }
    expect(statuses.slice(0, 10).every((status) => status !== 429)).toBe(true);
    expect(statuses[10]).toBe(429);
  });

  it('shares the counters between API nodes through Redis', async () => {
    const redisUrl = inject('redisUrl');
    const deps = { ctx: api.app.ctx, importedBusy: importedBusyFromStore() };
    const nodes = [
      await buildServer(deps, { rateLimits: { enabled: true, redisUrl } }),
      await buildServer(deps, { rateLimits: { enabled: true, redisUrl } }),
    ];
    extraServers.push(...nodes);
    const email = `shared-${randomUUID()}@example.test`;
    const statuses: number[] = [];
    for (let i = 0; i < 11; i += 1) statuses.push((await signIn(nodes[i % 2]!, email, 'wrong password')).statusCode);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses[10]).toBe(429);
  });

  it('counts the client named by a trusted proxy, and ignores X-Forwarded-For from anyone else', async () => {
    const calendarId = await addCalendar(api.server, owner, { type: 'simple', members: [{ userId: owner.userId }] });
    const deps = { ctx: api.app.ctx, importedBusy: importedBusyFromStore() };
    const behindProxy = await buildServer(deps, { rateLimits: { enabled: true, redisUrl: null }, trustProxy: ['10.0.0.1'] });
    const direct = await buildServer(deps, { rateLimits: { enabled: true, redisUrl: null } });
    extraServers.push(behindProxy, direct);
    // In the past: a quick 422 each time, but each one a counted attempt (30 per address).
    const book = (server: FastifyInstance, remoteAddress: string, forwardedFor: string) =>
      server.inject({
        method: 'POST',
        url: `/api/public/calendars/${calendarId}/bookings`,
        remoteAddress,
        headers: { 'x-forwarded-for': forwardedFor },
        payload: { start: '2026-01-05T10:00:00Z', contact: { name: 'Proxy', email: 'proxy@example.test' } },
      });
    for (let i = 0; i < 30; i += 1) expect((await book(behindProxy, '10.0.0.1', '203.0.113.50')).statusCode).toBe(422);
    expect((await book(behindProxy, '10.0.0.1', '203.0.113.50')).statusCode).toBe(429);
    // Another client behind the same proxy has its own allowance.
    expect((await book(behindProxy, '10.0.0.1', '203.0.113.51')).statusCode).toBe(422);
    // Without TRUST_PROXY a forged header changes nothing: the socket address is counted.
    for (let i = 0; i < 30; i += 1) expect((await book(direct, '192.0.2.9', `198.51.100.${i}`)).statusCode).toBe(422);
    expect((await book(direct, '192.0.2.9', '198.51.100.250')).statusCode).toBe(429);
  });

  it('sends security headers, with a Content-Security-Policy, on API answers and the web app', async () => {
    for (const url of ['/api/errors', '/book/some-calendar']) {
      const response = await api.server.inject({ method: 'GET', url });
      expect(response.headers['content-security-policy']).toContain("default-src 'self'");
      expect(response.headers['content-security-policy']).toContain("script-src 'self'");
      expect(response.headers['content-security-policy']).not.toContain('upgrade-insecure-requests');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
      expect(response.headers['x-frame-options']).toBe('SAMEORIGIN');
      expect(response.headers['referrer-policy']).toBe('no-referrer');
    }
  });
});
