import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext } from 'playwright-core';
import type { App } from '../../src/app.ts';
import type { DatabaseHandle } from '../../src/store/database.ts';
import { signUp, type Session } from '../support/api.ts';
import { davRequest } from '../support/caldav-fixtures.ts';
import { createTestDatabase } from '../support/db.ts';
import { startICloudEmulator, type ICloudEmulator } from '../support/icloud-emulator.ts';
import { startApp, type ConfigurationJson, type ConnectionJson } from '../integration/connections/harness.ts';
import { ensureWebBuild, launchChromium } from '../support/browser.ts';

/**
 * Settings → Calendars in a real browser: Debian's Chromium driven by playwright-core, against
 * Tandem started in-process (PGlite, built web app) and pointed at the iCloud emulator. A person
 * signs in, tries their Apple ID password (refused, with the hint), connects with the app-specific
 * password, picks a primary and a conflict calendar, and sees a "last synced" time once a sync ran.
 * Both clocks are real: the page's "last synced" is relative to the browser's now.
 */

const SCREENSHOTS = { settings: '/tmp/tandem-e2e-settings-calendars.png', hint: '/tmp/tandem-e2e-connect-icloud-hint.png' };
const PASSWORD = 'correct horse battery';

describe('connecting iCloud in Settings → Calendars, in a real browser', () => {
  let emulator: ICloudEmulator;
  let database: DatabaseHandle;
  let app: App;
  let browser: Browser;
  let context: BrowserContext;
  let baseUrl: string;
  let session: Session;
  let ownerEmail: string;

  beforeAll(async () => {
    // Before the app is built: createApp serves web/dist only if index.html exists when it starts.
    ensureWebBuild();
    emulator = await startICloudEmulator();
    database = await createTestDatabase('pglite');
    app = await startApp(database, { env: { ...emulator.appEnv, CALDAV_ALLOW_PRIVATE_NETWORKS: 'true' } });
    await app.server.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.server.server.address() as AddressInfo).port}`;

    session = await signUp(app.server, { timezone: 'Europe/London' });
    ownerEmail = (await app.server.inject({ method: 'GET', url: '/api/me', headers: session.headers })).json<{ email: string }>().email;

    browser = await launchChromium();
    context = await browser.newContext({ timezoneId: 'Europe/London', locale: 'en-US', viewport: { width: 1280, height: 900 } });
  }, 180_000);

  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
    await database?.close();
    await emulator?.stop();
  });

  it('refuses an Apple ID password, connects with an app-specific one, saves the calendars and shows the last sync', async () => {
    const page = await context.newPage();
    await page.goto(`${baseUrl}/app/sign-in`);
    await page.getByLabel('Email').fill(ownerEmail);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(`${baseUrl}/app`);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings · Calendars' }).click();
    await page.waitForURL(`${baseUrl}/app/settings/calendars`);
    await page.getByText('No calendar connected yet.').waitFor();

    // + New → iCloud opens the connect dialog, which sends people to Apple for the password.
    await page.getByRole('button', { name: '+ New' }).click();
    await page.getByRole('menuitem', { name: /iCloud/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Connect iCloud' });
    await dialog.waitFor();
    expect(await dialog.getByRole('link', { name: 'appleid.apple.com' }).getAttribute('href')).toBe('https://appleid.apple.com');

    // The main Apple ID password: the dialog explains app-specific passwords and nothing is connected.
    await dialog.getByLabel('Apple ID email').fill(emulator.appleId);
    await dialog.getByLabel('App-specific password').fill('Sunshine2024!');
    await dialog.getByRole('button', { name: 'Connect', exact: true }).click();
    const hint = dialog.getByRole('alert');
    await hint.waitFor();
    expect(await hint.textContent()).toContain('That does not look like an app-specific password');
    expect(await hint.textContent()).toContain('Your normal Apple ID password will not work.');
    await page.screenshot({ path: SCREENSHOTS.hint, animations: 'disabled' });
    const none = await app.server.inject({ method: 'GET', url: '/api/connections', headers: session.headers });
    expect(none.json<ConnectionJson[]>()).toEqual([]);
    expect(emulator.requestLog).toEqual([]);

    // The app-specific password connects; the dialog closes and the account's calendars are listed.
    await dialog.getByLabel('App-specific password').fill(emulator.appPassword);
    await dialog.getByRole('button', { name: 'Connect', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    const card = page.getByRole('region', { name: `iCloud account ${emulator.appleId}` });
    await card.waitFor();
    expect(await card.locator('.status').textContent()).toBe('Connected');
    const rows = card.locator('tbody tr');
    await expect
      .poll(async () => (await rows.locator('th').allTextContents()).map((text) => text.split(/subscribed|read-only/)[0]))
      .toEqual(expect.arrayContaining(['Home', 'Work', 'US Holidays']));
    // Reminders holds tasks only: not a calendar Tandem lists.
    expect(await rows.filter({ hasText: 'Reminders' }).count()).toBe(0);
    expect(await rows.count()).toBe(3);

    // The subscription is greyed out, with the reason, and neither control can be used.
    const holidays = rows.filter({ hasText: 'US Holidays' });
    expect(await holidays.getAttribute('class')).toContain('not-connectable');
    expect(await holidays.locator('.reason').textContent()).toBe('subscribed calendars cannot be connected');
    // An expression evaluated in the page (the test's tsconfig has no DOM types): the greyed-out text colour.
    const holidaysColor: unknown = await page.evaluate(
      'getComputedStyle(document.querySelector(".remote-calendars tr.not-connectable th")).color',
    );
    expect(holidaysColor).toBe('rgb(152, 162, 174)');
    expect(await page.getByLabel('Primary: US Holidays').isDisabled()).toBe(true);
    expect(await page.getByLabel('Check for conflicts: US Holidays').isDisabled()).toBe(true);

    // Home is primary (it always counts for conflicts); Work also counts for conflicts.
    await page.getByLabel('Primary: Home').check();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    await page.getByLabel('Check for conflicts: Work').check();
    expect(await page.getByLabel('Check for conflicts: Home').isChecked()).toBe(true);
    expect(await page.getByLabel('Check for conflicts: Home').isDisabled()).toBe(true);

    const connections = (await app.server.inject({ method: 'GET', url: '/api/connections', headers: session.headers })).json<
      ConnectionJson[]
    >();
    expect(connections).toHaveLength(1);
    const idOf = (name: string): string => {
      const found = connections[0]!.calendars.find((c) => c.displayName === name);
      if (!found) throw new Error(`no calendar ${name}`);
      return found.id;
    };
    const home = idOf('Home');
    const work = idOf('Work');
    // Wait for the server to hold both choices: the "Saved." on the page may still be the first save's.
    await expect
      .poll(async () => {
        const answer = await app.server.inject({
          method: 'GET',
          url: `/api/users/${session.userId}/calendar-configuration`,
          headers: session.headers,
        });
        const stored = answer.json<ConfigurationJson>();
        return { primary: stored.primaryCalendarId, conflicts: [...stored.conflictCalendarIds].sort() };
      })
      .toEqual({ primary: home, conflicts: [home, work].sort() });

    // Before any sync: "never". After one, a reload shows a relative time for both calendars in use.
    expect(await rows.filter({ hasText: 'Home' }).locator('td').nth(2).textContent()).toMatch(/^never/);
    expect(await rows.filter({ hasText: 'Work' }).locator('td').nth(2).textContent()).toMatch(/^never/);
    // Home through the page's "Sync now" (the app's own queue runs it); Work as the scheduler would.
    await rows.filter({ hasText: 'Home' }).getByRole('button', { name: 'Sync now' }).click();
    await rows.filter({ hasText: 'Home' }).getByRole('status').filter({ hasText: 'Sync requested' }).waitFor();
    expect(await app.work.syncCalendar(work, 'incremental')).toMatchObject({ status: 'ok' });
    const lastSynced = (name: string) => rows.filter({ hasText: name }).locator('td').nth(2);
    await expect
      .poll(async () => {
        await page.reload();
        await card.waitFor();
        return lastSynced('Home').textContent();
      })
      .toMatch(/^(now|\d+ seconds? ago)Sync now$/);
    expect(await lastSynced('Work').textContent()).toMatch(/^(now|\d+ seconds? ago)Sync now$/);
    expect(await lastSynced('US Holidays').textContent()).toBe('—');
    expect(await page.getByLabel('Primary: Home').isChecked()).toBe(true);
    expect(await page.getByLabel('Check for conflicts: Work').isChecked()).toBe(true);

    await page.screenshot({ path: SCREENSHOTS.settings, fullPage: true, animations: 'disabled' });

    // Home is deleted on the iPhone; Refresh finds it gone. Without a reload, the page shows Home deleted,
    // no longer primary, and the sync status stops listing it (they are read again after a refresh).
    const homeUrl = emulator.radicaleUrlFor(emulator.calendarUrls.home);
    const auth = { username: emulator.radicale.username, password: emulator.radicale.password };
    expect((await davRequest(homeUrl, { method: 'DELETE', auth })).status).toBeLessThan(300);
    const status = page.getByRole('region', { name: 'Sync status' });
    expect(await status.textContent()).toContain('Home');
    await card.getByRole('button', { name: 'Refresh' }).click();
    await rows.filter({ hasText: 'Home' }).getByText('deleted', { exact: true }).waitFor();
    await expect.poll(() => page.getByLabel('Primary: Home').isChecked()).toBe(false);
    await expect.poll(async () => status.textContent()).not.toContain('Home');
    expect(await status.textContent()).toContain('Work');
  });
});
