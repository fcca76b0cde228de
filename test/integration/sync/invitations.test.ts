/**
 * Invitations (issue 12.2) against the iCloud emulator: the account's addresses come from the
 * principal's calendar-user-address-set (mailto: aliases and urn:uuid:, as iCloud lists them), an
 * unanswered or tentative invitation follows the user's policy — and changing the policy changes
 * busy time at once, without the event changing — while a declined one never blocks. An address
 * added to the Apple ID is picked up by a refresh, and the events are read again with it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendar, signUp, type Session } from '../../support/api.ts';
import { putEvent, simpleEventIcs } from '../../support/caldav-fixtures.ts';
import { startICloudEmulator, type ICloudEmulator } from '../../support/icloud-emulator.ts';
import {
  at,
  blockedSlots,
  connectAndConfigure,
  eventUrlIn,
  icsUtc,
  mondayAhead,
  startSyncApp,
  type CalendarJson,
  type ConnectionJson,
  type SyncApp,
} from '../../support/sync-journey.ts';

describe('invitations to the connected account (iCloud emulator)', () => {
  let emulator: ICloudEmulator;
  let tandem: SyncApp;
  let owner: Session;
  let connection: ConnectionJson & { addresses?: string[] };
  let work: CalendarJson;
  const day = mondayAhead();

  beforeAll(async () => {
    emulator = await startICloudEmulator();
    tandem = await startSyncApp({ env: { ...emulator.appEnv } });
    owner = await signUp(tandem.server, { timezone: 'UTC' });
    ({ connection, conflict: work } = await connectAndConfigure(tandem.server, owner, {
      name: 'iCloud emulator',
      connect: { provider: 'icloud', email: emulator.appleId, appSpecificPassword: emulator.appPassword },
      primaryName: 'Home',
      conflictName: 'Work',
      direct: (url) => emulator.radicaleUrlFor(url),
      auth: { username: emulator.radicale.username, password: emulator.radicale.password },
      requestCount: () => emulator.requestLog.length,
      stop: () => emulator.stop(),
    }));
  });
  afterAll(async () => {
    await tandem?.close();
    await emulator?.stop();
  });

  /** An event in Work written the way another person's invitation lands in iCloud. */
  const invite = async (uid: string, hour: number, attendee: string) => {
    const ics = simpleEventIcs({
      uid,
      summary: uid,
      start: icsUtc(at(day, hour)),
      end: icsUtc(at(day, hour + 1)),
      extra: ['ORGANIZER;CN=Boss:mailto:boss@example.com', attendee, 'ATTENDEE;PARTSTAT=ACCEPTED:mailto:boss@example.com'],
    });
    const put = await putEvent(
      { username: emulator.radicale.username, password: emulator.radicale.password },
      emulator.radicaleUrlFor(eventUrlIn(work.url, uid)),
      ics,
    );
    expect([201, 204]).toContain(put.status);
  };
  const sync = async () => expect(await tandem.app.work.syncCalendar(work.id, 'full')).toMatchObject({ status: 'ok' });
  const blocking = async () =>
    Object.fromEntries((await blockedSlots(tandem.server, owner, day)).map((slot) => [slot.title, (slot as { blocks?: boolean }).blocks]));
  const setPolicy = async (invitationPolicy: 'block' | 'free') => {
    const response = await tandem.server.inject({
      method: 'PATCH',
      url: `/api/users/${owner.userId}`,
      headers: owner.headers,
      payload: { invitationPolicy },
    });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json()).toMatchObject({ invitationPolicy });
  };

  it('stores the principal’s calendar-user-address-set with the connection', () => {
    expect(connection.addresses).toEqual(expect.arrayContaining(emulator.selfAddresses.slice(0, 3)));
  });

  it('lets open invitations follow the policy at once, and never blocks a declined one', async () => {
    // The alias and the urn are only known from the address set: neither is the Apple ID or the user's e-mail.
    const alias = emulator.selfAddresses[1]!;
    const urn = emulator.selfAddresses[2]!;
    await invite('Unanswered', 9, `ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:${alias}`);
    await invite('Maybe', 10, `ATTENDEE;PARTSTAT=TENTATIVE;EMAIL=${alias.replace('mailto:', '')}:${urn}`);
    await invite('Declined', 11, `ATTENDEE;PARTSTAT=DECLINED:${alias}`);
    await invite('Accepted', 12, `ATTENDEE;PARTSTAT=ACCEPTED:${alias}`);
    await sync();

    const me = await tandem.server.inject({ method: 'GET', url: `/api/users/${owner.userId}`, headers: owner.headers });
    expect(me.json()).toMatchObject({ invitationPolicy: 'block' }); // decision 0016
    expect(await blocking()).toEqual({ Unanswered: true, Maybe: true, Declined: false, Accepted: true });

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
    await setPolicy('free');
    expect(await blocking()).toEqual({ Unanswered: false, Maybe: false, Declined: false, Accepted: true });
    expect(await bookable()).toBe(true);
    await setPolicy('block');
    expect(await blocking()).toMatchObject({ Unanswered: true, Maybe: true });
  });

  it('recognises an address added to the Apple ID after a refresh', async () => {
    await setPolicy('free');
    await invite('To the new address', 14, 'ATTENDEE;PARTSTAT=NEEDS-ACTION:mailto:tandem.new@example.com');
    await sync();
    // Not known yet as the account's address: an ordinary busy event.
    expect((await blocking())['To the new address']).toBe(true);

    emulator.addSelfAddress('mailto:tandem.new@example.com');
    const refreshed = await tandem.server.inject({
      method: 'POST',
      url: `/api/connections/${connection.id}/refresh`,
      headers: owner.headers,
    });
    expect(refreshed.statusCode, refreshed.body).toBe(200);
    expect(refreshed.json<{ addresses: string[] }>().addresses).toContain('mailto:tandem.new@example.com');
    await sync();
    expect((await blocking())['To the new address']).toBe(false);
  });
});
