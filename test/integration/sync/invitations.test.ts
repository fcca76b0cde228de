/**
 * Invitations (issue 12.2) against the iCloud emulator and Xandikos: the account's addresses come
 * from the principal's calendar-user-address-set (mailto: aliases and urn:uuid: as iCloud lists them;
 * the one EMAIL address Xandikos lists, percent-encoded on the wire), an unanswered or tentative
 * invitation follows the user's policy — and changing the policy changes busy time at once, without
 * the event changing — while a declined one never blocks. An address added to the Apple ID is picked
 * up by a refresh, and the events are read again with it. Last, the account's primary calendar is
 * deleted on the iPhone: the appointment is kept and reaches the next primary once (issue 12.3).
 * One Tandem serves both servers' users.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendar, signUp, type Session } from '../../support/api.ts';
import { startICloudEmulator, type ICloudEmulator } from '../../support/icloud-emulator.ts';
import { davRequest, makeCalendar, putEvent, simpleEventIcs, type DavAuth } from '../../support/caldav-fixtures.ts';
import { startXandikos } from '../../support/xandikos.ts';
import {
  appointmentEventUid,
  at,
  blockedSlots,
  bookAsStaff,
  calendarObjects,
  connectAndConfigure,
  directCalDavSide,
  eventUrlIn,
  icsUtc,
  mondayAhead,
  readEvent,
  settleOutbox,
  startSyncApp,
  type CalendarJson,
  type ConnectionJson,
  type SyncApp,
} from '../../support/sync-journey.ts';

let emulator: ICloudEmulator;
let tandem: SyncApp;
beforeAll(async () => {
  emulator = await startICloudEmulator();
  tandem = await startSyncApp({ env: { ...emulator.appEnv } });
});
afterAll(async () => {
  await tandem?.close();
  await emulator?.stop();
});

const day = mondayAhead();

/** One user's side of the test: their session, the calendar invitations land in, and how to write there. */
interface Invitee {
  owner: Session;
  work: CalendarJson;
  auth: DavAuth;
  direct(url: string): string;
}

/** An event in the invitee's Work calendar written the way another person's invitation lands there. */
async function invite(to: Invitee, uid: string, hour: number, attendee: string): Promise<void> {
  const ics = simpleEventIcs({
    uid,
    summary: uid,
    start: icsUtc(at(day, hour)),
    end: icsUtc(at(day, hour + 1)),
    extra: ['ORGANIZER;CN=Boss:mailto:boss@example.com', attendee, 'ATTENDEE;PARTSTAT=ACCEPTED:mailto:boss@example.com'],
  });
  const put = await putEvent(to.auth, to.direct(eventUrlIn(to.work.url, uid)), ics);
  expect([201, 204]).toContain(put.status);
}
const syncWork = async (to: Invitee) => expect(await tandem.app.work.syncCalendar(to.work.id, 'full')).toMatchObject({ status: 'ok' });
const blocking = async (to: Invitee) =>
  Object.fromEntries((await blockedSlots(tandem.server, to.owner, day)).map((slot) => [slot.title, (slot as { blocks?: boolean }).blocks]));
async function setPolicy(to: Invitee, invitationPolicy: 'block' | 'free'): Promise<void> {
  const response = await tandem.server.inject({
    method: 'PATCH',
    url: `/api/users/${to.owner.userId}`,
    headers: to.owner.headers,
    payload: { invitationPolicy },
  });
  expect(response.statusCode, response.body).toBe(200);
  expect(response.json()).toMatchObject({ invitationPolicy });
}

describe('invitations to the connected account (iCloud emulator)', () => {
  let owner: Session;
  let connection: ConnectionJson & { addresses?: string[] };
  let home: CalendarJson;
  let work: CalendarJson;
  let me: Invitee;

  beforeAll(async () => {
    owner = await signUp(tandem.server, { timezone: 'UTC' });
    ({
      connection,
      primary: home,
      conflict: work,
    } = await connectAndConfigure(tandem.server, owner, {
      name: 'iCloud emulator',
      connect: { provider: 'icloud', email: emulator.appleId, appSpecificPassword: emulator.appPassword },
      primaryName: 'Home',
      conflictName: 'Work',
      direct: (url) => emulator.radicaleUrlFor(url),
      auth: { username: emulator.radicale.username, password: emulator.radicale.password },
      requestCount: () => emulator.requestLog.length,
      stop: () => emulator.stop(),
    }));
    me = {
      owner,
      work,
      auth: { username: emulator.radicale.username, password: emulator.radicale.password },
      direct: (url) => emulator.radicaleUrlFor(url),
    };
  });

  it('stores the principal’s calendar-user-address-set with the connection', () => {
    expect(connection.addresses).toEqual(expect.arrayContaining(emulator.selfAddresses.slice(0, 3)));
  });

  it('lets open invitations follow the policy at once, and never blocks a declined one', async () => {
    // The alias and the urn are only known from the address set: neither is the Apple ID or the user's e-mail.
    const alias = emulator.selfAddresses[1]!;
    const urn = emulator.selfAddresses[2]!;
    await invite(me, 'Unanswered', 9, `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:${alias}`);
    await invite(me, 'Maybe', 10, `ATTENDEE;PARTSTAT=TENTATIVE;EMAIL=${alias.replace('mailto:', '')}:${urn}`);
    await invite(me, 'Declined', 11, `ATTENDEE;PARTSTAT=DECLINED:${alias}`);
    await invite(me, 'Accepted', 12, `ATTENDEE;PARTSTAT=ACCEPTED:${alias}`);
    await syncWork(me);

    const profile = await tandem.server.inject({ method: 'GET', url: `/api/users/${owner.userId}`, headers: owner.headers });
    expect(profile.json()).toMatchObject({ invitationPolicy: 'block' }); // decision 0016
    expect(await blocking(me)).toEqual({ Unanswered: true, Maybe: true, Declined: false, Accepted: true });

    const calendarId = await addCalendar(tandem.server, owner, { type: 'round_robin', members: [{ userId: owner.userId }] });
    const bookable = async () => {
      const response = await tandem.server.inject({
        method: 'GET',
        url: `/api/calendars/${calendarId}/explain?start=${at(day, 9).toISOString()}`,
        headers: owner.headers,
      });
      expect(response.statusCode, response.body).toBe(200);
      return response.json<{ bookable: boolean }>().bookable;
    };
    expect(await bookable()).toBe(false);

    // No sync in between: the policy alone re-derives busy time.
    await setPolicy(me, 'free');
    expect(await blocking(me)).toEqual({ Unanswered: false, Maybe: false, Declined: false, Accepted: true });
    expect(await bookable()).toBe(true);
    await setPolicy(me, 'block');
    expect(await blocking(me)).toMatchObject({ Unanswered: true, Maybe: true });
  });

  it('recognises an address added to the Apple ID after a refresh', async () => {
    await setPolicy(me, 'free');
    await invite(me, 'To the new address', 14, 'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:tandem.new@example.com');
    await syncWork(me);
    // Not known yet as the account's address: an ordinary busy event.
    expect((await blocking(me))['To the new address']).toBe(true);

    emulator.addSelfAddress('mailto:tandem.new@example.com');
    const refreshed = await tandem.server.inject({
      method: 'POST',
      url: `/api/connections/${connection.id}/refresh`,
      headers: owner.headers,
    });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    expect(refreshed.json<{ addresses: string[] }>().addresses).toContain('mailto:tandem.new@example.com');
    await syncWork(me);
    expect((await blocking(me))['To the new address']).toBe(false);
  });

  // The last test of this account: it deletes the primary calendar.
  it('a primary calendar deleted on the iPhone: the appointment is kept, the configuration says so, and the next primary gets it once', async () => {
    const calendarId = await addCalendar(tandem.server, owner, { type: 'round_robin', members: [{ userId: owner.userId }] });
    const booked = await bookAsStaff(tandem.server, owner, calendarId, at(day, 16), { name: 'Iris', email: 'iris@example.test' });
    expect(booked.statusCode, booked.body).toBe(201);
    const uid = appointmentEventUid(booked.json<{ appointment: { id: string } }>().appointment.id);
    const ours = async (calendar: CalendarJson) =>
      (await calendarObjects(me.auth, me.direct(calendar.url))).map((object) => readEvent(object.ics).uid).filter((found) => found === uid);
    await settleOutbox(tandem.app);
    expect(await ours(home)).toEqual([uid]);

    expect((await davRequest(me.direct(home.url), { method: 'DELETE', auth: me.auth })).status).toBeLessThan(300);
    await tandem.app.work.syncCalendar(home.id, 'incremental');
    const configurationUrl = `/api/users/${owner.userId}/calendar-configuration`;
    const left = await tandem.server.inject({ method: 'GET', url: configurationUrl, headers: owner.headers });
    expect(left.json()).toMatchObject({
      primaryCalendarId: null,
      primaryNotice: expect.stringMatching(/“Home” was deleted.*1 upcoming appointment is kept/),
    });

    const chosen = await tandem.server.inject({
      method: 'PUT',
      url: configurationUrl,
      headers: owner.headers,
      payload: { primaryCalendarId: work.id, conflictCalendarIds: [] },
    });
    expect(chosen.json()).toMatchObject({ primaryCalendarId: work.id, primaryNotice: null });
    await settleOutbox(tandem.app);
    expect(await ours(work)).toEqual([uid]);
  });
});

describe('invitations to the connected account (Xandikos)', () => {
  const self = 'xan.self@example.org';
  let xandikos: Awaited<ReturnType<typeof startXandikos>>;
  let connection: ConnectionJson & { addresses?: string[] };
  let me: Invitee;

  beforeAll(async () => {
    // The principal lists this one address (calendar-user-address-set); it is neither the user's
    // e-mail in Tandem nor the account's username.
    xandikos = await startXandikos({ email: `Xan Self <${self}>` });
    const auth = { username: xandikos.username, password: xandikos.password };
    for (const displayName of ['Home', 'Work'])
      await makeCalendar(auth, `${xandikos.calendarHomeUrl}${displayName.toLowerCase()}/`, { displayName });
    const owner = await signUp(tandem.server, { timezone: 'UTC' });
    let work: CalendarJson;
    ({ connection, conflict: work } = await connectAndConfigure(
      tandem.server,
      owner,
      directCalDavSide('Xandikos', xandikos, { primaryName: 'Home', conflictName: 'Work' }),
    ));
    me = { owner, work, auth, direct: (url) => url };
  });
  afterAll(async () => {
    await xandikos?.stop();
  });

  it('reads the address Xandikos percent-encodes, and lets open invitations to it follow the policy', async () => {
    expect(connection.addresses).toEqual([`mailto:${self}`]);
    await invite(me, 'Unanswered', 9, `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:${self}`);
    await invite(me, 'Maybe', 10, `ATTENDEE;PARTSTAT=TENTATIVE:mailto:${self}`);
    await invite(me, 'Declined', 11, `ATTENDEE;PARTSTAT=DECLINED:mailto:${self}`);
    await invite(me, 'Accepted', 12, `ATTENDEE;PARTSTAT=ACCEPTED:mailto:${self}`);
    await syncWork(me);
    expect(await blocking(me)).toEqual({ Unanswered: true, Maybe: true, Declined: false, Accepted: true });
    await setPolicy(me, 'free');
    expect(await blocking(me)).toEqual({ Unanswered: false, Maybe: false, Declined: false, Accepted: true });
  });
});
