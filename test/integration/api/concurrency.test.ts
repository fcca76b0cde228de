import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendar, addMember, contact, signUp, startTestApi, type Session, type TestApi } from '../../support/api.ts';

/**
 * The no-double-booking guarantee under real contention: many clients racing for one slot through
 * the HTTP API of a listening server, on real PostgreSQL (PGlite has one connection and cannot race).
 */
describe('concurrent bookings on real PostgreSQL', () => {
  let api: TestApi;
  let owner: Session;
  let baseUrl: string;
  const ATTEMPTS = 60;

  beforeAll(async () => {
    // 60 simultaneous bookings from one address is the point here, not abuse: limits off (tested in rate-limits.test.ts).
    api = await startTestApi('postgres', { poolSize: 30, env: { TANDEM_RATE_LIMITS: 'off' } });
    owner = await signUp(api.server);
    await api.server.listen({ port: 0, host: '127.0.0.1' });
    const address = api.server.server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    baseUrl = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => api?.close());

  async function race(calendarId: string, start: string, headers: (i: number) => Record<string, string> = () => ({})) {
    const responses = await Promise.all(
      Array.from({ length: ATTEMPTS }, async (_, i) => {
        const response = await fetch(`${baseUrl}/api/public/calendars/${calendarId}/bookings`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers(i) },
          body: JSON.stringify({ start, contact: contact(`race-${calendarId.slice(0, 8)}-${i}`) }),
        });
        return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
      }),
    );
    const won = responses.filter((r) => r.status === 201);
    const lost = responses.filter((r) => r.status !== 201);
    return { won, lost };
  }

  async function liveAssignments(calendarId: string) {
    return api.app.database.db
      .selectFrom('appointment_assignees as aa')
      .innerJoin('appointments as a', 'a.id', 'aa.appointment_id')
      .select(['aa.user_id', 'a.id', 'a.seats_taken'])
      .where('a.calendar_id', '=', calendarId)
      .where('aa.status', '=', 'confirmed')
      .execute();
  }

  it('lets exactly one of many clients book a one-to-one slot; the rest get 409 slot_taken', async () => {
    const calendarId = await addCalendar(api.server, owner, { type: 'simple', members: [{ userId: owner.userId }] });
    const { won, lost } = await race(calendarId, '2026-11-24T10:00:00Z');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(ATTEMPTS - 1);
    for (const response of lost)
      expect(response).toEqual({ status: 409, body: { error: { code: 'slot_taken', message: expect.any(String) } } });
    expect(await liveAssignments(calendarId)).toHaveLength(1);
  });

  it('fills a 3-seat class with exactly three bookings', async () => {
    const calendarId = await addCalendar(api.server, owner, {
      type: 'class',
      seats: 3,
      durationMin: 60,
      members: [{ userId: owner.userId }],
    });
    const { won, lost } = await race(calendarId, '2026-11-24T14:00:00Z');
    expect(won).toHaveLength(3);
    for (const response of lost)
      expect(response).toEqual({ status: 409, body: { error: { code: 'slot_taken', message: expect.any(String) } } });
    const sessions = await liveAssignments(calendarId);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]?.seats_taken).toBe(3);
    const attendees = await api.app.database.db
      .selectFrom('attendees')
      .select('id')
      .where('appointment_id', '=', sessions[0]!.id)
      .where('status', '=', 'confirmed')
      .execute();
    expect(attendees).toHaveLength(3);
  });

  it('books a collective slot once, holding every member', async () => {
    const member = await addMember(api.server, owner);
    const calendarId = await addCalendar(api.server, owner, {
      type: 'collective',
      members: [{ userId: owner.userId }, { userId: member }],
    });
    const { won, lost } = await race(calendarId, '2026-11-25T10:00:00Z');
    expect(won).toHaveLength(1);
    for (const response of lost) expect(response.body.error?.code).toBe('slot_taken');
    expect((await liveAssignments(calendarId)).map((a) => a.user_id).sort()).toEqual([owner.userId, member].sort());
  });

  it('books a Round Robin slot once per free member, never twice for one member', async () => {
    const a = await addMember(api.server, owner);
    const b = await addMember(api.server, owner);
    const calendarId = await addCalendar(api.server, owner, { type: 'round_robin', members: [{ userId: a }, { userId: b }] });
    const { won, lost } = await race(calendarId, '2026-11-26T10:00:00Z');
    expect(won).toHaveLength(2);
    for (const response of lost) expect(response.body.error?.code).toBe('slot_taken');
    expect((await liveAssignments(calendarId)).map((x) => x.user_id).sort()).toEqual([a, b].sort());
  });

  it('turns concurrent retries with one Idempotency-Key into one booking and one answer', async () => {
    const calendarId = await addCalendar(api.server, owner, { type: 'simple', members: [{ userId: owner.userId }] });
    const responses = await Promise.all(
      Array.from({ length: 20 }, () =>
        fetch(`${baseUrl}/api/public/calendars/${calendarId}/bookings`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': 'same-key' },
          body: JSON.stringify({ start: '2026-11-27T10:00:00Z', contact: contact('idem-race') }),
        }).then(async (r) => ({ status: r.status, body: await r.text() })),
      ),
    );
    expect(new Set(responses.map((r) => r.status))).toEqual(new Set([201]));
    expect(new Set(responses.map((r) => r.body)).size).toBe(1);
    expect(await liveAssignments(calendarId)).toHaveLength(1);
  });
});
