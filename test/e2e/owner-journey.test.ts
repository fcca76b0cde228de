import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { getEvent, listEvents, makeCalendar, putEvent, simpleEventIcs, type DavAuth } from '../support/caldav-fixtures.ts';
import { listingWithData, startGateProxy, type GateProxy } from '../support/gate-proxy.ts';
import { startRadicale } from '../support/radicale.ts';
import { startStaffBrowser, type StaffBrowser } from '../support/staff-browser.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * Issue 10.8: what a new owner does, in the browser only, from an empty workspace (signed up, nothing
 * else): a member who sets her own hours and a day off, one booking calendar of each type, a CalDAV
 * server (Radicale) connected through "Other CalDAV server" with a primary and a conflict calendar,
 * the first import's progress, a booking from the public page that lands in Radicale, the event's
 * link, the week view (New…, who gets a Round Robin booking, why a time is not bookable, a holiday's
 * bookings cancelled together), then a phone-sized pass. axe on every screen, screenshots of every
 * screen in test-results/, and no console error anywhere.
 *
 * The clock is Monday 2026-11-23 08:00 UTC; everyone works in London.
 */

/** Over the 200 events from which a first import reports progress, in more than one batch of 100. */
/** Two calendar-multiget requests of 500 objects: the second is held while the first's progress shows. */
const FILLER_EVENTS = 750;
const PASSWORD = 'radicale-journey-password';
const USERNAME = 'owner';

describe("the owner's journey in a real browser", () => {
  let env: StaffBrowser;
  let storageDir: string;
  let radicale: Awaited<ReturnType<typeof startRadicale>>;
  let gate: GateProxy;
  let auth: DavAuth;
  const ics = (uid: string, summary: string, start: string, end: string) => simpleEventIcs({ uid, summary, start, end });

  beforeAll(async () => {
    // Seeded on disk: a big "Work" calendar (250 evenings in 2027, and a dentist on Wednesday) and an empty "Home".
    storageDir = mkdtempSync(join(tmpdir(), 'tandem-journey-'));
    const collection = (name: string, displayName: string) => {
      const dir = join(storageDir, 'collection-root', USERNAME, name);
      mkdirSync(dir, { recursive: true });
      writeFileSync(
        join(dir, '.Radicale.props'),
        JSON.stringify({ tag: 'VCALENDAR', 'D:displayname': displayName, 'C:supported-calendar-component-set': 'VEVENT' }),
      );
      return dir;
    };
    collection('home', 'Home');
    const work = collection('work', 'Work');
    for (let i = 0; i < FILLER_EVENTS; i++) {
      const day = new Date(Date.UTC(2027, 0, 4) + i * 86_400_000).toISOString().slice(0, 10).replaceAll('-', '');
      writeFileSync(join(work, `filler-${i}.ics`), ics(`filler-${i}@example.com`, `Evening ${i}`, `${day}T190000Z`, `${day}T200000Z`));
    }
    writeFileSync(join(work, 'dentist.ics'), ics('dentist@example.com', 'Dentist', '20261125T100000Z', '20261125T110000Z'));
    radicale = await startRadicale({ storageDir, username: USERNAME, password: PASSWORD });
    auth = { username: USERNAME, password: PASSWORD };
    // The second multiget request of the first import is held, so its progress can be seen however fast the machine
    // (its listing with data is refused, so that the objects come by multiget: gate-proxy.ts).
    gate = await startGateProxy({
      target: radicale.baseUrl,
      pass: 1,
      matches: (method, body) => method === 'REPORT' && body.includes('calendar-multiget'),
      refuse: listingWithData,
    });
    env = await startStaffBrowser();
  }, 300_000);

  afterAll(async () => {
    await env?.close();
    await gate?.stop();
    await radicale?.stop();
    if (storageDir) rmSync(storageDir, { recursive: true, force: true });
  });

  const get = async <T>(url: string) => (await env.api.server.inject({ method: 'GET', url, headers: env.owner.headers })).json<T>();
  const calendarId = async (name: string) =>
    (await get<Array<{ id: string; name: string }>>('/api/calendars')).find((c) => c.name === name)!.id;
  const homeUrl = () => `${radicale.calendarHomeUrl}home/`;

  it('sets up the team, six calendars and a CalDAV server, takes a booking that lands in it, and runs the week from there', async () => {
    const page = await env.signedInPage();

    // ---- Team: Bea joins through her invitation link and sets her hours and a day off.
    await page.goto(`${env.baseUrl}/app/team`);
    await env.checkScreen(page, 'journey-01-team');
    await page.getByRole('button', { name: 'Add member' }).click();
    const add = page.getByRole('dialog', { name: 'Add a team member' });
    await add.getByLabel('Name').fill('Bea Baker');
    await add.getByLabel('Email').fill('bea@example.test');
    await add.getByLabel('Time zone').fill('Europe/London');
    await add.getByRole('button', { name: 'Add member' }).click();
    const link = (await page.getByTestId('invite-link').textContent()) ?? '';
    await env.checkScreen(page, 'journey-02-invite-link');
    await page.getByRole('button', { name: 'Done' }).click();

    const bea = await (await env.browser.newContext({ timezoneId: 'Europe/London', locale: 'en-US' })).newPage();
    bea.on('pageerror', (error) => env.consoleErrors.push(error.message));
    await bea.clock.setFixedTime(env.api.clock.now);
    await bea.goto(link.replace(/^https?:\/\/[^/]+/, env.baseUrl));
    await bea.getByLabel('New password').fill('bea long password');
    await bea.getByRole('button', { name: 'Set password and sign in' }).click();
    await bea.waitForURL(/\/app\/profile$/);
    await bea.getByRole('group', { name: 'Friday' }).getByRole('button', { name: 'Remove Friday hours 1' }).click();
    await bea.getByRole('button', { name: 'Save working hours' }).click();
    await bea.getByText('Working hours saved.').waitFor();
    await bea.getByLabel('Date', { exact: true }).fill('2026-11-24');
    await bea.getByRole('button', { name: 'Add', exact: true }).click();
    await bea.getByText('Day off').first().waitFor();
    await env.checkScreen(bea, 'journey-03-member-profile');
    const beaId = (await get<Array<{ id: string; name: string }>>('/api/users')).find((u) => u.name === 'Bea Baker')!.id;
    expect(await get(`/api/users/${beaId}/overrides`)).toEqual([{ date: '2026-11-24', ranges: [] }]);
    await bea.context().close();

    // ---- One booking calendar of each type.
    const create = async (label: string, name: string, fill: () => Promise<void>) => {
      await page.goto(`${env.baseUrl}/app/calendars/new`);
      await page.getByRole('radio', { name: new RegExp(`^${label}`) }).check();
      await page.getByLabel('Name', { exact: true }).fill(name);
      await fill();
      await env.checkScreen(page, `journey-04-editor-${label.toLowerCase().replaceAll(' ', '-')}`);
      await page.getByRole('button', { name: 'Create calendar' }).click();
      await page.waitForURL(/\/app\/calendars\?saved=/);
    };
    const withBea = async () => {
      await page
        .getByRole('row', { name: /Bea Baker/ })
        .getByRole('checkbox')
        .check();
    };
    await create('Round Robin', 'Intro call', async () => {
      await withBea();
      await page.getByLabel('Buffer after (minutes)').fill('10');
    });
    await create('Collective', 'Team meeting', withBea);
    await create('Class Booking', 'Yoga class', async () => {
      await page.getByLabel('Host', { exact: true }).selectOption({ label: 'Bea Baker' });
      await page.getByLabel('Seats per time').fill('12');
    });
    await create('Service Calendar', 'Salon', async () => {
      await page.getByLabel('Service name').fill('Haircut');
      await page.getByLabel('Minutes', { exact: true }).fill('45');
      await page.getByLabel('Price (optional)').fill('35.50');
      await page.getByLabel('Currency').fill('EUR');
      await page
        .getByRole('group', { name: 'Staff for service 1' })
        .getByRole('checkbox', { name: /Bea Baker/ })
        .check();
      await page.getByRole('button', { name: 'Add a service' }).click();
      await page.getByRole('group', { name: 'Service 2' }).getByLabel('Service name').fill('Colour');
      await page.getByRole('group', { name: 'Service 2' }).getByLabel('Minutes', { exact: true }).fill('90');
    });
    await create('Simple', 'Office hours', async () => {
      expect(await page.getByTestId('icloud-note').textContent()).toContain('iCloud is not used');
    });
    await create('Event', 'Workshop', async () => {
      expect(await page.getByTestId('icloud-note').textContent()).toContain('iCloud is not used');
      await page.getByLabel('First date and time').fill('2026-12-05T10:00');
      await page.getByLabel('Time zone of the event').fill('Europe/London');
      await page.getByLabel('Event length (minutes)').fill('120');
      await page.getByLabel('Repeats').selectOption('weekly');
      await page.getByLabel('How many times').fill('4');
      await page.getByLabel('Seats per time').fill('30');
    });
    await page.goto(`${env.baseUrl}/app/calendars`);
    for (const name of ['Intro call', 'Team meeting', 'Yoga class', 'Salon', 'Office hours', 'Workshop'])
      await page.getByRole('heading', { name }).waitFor();
    await env.checkScreen(page, 'journey-05-calendars');
    const byName = new Map((await get<Array<Record<string, unknown>>>('/api/calendars')).map((c) => [c.name, c]));
    expect(byName.get('Intro call')).toMatchObject({ type: 'round_robin', bufferAfterMin: 10 });
    expect(byName.get('Team meeting')).toMatchObject({ type: 'collective' });
    expect(byName.get('Yoga class')).toMatchObject({ type: 'class', seats: 12, members: [{ userId: beaId, priority: 0 }] });
    expect(byName.get('Salon')).toMatchObject({
      type: 'service',
      services: expect.arrayContaining([
        {
          id: expect.any(String),
          name: 'Haircut',
          durationMin: 45,
          priceCents: 3550,
          currency: 'EUR',
          staffIds: expect.arrayContaining([env.owner.userId, beaId]),
        },
        { id: expect.any(String), name: 'Colour', durationMin: 90, priceCents: null, currency: null, staffIds: [env.owner.userId] },
      ]),
    });
    expect(byName.get('Office hours')).toMatchObject({ type: 'simple', icloudIntegration: false });
    expect(byName.get('Workshop')).toMatchObject({
      type: 'event',
      seats: 30,
      eventSchedule: { firstStart: '2026-12-05T10:00', timezone: 'Europe/London', durationMin: 120, repeat: 'weekly', count: 4 },
    });

    // ---- Settings → Calendars → + New → Other CalDAV server: a wrong password says so, then it connects.
    await page.goto(`${env.baseUrl}/app/settings/calendars`);
    await env.checkScreen(page, 'journey-06-settings-calendars');
    await page.getByRole('button', { name: '+ New' }).click();
    await page.getByRole('menuitem', { name: /Other CalDAV server/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Connect a CalDAV server' });
    await dialog.getByText(/caldav\.fastmail\.com/).waitFor();
    await dialog.getByLabel('Server URL').fill(gate.url);
    await dialog.getByLabel('User name').fill(USERNAME);
    await dialog.getByLabel('Password').fill('wrong password');
    await dialog.getByRole('button', { name: 'Connect', exact: true }).click();
    expect(await dialog.getByRole('alert').textContent()).toMatch(/password|credentials|user name/i);
    await env.checkScreen(page, 'journey-07-connect-caldav-error');
    await dialog.getByLabel('Password').fill(PASSWORD);
    await dialog.getByRole('button', { name: 'Connect', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    const card = page.getByRole('region', { name: /^CalDAV \(127\.0\.0\.1\) account/ });
    await card.waitFor();
    expect(await page.getByText('iCloud ·').count()).toBe(0);

    await page.getByLabel('Primary: Home').check();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).first().waitFor();
    await page.getByLabel('Check for conflicts: Work').check();
    await expect
      .poll(
        async () =>
          (await get<{ conflictCalendarIds: string[] }>(`/api/users/${env.owner.userId}/calendar-configuration`)).conflictCalendarIds,
      )
      .toHaveLength(2); // Work, and the primary (always checked for conflicts)

    // The first import of Work: its progress shows while the second request is held, then it completes.
    const syncStatus = page.getByRole('region', { name: 'Sync status' });
    const workRow = syncStatus.locator('.sync-row').filter({ hasText: 'Work' });
    await workRow.getByRole('button', { name: 'Sync now' }).click();
    await gate.held;
    const progress = workRow.getByRole('progressbar', { name: 'Importing Work' });
    await progress.waitFor();
    // The first request is the first batch alone (100 objects): that much is in while the second is held.
    await workRow.getByText(/100 of 75\d events imported/).waitFor();
    await env.checkScreen(page, 'journey-08-import-progress');
    gate.release();
    await progress.waitFor({ state: 'detached' });
    await workRow.getByText(/Last synced/).waitFor();

    // A calendar made on the server afterwards appears with Refresh.
    await makeCalendar(auth, `${radicale.calendarHomeUrl}clients/`, { displayName: 'Clients', components: ['VEVENT'] });
    await card.getByRole('button', { name: 'Refresh' }).click();
    await page.getByLabel('Primary: Clients').waitFor();
    await env.checkScreen(page, 'journey-09-connected');

    // ---- A client books the Collective calendar on the public page; the event lands in Home.
    const client = await env.signedInPage({ session: null });
    await client.goto(`${env.baseUrl}/book/${await calendarId('Team meeting')}`);
    await env.checkScreen(client, 'journey-10-booking-page');
    await client.locator('[data-date="2026-11-26"]').click();
    await client.getByRole('button', { name: '10:00 AM', exact: true }).click();
    // Focus moves into the form, then to the confirmation.
    await expect.poll(() => client.evaluate('document.activeElement?.id')).toBe('name');
    await client.keyboard.type('Ada Lovelace');
    await client.getByLabel('Email').fill('ada@example.test');
    await env.checkScreen(client, 'journey-11-booking-form');
    await client.getByRole('button', { name: 'Confirm booking' }).click();
    await client.getByRole('heading', { name: 'You’re booked' }).waitFor();
    await expect.poll(() => client.evaluate('document.activeElement?.textContent')).toBe('You’re booked');
    await env.checkScreen(client, 'journey-12-booking-confirmation');

    // The outbox stamps its rows with the database's clock (now), the app's clock is fixed in the
    // past: let the app's clock catch up while the booking is pushed, then put it back.
    const fixedNow = env.api.clock.now;
    env.api.clock.now = new Date();
    await env.api.app.jobs.dispatchSoon();
    const [written] = await waitFor(async () => {
      const events = await listEvents(auth, homeUrl());
      return events.length > 0 && events;
    }, 'the booking written into Radicale');
    env.api.clock.now = fixedNow;
    const body = (await getEvent(auth, written!.url)).body;
    expect(body).toContain('SUMMARY:Team meeting with Ada Lovelace');
    const eventLink = /^URL(?:;[^:]*)?:(.+)$/m.exec(body)?.[1]?.trim() ?? '';
    expect(eventLink).toMatch(/\/appointments\/[0-9a-f-]{36}$/);
    await page.goto(eventLink.replace(/^https?:\/\/[^/]+/, env.baseUrl));
    await page.getByRole('heading', { level: 1 }).filter({ hasText: 'Team meeting' }).waitFor();
    await page.getByRole('link', { name: 'ada@example.test' }).waitFor();
    await env.checkScreen(page, 'journey-13-appointment-link');

    // ---- The week view: New… by keyboard, Round Robin picks Bea while the owner is at the dentist.
    await page.goto(`${env.baseUrl}/app`);
    await page.locator('.fc-toolbar-title').filter({ hasText: 'Nov 23 – 29, 2026' }).waitFor();
    const dentist = page.locator('.fc-event.ev-imported').filter({ hasText: 'Dentist' });
    await dentist.waitFor();
    await env.checkScreen(page, 'journey-14-week');
    await page.getByRole('button', { name: 'New…' }).focus();
    await page.keyboard.press('Enter');
    const newDialog = page.getByRole('dialog');
    await newDialog.getByLabel('Date', { exact: true }).fill('2026-11-25');
    await newDialog.getByLabel('From', { exact: true }).fill('10:00');
    await newDialog.getByLabel('Until', { exact: true }).fill('10:30');
    await newDialog.getByRole('tab', { name: 'Book for a client' }).click();
    await newDialog.getByLabel('Booking calendar').selectOption({ label: 'Intro call' });
    await newDialog.getByRole('status').filter({ hasText: 'Will be assigned to Bea Baker' }).waitFor();
    await newDialog.getByLabel('Client name').fill('Grace Hopper');
    await newDialog.getByLabel('Client email').fill('grace@example.test');
    await env.checkScreen(page, 'journey-15-week-new-booking');
    await newDialog.getByRole('button', { name: /^Book at 10:00/ }).click();
    await page.locator('.toast').filter({ hasText: 'Booked Grace Hopper with Bea Baker' }).waitFor();

    // The imported block, by keyboard: which calendar and event, and why the time is not bookable.
    await dentist.focus();
    await page.keyboard.press('Enter');
    const block = page.getByRole('dialog', { name: 'Dentist' });
    expect(await block.locator('dl').textContent()).toContain('127.0.0.1 · Work');
    await block.getByLabel('On', { exact: true }).selectOption({ label: 'Team meeting' });
    await block.getByRole('button', { name: /^Why is .* not bookable\?$/ }).click();
    await block.getByText(/imported event "Dentist" from calendar "Work"/i).waitFor();
    await env.checkScreen(page, 'journey-16-week-why-not-bookable');
    await block.getByRole('button', { name: 'Close', exact: true }).first().click();

    // ---- A holiday marked in the calendar app: its bookings are cancelled together.
    await putEvent(
      auth,
      `${radicale.calendarHomeUrl}work/holiday.ics`,
      simpleEventIcs({ uid: 'holiday@example.com', summary: 'Holiday', start: '20261126', extra: ['DTEND;VALUE=DATE:20261127'] }).replace(
        'DTSTART:20261126',
        'DTSTART;VALUE=DATE:20261126',
      ),
    );
    await page.goto(`${env.baseUrl}/app/settings/calendars`);
    await workRow.getByRole('button', { name: 'Sync now' }).click();
    await waitFor(
      async () =>
        (await get<Array<{ title: string }>>('/api/blocked-slots?from=2026-11-26T00:00:00Z&to=2026-11-27T00:00:00Z')).some(
          (b) => b.title === 'Holiday',
        ),
      'the holiday imported',
    );
    await page.goto(`${env.baseUrl}/app`);
    const holiday = page.locator('.fc-event.ev-imported').filter({ hasText: 'Holiday' });
    await holiday.focus();
    await page.keyboard.press('Enter');
    const holidayDialog = page.getByRole('dialog', { name: 'Holiday' });
    await holidayDialog.getByText(/Team meeting with Ada Lovelace/).waitFor();
    await holidayDialog.getByRole('button', { name: 'Cancel all 1' }).click();
    await holidayDialog.getByText('Each client is told once that their appointment is cancelled.').waitFor();
    await env.checkScreen(page, 'journey-17-week-holiday');
    await holidayDialog.getByRole('button', { name: 'Yes, cancel them all' }).click();
    await page.locator('.toast').filter({ hasText: '1 appointment cancelled; the clients are told.' }).waitFor();
    expect(
      (await get<Array<{ title: string; status: string }>>('/api/appointments?from=2026-11-26T00:00:00Z&to=2026-11-27T00:00:00Z')).map(
        (a) => a.status,
      ),
    ).toEqual(['cancelled']);

    expect(env.axeViolations).toEqual([]);
    expect(env.consoleErrors).toEqual([]);
  }, 300_000);

  it('on a phone (390×844) shows the staff week one day at a time and the booking page, nothing cut off', async () => {
    const phone = { width: 390, height: 844 };
    const overflow = (p: Page) => p.evaluate<number>('document.documentElement.scrollWidth - document.documentElement.clientWidth');

    const staff = await env.signedInPage({ viewport: phone });
    await staff.goto(`${env.baseUrl}/app`);
    await staff.locator('.fc-timeGridDay-view').waitFor();
    expect(await staff.locator('.fc-col-header-cell').count()).toBe(1);
    await staff.getByRole('button', { name: 'New…' }).waitFor();
    expect(await overflow(staff)).toBe(0);
    await env.checkScreen(staff, 'journey-18-phone-week');

    const client = await env.signedInPage({ session: null, viewport: phone });
    await client.goto(`${env.baseUrl}/book/${await calendarId('Intro call')}`);
    await client.locator('[data-date="2026-11-27"]').click();
    await client.getByRole('button', { name: '11:00 AM', exact: true }).click();
    await client.getByLabel('Name').waitFor();
    expect(await overflow(client)).toBe(0);
    await env.checkScreen(client, 'journey-19-phone-booking');

    expect(env.axeViolations).toEqual([]);
    expect(env.consoleErrors).toEqual([]);
  }, 120_000);
});
