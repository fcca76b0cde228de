import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendar, addMember, signUp, startTestApi, type Session, type TestApi } from '../../support/api.ts';

/** Team management through the API: roles, removal, invitation links, overrides and API tokens — each scoped to its workspace. */
describe('team routes', () => {
  let api: TestApi;
  let owner: Session;
  let other: Session;

  beforeAll(async () => {
    api = await startTestApi('pglite');
    owner = await signUp(api.server);
    other = await signUp(api.server);
  });
  afterAll(async () => api?.close());

  const call = (session: Session | null, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    api.server.inject({
      method,
      url,
      ...(session && { headers: session.headers }),
      ...(payload !== undefined && { payload: payload as Record<string, unknown> }),
    });

  it("changes a member's role; the owner's role is fixed; another workspace gets 404", async () => {
    const memberId = await addMember(api.server, owner);
    const promoted = await call(owner, 'PUT', `/api/users/${memberId}/role`, { role: 'admin' });
    expect(promoted.statusCode, promoted.body).toBe(200);
    expect(promoted.json()).toMatchObject({ id: memberId, role: 'admin' });
    expect((await call(owner, 'PUT', `/api/users/${owner.userId}/role`, { role: 'member' })).json()).toMatchObject({
      error: { code: 'owner_role_fixed' },
    });
    expect((await call(other, 'PUT', `/api/users/${memberId}/role`, { role: 'member' })).statusCode).toBe(404);
  });

  it('refuses to remove a calendar member, then removes them once off the calendar', async () => {
    const memberId = await addMember(api.server, owner);
    const calendarId = await addCalendar(api.server, owner, { type: 'simple', members: [{ userId: memberId }] });
    const refused = await call(owner, 'DELETE', `/api/users/${memberId}`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: { code: 'user_hosts_calendars' } });
    expect((await call(other, 'DELETE', `/api/users/${memberId}`)).statusCode).toBe(404);
    expect((await call(owner, 'DELETE', `/api/calendars/${calendarId}`)).statusCode).toBe(204);
    expect((await call(owner, 'DELETE', `/api/users/${memberId}`)).statusCode).toBe(204);
    expect((await call(owner, 'GET', `/api/users/${memberId}`)).statusCode).toBe(404);
    expect((await call(owner, 'DELETE', `/api/users/${owner.userId}`)).json()).toMatchObject({ error: { code: 'owner_role_fixed' } });
  });

  it('an invitation link sets the password once, is stored hashed, and expires', async () => {
    const memberId = await addMember(api.server, owner);
    const member = (await call(owner, 'GET', `/api/users/${memberId}`)).json<{ email: string }>();
    expect((await call(other, 'POST', `/api/users/${memberId}/invite`)).statusCode).toBe(404);
    const invited = await call(owner, 'POST', `/api/users/${memberId}/invite`);
    expect(invited.statusCode, invited.body).toBe(201);
    const { url } = invited.json<{ url: string }>();
    const token = url.split('#')[1]!;
    expect(url).toMatch(/\/app\/invite#tdi_/);
    const stored = await api.app.database.db.selectFrom('invites').select('token_hash').where('user_id', '=', memberId).execute();
    expect(stored).toHaveLength(1);
    expect(stored[0]!.token_hash).not.toContain(token);

    const accepted = await call(null, 'POST', '/api/invites/accept', { token, password: 'a new long password' });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toEqual({ email: member.email });
    expect((await call(null, 'POST', '/api/auth/sign-in', { email: member.email, password: 'a new long password' })).statusCode).toBe(200);
    expect((await call(null, 'POST', '/api/invites/accept', { token, password: 'another long password' })).json()).toMatchObject({
      error: { code: 'invite_invalid' },
    });

    const second = (await call(owner, 'POST', `/api/users/${memberId}/invite`)).json<{ url: string }>().url.split('#')[1]!;
    api.clock.now = new Date(api.clock.now.getTime() + 8 * 86_400_000);
    try {
      const expired = await call(null, 'POST', '/api/invites/accept', { token: second, password: 'another long password' });
      expect(expired.statusCode).toBe(410);
    } finally {
      api.clock.now = new Date(api.clock.now.getTime() - 8 * 86_400_000);
    }
  });

  it('lists date overrides and API tokens of the caller only; a revoked token stops working', async () => {
    expect((await call(owner, 'PUT', `/api/users/${owner.userId}/overrides/2026-12-24`, { ranges: [] })).statusCode).toBe(204);
    expect(
      (await call(owner, 'PUT', `/api/users/${owner.userId}/overrides/2026-12-27`, { ranges: [{ start: '10:00', end: '12:00' }] }))
        .statusCode,
    ).toBe(204);
    expect((await call(owner, 'GET', `/api/users/${owner.userId}/overrides?from=2026-12-01`)).json()).toEqual([
      { date: '2026-12-24', ranges: [] },
      { date: '2026-12-27', ranges: [{ start: '10:00', end: '12:00' }] },
    ]);
    expect((await call(other, 'GET', `/api/users/${owner.userId}/overrides`)).statusCode).toBe(404);

    const created = (await call(owner, 'POST', '/api/tokens', { name: 'Zapier' })).json<{ id: string; token: string }>();
    const listed = await call(owner, 'GET', '/api/tokens');
    expect(listed.json()).toEqual([{ id: created.id, name: 'Zapier', createdAt: expect.any(String), lastUsedAt: null }]);
    expect(listed.body).not.toContain(created.token);
    expect((await call(other, 'GET', '/api/tokens')).json()).toEqual([]);
    expect((await call(other, 'DELETE', `/api/tokens/${created.id}`)).statusCode).toBe(404);
    expect(
      (await api.server.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${created.token}` } })).statusCode,
    ).toBe(200);
    expect((await call(owner, 'DELETE', `/api/tokens/${created.id}`)).statusCode).toBe(204);
    expect(
      (await api.server.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${created.token}` } })).statusCode,
    ).toBe(401);
  });
});
