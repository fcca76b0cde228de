/**
 * A new user's whole iCloud journey through the HTTP API (SPEC §3–5), against the iCloud emulator,
 * Radicale and Xandikos: connect → choose a primary and a conflict calendar → events made on the
 * server block time → bookings reach the primary calendar → edits and deletions in the calendar
 * flow back → an idle poll is one request → a revoked password is shown and recovered from.
 *
 * Syncs run as the scheduler would run them (app.work) or through "Sync now"; the person's own
 * edits go straight to the server, outside Tandem.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendar, signUp, type Session } from '../../support/api.ts';
import { makeCalendar } from '../../support/caldav-fixtures.ts';
import { startFaultProxy } from '../../support/fault-proxy.ts';
import { startICloudEmulator, type ICloudEmulator } from '../../support/icloud-emulator.ts';
import { startRadicale } from '../../support/radicale.ts';
import {
  PersonCalendar,
  appointmentEventUid,
  at,
  blockedSlots,
  bookPublicly,
  connectAndConfigure,
  getAppointment,
  mondayAhead,
  pendingOutbox,
  property,
  publicSlotStarts,
  settleOutbox,
  startSyncApp,
  syncStatus,
  unfold,
  type CalendarJson,
  type ServerSide,
  type SyncApp,
} from '../../support/sync-journey.ts';
import { waitFor } from '../../support/wait-for.ts';
import { startXandikos } from '../../support/xandikos.ts';

interface Setup {
  side: ServerSide;
  /** Extra Tandem configuration (the emulator's discovery URL). */
  env: Record<string, string>;
  /** Present where the server can be made to refuse the password (401). */
  revoke?: (refusing: boolean) => void;
}

function describeJourney(name: string, start: () => Promise<Setup>, options: { revocable: boolean }): void {
  describe(`sync journey through the API on ${name}`, () => {
    let setup: Setup;
    let tandem: SyncApp;
    let owner: Session;
    let primary: CalendarJson;
    let conflict: CalendarJson;
    let connectionId: string;
    let home: PersonCalendar;
    let work: PersonCalendar;
    let roundRobin: string;
    const day = mondayAhead(3);
    const contactEmail = `ann.lee.${name.replace(/\W+/g, '-').toLowerCase()}@example.test`;
    /** The appointment whose event the person moves, then deletes. */
    let movedId = '';

    beforeAll(async () => {
      setup = await start();
      tandem = await startSyncApp({ env: setup.env });
      owner = await signUp(tandem.server, { timezone: 'UTC' });
    });
    afterAll(async () => {
      await tandem?.close();
      await setup?.side.stop();
    });

    const sync = async (calendar: CalendarJson) =>
      expect(await tandem.app.work.syncCalendar(calendar.id, 'incremental')).toMatchObject({ status: 'ok' });
    const slots = () => publicSlotStarts(tandem.server, roundRobin, day);
    const iso = (hour: number, minute = 0) => at(day, hour, minute).toISOString();

    it('connects, takes a primary and a conflict calendar, imports them, and writes the bookings made before connecting', async () => {
      // A new user's order of things: a booking page first, a client books, then iCloud is connected.
      roundRobin = await addCalendar(tandem.server, owner, {
        type: 'round_robin',
        name: 'Consultation',
        members: [{ userId: owner.userId }],
        location: 'Studio 4',
      });
      const earlier = await bookPublicly(tandem.server, owner, roundRobin, at(day, 16, 30), {
        name: 'Early Bird',
        email: `early.${contactEmail}`,
      });
      await settleOutbox(tandem.app);

      const configured = await connectAndConfigure(tandem.server, owner, setup.side);
      ({ primary, conflict } = configured);
      connectionId = configured.connection.id;
      expect(primary.writable).toBe(true);
      home = new PersonCalendar(setup.side, primary.url);
      work = new PersonCalendar(setup.side, conflict.url);
      await sync(primary);
      await sync(conflict);
      await settleOutbox(tandem.app);
      const written = await home.get(appointmentEventUid(earlier));
      expect(written.status, 'a booking made before iCloud was connected reaches the primary calendar').toBe(200);
      expect(property(written.body, 'SUMMARY')).toBe('Consultation with Early Bird');
      const status = await syncStatus(tandem.server, owner);
      // Ordered by display name: Home, Work.
      expect(status.map((s) => [s.calendarId, s.role, s.connectionStatus, s.lastError])).toEqual([
        [primary.id, 'primary', 'active', null],
        [conflict.id, 'conflict', 'active', null],
      ]);
      for (const calendar of status) expect(calendar.lastSyncedAt).not.toBeNull();
      expect(await slots()).toContain(iso(9));
    });

    it('an event created in the primary calendar blocks its slot after one sync, shown as an imported blocked slot', async () => {
      // Another event of the person's, on another day: deleting the dentist later must not look like an emptied calendar.
      await home.put('gym@example.com', 'Gym', at(day, 24 + 7), at(day, 24 + 8));
      // The run that sees a change says so (the calendar is then polled fast); the next, idle, does not.
      expect(await tandem.app.work.syncCalendar(primary.id, 'incremental')).toEqual({ status: 'ok', changed: true });
      expect(await tandem.app.work.syncCalendar(primary.id, 'incremental')).toEqual({ status: 'ok' });
      const contactsBefore = await tandem.db.selectFrom('contacts').select('email').orderBy('email').execute();
      await home.put('dentist@example.com', 'Dentist', at(day, 9), at(day, 10), ['ATTENDEE;CN=Dr Molar:mailto:molar@dentist.example']);
      await sync(primary);
      const offered = await slots();
      expect(offered).not.toContain(iso(9));
      expect(offered).not.toContain(iso(9, 30));
      expect(offered).toContain(iso(10, 30));
      const blocked = await blockedSlots(tandem.server, owner, day);
      expect(blocked.map((b) => [b.source, b.remoteCalendarId, b.title, b.start, b.end, b.blocks])).toEqual([
        ['imported', primary.id, 'Dentist', iso(9), iso(10), true],
      ]);
      // An iCloud event never makes a contact, attendees or not.
      expect(await tandem.db.selectFrom('contacts').select('email').orderBy('email').execute()).toEqual(contactsBefore);
    });

    it('an event in the conflict calendar blocks too; one marked free (TRANSP:TRANSPARENT) is shown but does not block', async () => {
      await work.put('standup@example.com', 'Team stand-up', at(day, 10), at(day, 10, 30));
      await work.put('lunch@example.com', 'Lunch (free)', at(day, 11), at(day, 12), ['TRANSP:TRANSPARENT']);
      await sync(conflict);
      const offered = await slots();
      expect(offered).not.toContain(iso(10));
      expect(offered).toContain(iso(11));
      expect(offered).toContain(iso(11, 30));
      const blocked = (await blockedSlots(tandem.server, owner, day)).filter((b) => b.remoteCalendarId === conflict.id);
      expect(blocked.map((b) => [b.source, b.title, b.start, b.blocks])).toEqual([
        ['imported', 'Team stand-up', iso(10), true],
        ['imported', 'Lunch (free)', iso(11), false],
      ]);
    });

    it('a Round Robin booking appears in the primary calendar after dispatch: stable UID, title, no invitations, the contact in the description', async () => {
      const id = await bookPublicly(tandem.server, owner, roundRobin, at(day, 13), { name: 'Ann Lee', email: contactEmail });
      movedId = id;
      await settleOutbox(tandem.app);
      const uid = appointmentEventUid(id);
      const event = await home.get(uid);
      expect(event.status).toBe(200);
      const text = unfold(event.body);
      expect(property(text, 'UID')).toBe(`tandem-${id}@tandem`);
      expect(property(text, 'SUMMARY')).toBe('Consultation with Ann Lee');
      expect(property(text, 'DTSTART')).toBe(iso(13).replace(/[-:]/g, '').replace('.000', ''));
      expect(property(text, 'DESCRIPTION')).toContain(contactEmail);
      expect(property(text, 'LOCATION')).toBe('Studio 4');
      expect(text).not.toMatch(/^(ATTENDEE|ORGANIZER)[;:]/m);
      // Our own event, read back by the next sync, is the appointment — not an imported blocked slot.
      await sync(primary);
      expect((await blockedSlots(tandem.server, owner, day)).map((b) => b.title)).not.toContain('Consultation with Ann Lee');
      expect(await getAppointment(tandem.server, owner, id)).toMatchObject({
        start: iso(13),
        status: 'confirmed',
        removedFromICloud: false,
      });
    });

    it('moving that event in the calendar moves the appointment', async () => {
      const id = movedId;
      await home.move(appointmentEventUid(id), at(day, 15), at(day, 15, 30));
      await sync(primary);
      expect(await getAppointment(tandem.server, owner, id)).toMatchObject({
        start: iso(15),
        end: iso(15, 30),
        status: 'confirmed',
        overlapFlagged: false,
      });
      const offered = await slots();
      expect(offered).toContain(iso(13));
      expect(offered).not.toContain(iso(15));
    });

    it('deleting it in the calendar keeps the appointment, marked removed from iCloud, and no dispatch recreates it', async () => {
      const id = movedId;
      const uid = appointmentEventUid(id);
      await home.delete(uid);
      await sync(primary);
      expect(await getAppointment(tandem.server, owner, id)).toMatchObject({
        start: iso(15),
        status: 'confirmed',
        removedFromICloud: true,
      });
      // The daily reconciliation and further dispatches leave it deleted.
      expect(await tandem.app.work.syncCalendar(primary.id, 'full')).toMatchObject({ status: 'ok' });
      await tandem.app.work.dispatchOutbox();
      await settleOutbox(tandem.app);
      expect((await home.get(uid)).status).toBe(404);
      expect(await getAppointment(tandem.server, owner, id)).toMatchObject({ status: 'confirmed', removedFromICloud: true });
      // Still the client's booking: its time stays taken.
      expect(await slots()).not.toContain(iso(15));
    });

    it('deleting an imported event in the calendar frees its slot', async () => {
      await home.delete('dentist@example.com');
      await sync(primary);
      const offered = await slots();
      expect(offered).toContain(iso(9));
      expect(offered).toContain(iso(9, 30));
      expect((await blockedSlots(tandem.server, owner, day)).map((b) => b.title)).not.toContain('Dentist');
    });

    it('cancelling an appointment in Tandem deletes its event', async () => {
      const id = await bookPublicly(tandem.server, owner, roundRobin, at(day, 14), { name: 'Bo Chan', email: `bo.${contactEmail}` });
      await settleOutbox(tandem.app);
      const uid = appointmentEventUid(id);
      expect((await home.get(uid)).status).toBe(200);
      const cancelled = await tandem.server.inject({ method: 'POST', url: `/api/appointments/${id}/cancel`, headers: owner.headers });
      expect(cancelled.statusCode, cancelled.body).toBe(200);
      await settleOutbox(tandem.app);
      expect((await home.get(uid)).status).toBe(404);
      await sync(primary);
      expect(await getAppointment(tandem.server, owner, id)).toMatchObject({ status: 'cancelled' });
    });

    it("a Simple calendar's booking is never pushed", async () => {
      const simple = await addCalendar(tandem.server, owner, { type: 'simple', name: 'Quick chat', members: [{ userId: owner.userId }] });
      const id = await bookPublicly(tandem.server, owner, simple, at(day, 16), { name: 'Cy Dee', email: `cy.${contactEmail}` });
      await settleOutbox(tandem.app);
      const rows = await tandem.db.selectFrom('outbox').select('id').where('appointment_id', '=', id).execute();
      expect(rows).toEqual([]);
      expect((await home.get(appointmentEventUid(id))).status).toBe(404);
      const uids = (await home.events()).map((e) => e.uid);
      expect(uids.some((uid) => uid.includes(id))).toBe(false);
    });

    it('an idle sync costs exactly one HTTP request', async () => {
      await settleOutbox(tandem.app);
      await sync(primary);
      const before = setup.side.requestCount();
      await sync(primary);
      expect(setup.side.requestCount() - before).toBe(1);
      const beforeConflict = setup.side.requestCount();
      await sync(conflict);
      expect(setup.side.requestCount() - beforeConflict).toBe(1);
    });

    it('"Sync now" syncs and the status shows when, with no error', async () => {
      const [before] = (await syncStatus(tandem.server, owner)).filter((s) => s.calendarId === primary.id);
      expect(before?.lastSyncedAt).not.toBeNull();
      const response = await tandem.server.inject({
        method: 'POST',
        url: `/api/remote-calendars/${primary.id}/sync`,
        headers: owner.headers,
      });
      expect(response.statusCode, response.body).toBe(202);
      const after = await waitFor(async () => {
        const [status] = (await syncStatus(tandem.server, owner)).filter((s) => s.calendarId === primary.id);
        return status && status.lastSyncedAt !== null && status.lastSyncedAt > (before?.lastSyncedAt ?? '') ? status : undefined;
      }, 'Sync now to finish');
      expect(after).toMatchObject({ connectionStatus: 'active', lastError: null, warning: null, importProgress: null });
      expect(after.lagSeconds).toBeGreaterThanOrEqual(0);
    });

    it('a calendar that suddenly lists nothing keeps its slots, with a visible warning, until it refills', async () => {
      await work.delete('standup@example.com');
      await work.delete('lunch@example.com');
      await sync(conflict);
      expect(await slots()).not.toContain(iso(10));
      const [guarded] = (await syncStatus(tandem.server, owner)).filter((s) => s.calendarId === conflict.id);
      expect(guarded?.warning).toMatch(/lists nothing/);
      expect(guarded?.lastError).toBeNull();
      // A new event: the calendar is evidently not wiped, so the deletions are applied with it.
      await work.put('review@example.com', 'Review', at(day, 10), at(day, 10, 30));
      await sync(conflict);
      const [refilled] = (await syncStatus(tandem.server, owner)).filter((s) => s.calendarId === conflict.id);
      expect(refilled?.warning).toBeNull();
      const blocked = (await blockedSlots(tandem.server, owner, day)).filter((b) => b.remoteCalendarId === conflict.id);
      expect(blocked.map((b) => [b.title, b.start, b.blocks])).toEqual([['Review', iso(10), true]]);
      expect(await slots()).toContain(iso(11));
    });

    it('a user who confirms the calendar really is empty gets its imported events removed', async () => {
      await work.delete('review@example.com');
      await sync(conflict);
      const [guarded] = (await syncStatus(tandem.server, owner)).filter((s) => s.calendarId === conflict.id);
      expect(guarded?.warning).toMatch(/lists nothing/);
      expect((await blockedSlots(tandem.server, owner, day)).filter((b) => b.remoteCalendarId === conflict.id)).toHaveLength(1);
      const confirmed = await tandem.server.inject({
        method: 'POST',
        url: `/api/remote-calendars/${conflict.id}/confirm-empty`,
        headers: owner.headers,
      });
      expect(confirmed.statusCode, confirmed.body).toBe(202);
      await sync(conflict);
      const [emptied] = (await syncStatus(tandem.server, owner)).filter((s) => s.calendarId === conflict.id);
      expect(emptied?.warning).toBeNull();
      expect((await blockedSlots(tandem.server, owner, day)).filter((b) => b.remoteCalendarId === conflict.id)).toEqual([]);
      expect(await slots()).toContain(iso(10));
      // Leave the calendar as the steps after this one expect it: one busy event.
      await work.put('review@example.com', 'Review', at(day, 10), at(day, 10, 30));
      await sync(conflict);
      expect(await slots()).not.toContain(iso(10));
    });

    if (options.revocable) {
      it('a revoked password (401) marks the connection "needs reconnect", deletes nothing, and reconnecting resumes sync', async () => {
        const revoke = setup.revoke!;
        const blockedBefore = await blockedSlots(tandem.server, owner, day);
        expect(blockedBefore.length).toBeGreaterThan(0);
        try {
          revoke(true);
          const response = await tandem.server.inject({
            method: 'POST',
            url: `/api/remote-calendars/${primary.id}/sync`,
            headers: owner.headers,
          });
          expect(response.statusCode).toBe(202);
          const status = await waitFor(async () => {
            const [s] = (await syncStatus(tandem.server, owner)).filter((c) => c.calendarId === primary.id);
            return s?.connectionStatus === 'needs_reconnect' ? s : undefined;
          }, 'the connection to need reconnecting');
          expect(status.lastError?.code).toBe('icloud_auth_failed');
          // Polling stops until the user reconnects.
          expect(status.nextSyncAt).toBeNull();
          expect(status.lastError?.message).toMatch(/app-specific password/);
          // The most common reason sync "just stops": a new Apple ID password revoked every app-specific one.
          expect(status.lastError?.message).toMatch(/Apple ID password revokes every app-specific password/);
          // Nothing was deleted: imported slots and appointments are all still there.
          expect(await blockedSlots(tandem.server, owner, day)).toEqual(blockedBefore);
          expect(await getAppointment(tandem.server, owner, movedId)).toMatchObject({ status: 'confirmed', start: iso(15) });
          expect(await slots()).not.toContain(iso(10));
          // A booking made meanwhile waits for the connection (parked, not lost).
          const waiting = await bookPublicly(tandem.server, owner, roundRobin, at(day, 12), {
            name: 'Di Eve',
            email: `di.${contactEmail}`,
          });
          await settleOutbox(tandem.app);
          expect((await home.get(appointmentEventUid(waiting))).status).toBe(404);
          expect(await tandem.db.selectFrom('outbox').select('status').where('appointment_id', '=', waiting).execute()).toEqual([
            { status: 'failed' },
          ]);
          revoke(false);
          const password = setup.side.connect.provider === 'icloud' ? setup.side.connect.appSpecificPassword : '';
          const reconnected = await tandem.server.inject({
            method: 'POST',
            url: `/api/connections/${connectionId}/reauthenticate`,
            headers: owner.headers,
            payload: { appSpecificPassword: password },
          });
          expect(reconnected.statusCode, reconnected.body).toBe(200);
          expect(reconnected.json<{ status: string }>().status).toBe('active');
          await sync(primary);
          await settleOutbox(tandem.app);
          expect(await pendingOutbox(tandem.db)).toBe(0);
          const [after] = (await syncStatus(tandem.server, owner)).filter((c) => c.calendarId === primary.id);
          expect(after).toMatchObject({ connectionStatus: 'active' });
          // The booking made while the password was revoked reaches the calendar after reconnecting.
          expect((await home.get(appointmentEventUid(waiting))).status).toBe(200);
        } finally {
          revoke(false);
        }
      });
    }
  });
}

describeJourney(
  'the iCloud emulator',
  async () => {
    const emulator: ICloudEmulator = await startICloudEmulator();
    return {
      env: emulator.appEnv,
      side: {
        name: 'iCloud emulator',
        connect: { provider: 'icloud', email: emulator.appleId, appSpecificPassword: emulator.appPassword },
        primaryName: 'Home',
        conflictName: 'Work',
        // The person's edits go to the store behind the emulator, as iCloud's own apps would: not in requestLog.
        direct: (url) => emulator.radicaleUrlFor(url),
        auth: { username: emulator.radicale.username, password: emulator.radicale.password },
        requestCount: () => emulator.requestLog.length,
        stop: () => emulator.stop(),
      },
      revoke: (refusing) => emulator.setFault(refusing ? { kind: 'unauthorized' } : { kind: 'none' }),
    };
  },
  { revocable: true },
);

/** A plain CalDAV server behind a pass-through proxy: Tandem's requests are counted there. */
async function countedCalDav(
  name: string,
  server: { baseUrl: string; username: string; password: string; calendarHomeUrl: string; stop(): Promise<void> },
): Promise<Setup> {
  const auth = { username: server.username, password: server.password };
  await makeCalendar(auth, `${server.calendarHomeUrl}home/`, {
    displayName: 'Home',
    ...(name === 'Radicale' ? { components: ['VEVENT' as const] } : {}),
  });
  await makeCalendar(auth, `${server.calendarHomeUrl}work/`, {
    displayName: 'Work',
    ...(name === 'Radicale' ? { components: ['VEVENT' as const] } : {}),
  });
  const proxy = await startFaultProxy(server.baseUrl);
  return {
    env: {},
    side: {
      name,
      connect: { provider: 'caldav', serverUrl: proxy.url, username: server.username, password: server.password },
      primaryName: 'Home',
      conflictName: 'Work',
      direct: (url) => (url.startsWith(proxy.url) ? server.baseUrl + url.slice(proxy.url.length) : url),
      auth,
      requestCount: () => Object.values(proxy.counts).reduce((sum, n) => sum + n, 0),
      async stop() {
        await proxy.stop();
        await server.stop();
      },
    },
  };
}

// Neither can revoke a password mid-test (Xandikos has no authentication at all): the 401 path runs on the emulator.
describeJourney('Radicale', async () => countedCalDav('Radicale', await startRadicale()), { revocable: false });
describeJourney('Xandikos', async () => countedCalDav('Xandikos', await startXandikos()), { revocable: false });
