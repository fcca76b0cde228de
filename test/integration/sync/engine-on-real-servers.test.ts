/**
 * The sync engine on real parts: the PostgreSQL store (on PGlite) and the CalDAV RemoteCalendar,
 * against Radicale and the iCloud emulator. A person's edits happen on the server side, outside
 * the client under test; every SPEC §5 row exercised here is checked in the database afterwards.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTransport, scopeForUrl, type CredentialScope, type RequestEvent } from '../../../src/caldav/index.ts';
import { appointmentEventUid } from '../../../src/domain/sync/appointment-uid.ts';
import { defaultSyncWindow } from '../../../src/domain/sync/sync-window.ts';
import { createCalDavRemoteCalendar } from '../../../src/services/sync/caldav-remote-calendar.ts';
import { dispatchOutbox } from '../../../src/services/sync/dispatch-outbox.ts';
import { icalEventCodec } from '../../../src/services/sync/ical-codec.ts';
import type { RemoteCalendar } from '../../../src/domain/sync/ports.ts';
import { runInboundSync } from '../../../src/services/sync/run-inbound-sync.ts';
import type { DatabaseHandle } from '../../../src/store/database.ts';
import { importedBusyFromStore } from '../../../src/store/imported-busy.ts';
import { createSyncStore } from '../../../src/store/sync-store.ts';
import { recordAppointmentNotice } from '../../../src/services/notifications/record-appointment-notice.ts';
import { recordConnectionNotice } from '../../../src/services/notifications/record-connection-notice.ts';
import { readLink } from '../../../src/store/sync-store/links.ts';
import { deleteEvent, getEvent, makeCalendar, putEvent, simpleEventIcs, type DavAuth } from '../../support/caldav-fixtures.ts';
import { createTestDatabase } from '../../support/db.ts';
import { startICloudEmulator, type ICloudEmulator } from '../../support/icloud-emulator.ts';
import { startRadicale } from '../../support/radicale.ts';
import {
  bookAppointment,
  seedBookingCalendar,
  seedRemoteCalendar,
  seedUser,
  seedWorkspace,
  type SeededBookingCalendar,
} from '../../support/seed-rows.ts';
import { PUBLIC_URL } from './support/store-fixture.ts';

/** A calendar on some server, as the client sees it, and how a person edits it directly. */
interface ServerUnderTest {
  calendarUrl: string;
  credentials: DavAuth;
  /** Where those credentials may go. */
  scope: CredentialScope;
  /** The same resource as the person's calendar app reaches it, and their credentials. */
  personUrl(url: string): string;
  personAuth: DavAuth;
  stop(): Promise<void>;
}

const HOUR = 3_600_000;
const day = Date.UTC(2030, 2, 4);
const at = (hour: number): Date => new Date(day + hour * HOUR);
const ical = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
const clock = { now: new Date('2030-03-01T08:00:00Z') };

function describeEngineOn(name: string, start: () => Promise<ServerUnderTest>): void {
  describe(`sync engine on ${name}`, () => {
    let server: ServerUnderTest;
    let database: DatabaseHandle;
    let remote: RemoteCalendar;
    const requests: RequestEvent[] = [];
    let ids: { workspaceId: string; userId: string; calendarId: string; booking: SeededBookingCalendar };

    beforeAll(async () => {
      server = await start();
      database = await createTestDatabase('pglite');
      const workspaceId = await seedWorkspace(database.db);
      const userId = await seedUser(database.db, workspaceId, { timezone: 'Europe/London' });
      const calendarId = await seedRemoteCalendar(database.db, {
        workspaceId,
        userId,
        url: server.calendarUrl,
        role: 'primary',
        username: server.credentials.username,
      });
      ids = {
        workspaceId,
        userId,
        calendarId,
        booking: await seedBookingCalendar(database.db, workspaceId, { type: 'round_robin', location: 'Studio 4' }),
      };
      const transport = createTransport({
        credentials: server.credentials,
        scope: server.scope,
        allowPrivateNetworks: true,
        onRequest: (e) => requests.push(e),
      });
      remote = createCalDavRemoteCalendar({ calendarUrl: server.calendarUrl, transport });
    });
    afterAll(async () => {
      await database?.close();
      await server?.stop();
    });

    const store = () =>
      createSyncStore(database.db, {
        publicUrl: PUBLIC_URL,
        now: () => clock.now,
        recordNotice: recordAppointmentNotice,
        recordConnectionNotice,
      });
    const sync = () =>
      runInboundSync(
        { store: store(), remote, codec: icalEventCodec },
        { calendarId: ids.calendarId, window: defaultSyncWindow(clock.now), now: clock.now },
      );
    const dispatch = () => dispatchOutbox({ store: store(), openRemote: async () => remote, codec: icalEventCodec }, { now: clock.now });
    const busy = async () =>
      (
        (await importedBusyFromStore().importedBusy(database.db, [ids.userId], { start: at(-24).getTime(), end: at(72).getTime() })).get(
          ids.userId,
        ) ?? []
      ).sort((a, b) => a.start - b.start);
    const person = {
      put: async (uid: string, summary: string, from: Date, to: Date) => {
        const answer = await putEvent(
          server.personAuth,
          server.personUrl(remote.hrefFor(uid)),
          simpleEventIcs({ uid, summary, start: ical(from), end: ical(to) }),
        );
        expect([201, 204]).toContain(answer.status);
      },
      delete: async (uid: string) =>
        expect([200, 204]).toContain(await deleteEvent(server.personAuth, server.personUrl(remote.hrefFor(uid)))),
      get: (uid: string) => getEvent(server.personAuth, server.personUrl(remote.hrefFor(uid))),
    };
    let appointmentId = '';

    it('imports events created in the calendar as blocked slots; availability sees them', async () => {
      await person.put('anchor@example.com', 'Gym', at(20), at(21));
      await person.put('dentist@example.com', 'Dentist', at(9), at(10));
      const report = await sync();
      expect(report.path).toBe('listing');
      expect(report.counts.ImportItem).toBe(2);
      expect(await busy()).toEqual([
        { start: at(9).getTime(), end: at(10).getTime() },
        { start: at(20).getTime(), end: at(21).getTime() },
      ]);
    });

    it('an edited event moves its blocked slot; a deleted one takes it away', async () => {
      await person.put('dentist@example.com', 'Dentist (moved)', at(11), at(12));
      const edited = await sync();
      expect(edited.path).toBe('incremental');
      expect(edited.counts.UpdateImportedItem).toBe(1);
      expect((await busy()).map((b) => b.start)).toEqual([at(11).getTime(), at(20).getTime()]);
      const summaries = await database.db.selectFrom('imported_occurrences').select('summary').orderBy('start_at').execute();
      expect(summaries.map((s) => s.summary)).toEqual(['Dentist (moved)', 'Gym']);

      await person.delete('dentist@example.com');
      expect((await sync()).counts.RemoveImportedItem).toBe(1);
      expect(await busy()).toEqual([{ start: at(20).getTime(), end: at(21).getTime() }]);
    });

    it('an appointment reaches the calendar with its stable UID and no attendees or organizer', async () => {
      appointmentId = await bookAppointment(database.db, {
        workspaceId: ids.workspaceId,
        calendar: ids.booking,
        userIds: [ids.userId],
        start: at(34),
        end: at(35),
        title: 'Consultation with Ann Lee',
        contact: { name: 'Ann Lee', email: 'ann@example.test', phone: '+44 20 7946 0000' },
      });
      const report = await dispatch();
      expect(report.rows.map((r) => r.result)).toEqual([{ status: 'done' }]);
      const uid = appointmentEventUid(appointmentId);
      const written = await person.get(uid);
      expect(written.status).toBe(200);
      const unfolded = written.body.replace(/\r?\n[ \t]/g, '');
      expect(unfolded).toContain(`UID:${uid}`);
      expect(unfolded).toContain('SUMMARY:Consultation with Ann Lee');
      expect(unfolded).toContain('ann@example.test');
      expect(unfolded).toContain(`${PUBLIC_URL}/appointments/${appointmentId}`);
      expect(unfolded).toContain('LOCATION:Studio 4');
      expect(unfolded).not.toMatch(/^(ATTENDEE|ORGANIZER)[;:]/m);
      expect(await readLink(database.db, appointmentId, ids.userId)).toMatchObject({
        calendarId: ids.calendarId,
        href: remote.hrefFor(uid),
        createPending: false,
        removedRemotely: false,
        pendingWrites: [],
      });
      // The echo of our own write is not mistaken for an edit.
      await sync();
      const row = await database.db
        .selectFrom('appointments')
        .select(['start_at', 'version'])
        .where('id', '=', appointmentId)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ start_at: at(34), version: 1 });
    });

    it('moving the event in the calendar moves the appointment', async () => {
      await person.put(appointmentEventUid(appointmentId), 'Consultation with Ann Lee', at(38), at(39));
      const report = await sync();
      expect(report.counts.UpdateAppointmentFromRemote).toBe(1);
      const row = await database.db
        .selectFrom('appointments')
        .select(['start_at', 'end_at', 'status', 'overlap_flagged'])
        .where('id', '=', appointmentId)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ start_at: at(38), end_at: at(39), status: 'confirmed', overlap_flagged: false });
      const history = await database.db
        .selectFrom('appointment_history')
        .select('kind')
        .where('appointment_id', '=', appointmentId)
        .execute();
      expect(history).toEqual([{ kind: 'moved_in_icloud' }]);
      // Nobody else is assigned, so nothing is queued; our own copy already shows the move.
      expect((await dispatch()).rows).toEqual([]);
    });

    it('deleting the event in the calendar keeps the appointment, marked removed from iCloud, not recreated', async () => {
      await person.delete(appointmentEventUid(appointmentId));
      expect((await sync()).counts.MarkAppointmentRemovedRemotely).toBe(1);
      const row = await database.db
        .selectFrom('appointments')
        .select(['status', 'removed_from_remote'])
        .where('id', '=', appointmentId)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ status: 'confirmed', removed_from_remote: true });
      await database.db
        .insertInto('outbox')
        .values({ workspace_id: ids.workspaceId, appointment_id: appointmentId, user_id: ids.userId, op: 'upsert' })
        .execute();
      expect((await dispatch()).rows.map((r) => r.steps.map((s) => s.type))).toEqual([['Noop']]);
      expect((await person.get(appointmentEventUid(appointmentId))).status).toBe(404);
    });

    it('a calendar without a token (new) is first synced with sync-collection, not an etag PROPFIND; the token it stores makes the next poll one REPORT', async () => {
      await database.db.updateTable('remote_calendars').set({ sync_token: null }).where('id', '=', ids.calendarId).execute();
      requests.length = 0;
      // The scheduler asks for 'full' when a calendar never had a full sync.
      const first = await runInboundSync(
        { store: store(), remote, codec: icalEventCodec },
        { calendarId: ids.calendarId, window: defaultSyncWindow(clock.now), now: clock.now, mode: 'full' },
      );
      expect(first.path).toBe('listing');
      expect(requests.map((r) => r.method)).not.toContain('PROPFIND');
      expect(requests[0]?.method).toBe('REPORT');
      const row = await database.db
        .selectFrom('remote_calendars')
        .select('sync_token')
        .where('id', '=', ids.calendarId)
        .executeTakeFirstOrThrow();
      expect(row.sync_token).not.toBeNull();
      requests.length = 0;
      expect((await sync()).path).toBe('incremental');
      expect(requests.map((r) => `${r.method} ${r.status}`)).toEqual(['REPORT 207']);
    });

    it('a first import gets its objects with the listing: one request, the same items and occurrences as item by item, nothing left open', async () => {
      await person.put('with-the-listing-1', 'Listed with its data', at(30), at(31));
      await person.put('with-the-listing-2', 'Été à 東京 😀 <b>&</b>', at(32), at(33));
      await sync();
      // A second member's calendar row on the same server calendar holds nothing: its first import.
      const secondUser = await seedUser(database.db, ids.workspaceId, { timezone: 'Europe/London' });
      const second = await seedRemoteCalendar(database.db, {
        workspaceId: ids.workspaceId,
        userId: secondUser,
        url: server.calendarUrl,
        role: 'primary',
        username: server.credentials.username,
      });
      // The listing's file, as this process holds it: removed from its folder at once, open until the run ends.
      const listingFiles = () =>
        readdirSync('/proc/self/fd')
          .map((fd) => {
            try {
              return readlinkSync(`/proc/self/fd/${fd}`);
            } catch {
              return '';
            }
          })
          .filter((target) => target.includes('tandem-listing-'));
      const heldWhileStoring: number[] = [];
      const watching = store();
      const storeWatching: typeof watching = {
        ...watching,
        applyInboundBatch: (batch) => {
          heldWhileStoring.push(listingFiles().length);
          return watching.applyInboundBatch(batch);
        },
      };
      requests.length = 0;
      const report = await runInboundSync(
        { store: storeWatching, remote, codec: icalEventCodec },
        { calendarId: second, window: defaultSyncWindow(clock.now), now: clock.now },
      );
      expect(report.path).toBe('listing');
      expect(requests.map((r) => `${r.method} ${r.status}`)).toEqual(['REPORT 207']);
      const items = async (calendarId: string) =>
        (
          await database.db
            .selectFrom('remote_items')
            .select(['href', 'etag', 'kind', 'uid', 'content_hash'])
            .where('remote_calendar_id', '=', calendarId)
            .execute()
        ).sort((a, b) => a.href.localeCompare(b.href));
      const occurrences = async (calendarId: string) =>
        (
          await database.db
            .selectFrom('imported_occurrences')
            .innerJoin('remote_items', 'remote_items.id', 'imported_occurrences.remote_item_id')
            .select(['remote_items.href', 'start_at', 'end_at', 'summary', 'status'])
            .where('imported_occurrences.remote_calendar_id', '=', calendarId)
            .execute()
        )
          .map((o) => ({ ...o, start_at: new Date(o.start_at).toISOString(), end_at: new Date(o.end_at).toISOString() }))
          .sort((a, b) => a.href.localeCompare(b.href) || a.start_at.localeCompare(b.start_at));
      const secondItems = await items(second);
      expect(secondItems.map((i) => i.uid)).toEqual(expect.arrayContaining(['with-the-listing-1', 'with-the-listing-2']));
      expect(secondItems).toEqual(await items(ids.calendarId));
      expect(await occurrences(second)).toEqual(await occurrences(ids.calendarId));
      expect((await occurrences(second)).map((o) => o.summary)).toContain('Été à 東京 😀 <b>&</b>');
      expect(heldWhileStoring[0]).toBe(1);
      expect(listingFiles()).toEqual([]);
      requests.length = 0;
      expect(
        (
          await runInboundSync(
            { store: store(), remote, codec: icalEventCodec },
            { calendarId: second, window: defaultSyncWindow(clock.now), now: clock.now },
          )
        ).path,
      ).toBe('incremental');
      expect(requests.map((r) => `${r.method} ${r.status}`)).toEqual(['REPORT 207']);
    });

    it('an idle poll costs exactly one HTTP request', async () => {
      await sync();
      requests.length = 0;
      const report = await sync();
      expect([report.path, report.fetched, report.log]).toEqual(['incremental', 0, []]);
      expect(requests.map((r) => `${r.method} ${r.status}`)).toEqual(['REPORT 207']);
    });
  });
}

describeEngineOn('Radicale', async () => {
  const radicale = await startRadicale();
  const credentials = { username: radicale.username, password: radicale.password };
  const calendarUrl = `${radicale.calendarHomeUrl}work/`;
  await makeCalendar(credentials, calendarUrl, { displayName: 'Work', components: ['VEVENT'] });
  return {
    calendarUrl,
    credentials,
    scope: scopeForUrl(radicale.baseUrl),
    personUrl: (url) => url,
    personAuth: credentials,
    stop: () => radicale.stop(),
  };
});

describeEngineOn('the iCloud emulator', async () => {
  const icloud: ICloudEmulator = await startICloudEmulator();
  return {
    calendarUrl: icloud.calendarUrls.home,
    credentials: { username: icloud.appleId, password: icloud.appPassword },
    scope: icloud.credentialScope,
    // The person's edits go straight to the store behind the emulator, as iCloud's own apps would.
    personUrl: (url) => icloud.radicaleUrlFor(url),
    personAuth: { username: icloud.radicale.username, password: icloud.radicale.password },
    stop: () => icloud.stop(),
  };
});
