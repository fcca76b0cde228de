/**
 * Sync through a hostile network (SPEC §5 "server busy, timeouts, broken responses: retried with
 * backoff; nothing lost, nothing duplicated"). Tandem talks to Radicale through the fault-injecting
 * proxy; a scripted sequence of changes on both sides — events created, edited and deleted in the
 * calendars, appointments booked, rescheduled and cancelled in Tandem, appointment events moved and
 * deleted in the calendar — is interleaved with syncs and dispatches that may fail. Then the faults
 * stop, sync and dispatch run until a round changes nothing, and both sides must agree exactly.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncJobOutcome } from '../../../src/domain/sync/schedule.ts';
import { addCalendar, signUp, type Session } from '../../support/api.ts';
import { makeCalendar } from '../../support/caldav-fixtures.ts';
import { startFaultProxy, type FaultProxy, type FaultSettings } from '../../support/fault-proxy.ts';
import { startRadicale } from '../../support/radicale.ts';
import {
  PersonCalendar,
  appointmentEventUid,
  at,
  blockedSlots,
  bookAsStaff,
  connectAndConfigure,
  mondayAhead,
  pendingOutbox,
  plusDays,
  startSyncApp,
  syncSnapshot,
  type CalendarJson,
  type RemoteEvent,
  type ServerSide,
  type SyncApp,
} from '../../support/sync-journey.ts';
import { waitFor } from '../../support/wait-for.ts';

/**
 * Seeds choose which requests fail (FAULT_SEEDS=1,2,3 runs others). Background dispatches started
 * by the API interleave with the test's own calls, so a seed fixes the fault sequence, not the timing.
 */
const SEEDS = process.env.FAULT_SEEDS ? process.env.FAULT_SEEDS.split(',').map(Number) : [11, 2024, 90210];

/** ≈ 27 % of requests fail one way or another. */
const FAULTS: Omit<FaultSettings, 'seed'> = {
  dropConnection: 0.04,
  dropResponse: 0.05,
  http500: 0.05,
  http503: 0.05,
  retryAfterSeconds: 1,
  timeout: 0.015,
  truncateBody: 0.06,
};

const MAX_QUIET_ROUNDS = 10;

let radicale: Awaited<ReturnType<typeof startRadicale>>;
let proxy: FaultProxy;
let tandem: SyncApp;

beforeAll(async () => {
  radicale = await startRadicale();
  proxy = await startFaultProxy(radicale.baseUrl);
  // A short timeout: the proxy's held ("timeout") requests cost this much each.
  tandem = await startSyncApp({ kind: 'postgres', env: { CALDAV_TIMEOUT_MS: '1000' } });
});
afterAll(async () => {
  await tandem?.close();
  await proxy?.stop();
  await radicale?.stop();
});

/** Outbox rows a dispatcher holds right now. */
async function leasedOutbox(db: SyncApp['db']): Promise<number> {
  const row = await db
    .selectFrom('outbox')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('status', '=', 'pending')
    .where('leased_until', '>', new Date())
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

interface Expected {
  calendar: 'home' | 'work';
  summary: string;
  start: Date;
  end: Date;
}

describe('sync through a fault-injecting proxy (Radicale)', () => {
  it.each(SEEDS)('seed %i: after the faults stop, both sides converge with nothing lost and nothing duplicated', async (seed) => {
    const server: FastifyInstance = tandem.server;
    const db = tandem.db;
    const work = tandem.app.work;
    const auth = { username: radicale.username, password: radicale.password };
    await makeCalendar(auth, `${radicale.calendarHomeUrl}home-${seed}/`, { displayName: `Home ${seed}`, components: ['VEVENT'] });
    await makeCalendar(auth, `${radicale.calendarHomeUrl}work-${seed}/`, { displayName: `Work ${seed}`, components: ['VEVENT'] });
    const side: ServerSide = {
      name: 'Radicale behind the fault proxy',
      connect: { provider: 'caldav', serverUrl: proxy.url, username: radicale.username, password: radicale.password },
      primaryName: `Home ${seed}`,
      conflictName: `Work ${seed}`,
      direct: (url) => (url.startsWith(proxy.url) ? radicale.baseUrl + url.slice(proxy.url.length) : url),
      auth,
      requestCount: () => Object.values(proxy.counts).reduce((sum, n) => sum + n, 0),
      stop: async () => undefined,
    };

    proxy.clearFaults();
    const owner: Session = await signUp(server, { timezone: 'UTC' });
    const { primary, conflict } = await connectAndConfigure(server, owner, side);
    const booking = await addCalendar(server, owner, {
      type: 'round_robin',
      name: 'Session',
      durationMin: 30,
      members: [{ userId: owner.userId }],
    });
    const calendars: CalendarJson[] = [primary, conflict];
    for (const calendar of calendars) expect(await work.syncCalendar(calendar.id, 'incremental')).toMatchObject({ status: 'ok' });
    const home = new PersonCalendar(side, primary.url);
    const office = new PersonCalendar(side, conflict.url);
    const person = { home, work: office };

    const monday = mondayAhead(3);
    const tuesday = plusDays(monday, 1);
    const expected = new Map<string, Expected>();
    const outcomes: SyncJobOutcome['status'][] = [];
    const dispatchErrors: unknown[] = [];

    // ---- the two sides' actions -----------------------------------------------------------------
    const create = async (calendar: 'home' | 'work', uid: string, summary: string, startHour: number, hours = 1) => {
      const start = at(tuesday, startHour);
      const end = at(tuesday, startHour + hours);
      await person[calendar].put(uid, summary, start, end);
      expected.set(uid, { calendar, summary, start, end });
    };
    const edit = async (uid: string, startHour: number) => {
      const event = expected.get(uid)!;
      const start = at(tuesday, startHour);
      const end = new Date(start.getTime() + (event.end.getTime() - event.start.getTime()));
      await person[event.calendar].move(uid, start, end);
      expected.set(uid, { ...event, start, end });
    };
    const remove = async (uid: string) => {
      await person[expected.get(uid)!.calendar].delete(uid);
      expected.delete(uid);
    };
    const book = async (hour: number, name: string) => {
      const response = await bookAsStaff(server, owner, booking, at(monday, hour), {
        name,
        email: `${name.toLowerCase()}.${seed}@example.test`,
      });
      expect(response.statusCode, response.body).toBe(201);
      return response.json<{ appointment: { id: string } }>().appointment.id;
    };
    const reschedule = async (id: string, hour: number) => {
      const response = await server.inject({
        method: 'POST',
        url: `/api/appointments/${id}/reschedule`,
        headers: owner.headers,
        payload: { start: at(monday, hour).toISOString() },
      });
      expect(response.statusCode, response.body).toBe(200);
    };
    const cancel = async (id: string) => {
      const response = await server.inject({ method: 'POST', url: `/api/appointments/${id}/cancel`, headers: owner.headers });
      expect(response.statusCode, response.body).toBe(200);
    };
    /** Sync both calendars and dispatch, as the scheduler would; under faults any of it may fail. */
    const round = async () => {
      for (const calendar of calendars) outcomes.push((await work.syncCalendar(calendar.id, 'incremental')).status);
      try {
        await work.dispatchOutbox();
      } catch (error) {
        dispatchErrors.push(error);
      }
    };

    // ---- the script, faults on ----------------------------------------------------------------------
    proxy.resetCounts();
    proxy.setFaults({ seed, ...FAULTS });

    const a1 = await book(9, 'Ann');
    const a2 = await book(10, 'Bob');
    const a3 = await book(11, 'Cat');
    await round();
    await create('home', `r1-${seed}@example.com`, 'Dentist', 9);
    await create('home', `r2-${seed}@example.com`, 'Gym', 10);
    await create('home', `r3-${seed}@example.com`, 'Lunch', 11);
    await create('home', `r4-${seed}@example.com`, 'School run', 12);
    await create('work', `w1-${seed}@example.com`, 'Stand-up', 13);
    await create('work', `w2-${seed}@example.com`, 'Planning', 14);
    await round();
    await reschedule(a1, 13);
    await cancel(a2);
    await round();
    await edit(`r1-${seed}@example.com`, 15);
    await remove(`r2-${seed}@example.com`);
    await create('home', `r5-${seed}@example.com`, 'Physio', 16);
    await round();
    // The person moves an appointment's event in their calendar — if it has arrived yet.
    const a3Event = appointmentEventUid(a3);
    const a3Moved = (await home.get(a3Event)).status === 200;
    if (a3Moved) await home.move(a3Event, at(monday, 12), at(monday, 12, 30));
    await round();
    const a4 = await book(14, 'Dan');
    const a5 = await book(15, 'Eve');
    await round();
    await remove(`w1-${seed}@example.com`);
    await edit(`w2-${seed}@example.com`, 8);
    await round();
    // …and deletes another appointment's event.
    const a4Event = appointmentEventUid(a4);
    if ((await home.get(a4Event)).status === 200) await home.delete(a4Event);
    await round();
    await reschedule(a5, 16);
    await cancel(a1);
    await round();
    await round();

    const injected =
      proxy.counts.dropped +
      proxy.counts.responseDropped +
      proxy.counts.http500 +
      proxy.counts.http503 +
      proxy.counts.timeout +
      proxy.counts.truncated;
    expect(injected, JSON.stringify(proxy.counts)).toBeGreaterThan(3);
    // Network trouble is always "try again later", never "reconnect".
    expect(
      outcomes.every((o) => o === 'ok' || o === 'retry'),
      outcomes.join(','),
    ).toBe(true);
    expect(dispatchErrors).toEqual([]);

    // ---- faults off: sync and dispatch until a round changes nothing ----------------------------------
    proxy.clearFaults();
    let quiet = false;
    let previous = '';
    for (let i = 0; i < MAX_QUIET_ROUNDS && !quiet; i++) {
      // A dispatch the API started in the background (after a booking) may still hold rows under its
      // lease, e.g. waiting out a held request: it finishes them, and this round goes after it.
      await waitFor(async () => (await leasedOutbox(db)) === 0, 'background dispatches to finish', 15_000);
      // Time passes: rows backing off after failures are due now.
      await db.updateTable('outbox').set({ not_before: new Date() }).where('status', '=', 'pending').execute();
      const results = [];
      for (const calendar of calendars) results.push(await work.syncCalendar(calendar.id, 'incremental'));
      await work.dispatchOutbox();
      const snapshot = await syncSnapshot(db);
      quiet = results.every((r) => r.status === 'ok') && (await pendingOutbox(db)) === 0 && snapshot === previous;
      previous = snapshot;
    }
    expect(quiet, 'sync + dispatch reached a round that changed nothing').toBe(true);
    expect(
      await db.selectFrom('outbox').select(['appointment_id', 'status', 'last_error']).where('status', '=', 'failed').execute(),
    ).toEqual([]);

    // ---- both sides agree --------------------------------------------------------------------------
    const onServer: Record<'home' | 'work', RemoteEvent[]> = { home: await home.events(), work: await office.events() };
    for (const events of Object.values(onServer)) {
      const uids = events.map((e) => e.uid);
      expect(new Set(uids).size, `duplicate UIDs: ${uids.join(', ')}`).toBe(uids.length);
    }

    const appointments = await db
      .selectFrom('appointments')
      .select(['id', 'start_at', 'end_at', 'status', 'removed_from_remote'])
      .where('calendar_id', '=', booking)
      .execute();
    expect(appointments).toHaveLength(5);
    const ours = new Set<string>();
    for (const appointment of appointments) {
      const events = onServer.home.filter((e) => e.uid === appointmentEventUid(appointment.id));
      if (appointment.status === 'cancelled' || appointment.removed_from_remote) {
        expect(events, `appointment ${appointment.id} (${appointment.status}) has no event`).toEqual([]);
        continue;
      }
      ours.add(appointmentEventUid(appointment.id));
      expect(events, `appointment ${appointment.id} has exactly one event`).toHaveLength(1);
      expect([events[0]!.start, events[0]!.end], `appointment ${appointment.id} event at its time`).toEqual([
        appointment.start_at,
        appointment.end_at,
      ]);
    }
    const byId = new Map(appointments.map((a) => [a.id, a]));
    expect([byId.get(a1)?.status, byId.get(a2)?.status]).toEqual(['cancelled', 'cancelled']);
    expect(byId.get(a5)).toMatchObject({ status: 'confirmed', start_at: at(monday, 16) });
    // The move made in the calendar was followed (unless the person's copy was then found deleted).
    if (a3Moved && !byId.get(a3)?.removed_from_remote) expect(byId.get(a3)?.start_at).toEqual(at(monday, 12));

    // Every other event on the server is an imported blocked slot, at its current time — and nothing else is.
    const importedRows = await db
      .selectFrom('remote_items as r')
      .innerJoin('imported_occurrences as o', 'o.remote_item_id', 'r.id')
      .select(['r.remote_calendar_id', 'r.uid', 'o.start_at', 'o.end_at', 'o.summary', 'o.blocks'])
      .where('r.remote_calendar_id', 'in', [primary.id, conflict.id])
      .execute();
    const imported = importedRows
      .map((r) => [
        r.remote_calendar_id === primary.id ? 'home' : 'work',
        r.uid,
        r.summary,
        r.start_at.toISOString(),
        r.end_at.toISOString(),
        r.blocks,
      ])
      .sort();
    const remoteOthers = (['home', 'work'] as const)
      .flatMap((calendar) =>
        onServer[calendar]
          .filter((e) => !ours.has(e.uid))
          .map((e) => [calendar, e.uid, e.summary, e.start.toISOString(), e.end.toISOString(), true]),
      )
      .sort();
    const script = [...expected].map(([uid, e]) => [e.calendar, uid, e.summary, e.start.toISOString(), e.end.toISOString(), true]).sort();
    expect(remoteOthers).toEqual(script);
    expect(imported).toEqual(script);
    // Our own events are never imported as blocked slots.
    const appointmentItems = await db
      .selectFrom('remote_items')
      .select(['uid', 'kind'])
      .where('remote_calendar_id', '=', primary.id)
      .where('uid', 'in', [...ours].length ? [...ours] : ['-'])
      .execute();
    expect(appointmentItems.every((i) => i.kind === 'appointment')).toBe(true);

    // And the API shows the same: Tuesday's imported slots are exactly the events still there.
    const slots = (await blockedSlots(server, owner, tuesday)).filter((b) => b.source === 'imported');
    expect(slots.map((b) => [b.title, b.start, b.end]).sort()).toEqual(script.map((e) => [e[2], e[3], e[4]]).sort());
  });
});
