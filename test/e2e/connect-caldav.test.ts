import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeCalendar } from '../support/caldav-fixtures.ts';
import { startRadicale } from '../support/radicale.ts';
import { startStaffBrowser, type StaffBrowser } from '../support/staff-browser.ts';

/** Settings → Calendars → + New → Other CalDAV server, against a real Radicale. */
describe('connecting another CalDAV server in a real browser', () => {
  let env: StaffBrowser;
  let radicale: Awaited<ReturnType<typeof startRadicale>>;

  beforeAll(async () => {
    radicale = await startRadicale();
    const auth = { username: radicale.username, password: radicale.password };
    await makeCalendar(auth, `${radicale.calendarHomeUrl}home/`, { displayName: 'Home', components: ['VEVENT'] });
    env = await startStaffBrowser();
  }, 300_000);

  afterAll(async () => {
    await env?.close();
    await radicale?.stop();
  });

  it('says what is wrong with a bad password, connects, labels it by its host (not iCloud), picks a primary, and Refresh lists a new calendar', async () => {
    const page = await env.signedInPage();
    await page.goto(`${env.baseUrl}/app/settings/calendars`);
    await page.getByRole('button', { name: '+ New' }).click();
    await page.getByRole('menuitem', { name: /Other CalDAV server/ }).click();
    const dialog = page.getByRole('dialog', { name: 'Connect a CalDAV server' });
    await dialog.getByText(/caldav\.fastmail\.com/).waitFor();
    await dialog.getByLabel('Server URL').fill(radicale.baseUrl);
    await dialog.getByLabel('User name').fill(radicale.username);
    await dialog.getByLabel('Password').fill('wrong password');
    await dialog.getByRole('button', { name: 'Connect', exact: true }).click();
    const refusal = await dialog.getByRole('alert').textContent();
    expect(refusal).toMatch(/password|credentials|user name/i);
    await env.screenshot(page, 'connect-caldav-error');

    await dialog.getByLabel('Password').fill(radicale.password);
    await dialog.getByRole('button', { name: 'Connect', exact: true }).click();
    await dialog.waitFor({ state: 'detached' });
    const card = page.getByRole('region', { name: /^CalDAV \(127\.0\.0\.1\) account/ });
    await card.waitFor();
    expect(await page.getByText('iCloud ·').count()).toBe(0);

    await page.getByLabel('Primary: Home').check();
    await page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    // The live sync status (polled, no reload) now lists the primary calendar with its own Sync now.
    const syncStatus = page.getByRole('region', { name: 'Sync status' });
    await syncStatus.getByText('Home').waitFor();
    await syncStatus.getByRole('button', { name: 'Sync now' }).waitFor();

    await makeCalendar({ username: radicale.username, password: radicale.password }, `${radicale.calendarHomeUrl}clients/`, {
      displayName: 'Clients',
      components: ['VEVENT'],
    });
    await card.getByRole('button', { name: 'Refresh' }).click();
    await page.getByLabel('Primary: Clients').waitFor();
    await env.screenshot(page, 'connect-caldav-connected');
    expect(env.consoleErrors).toEqual([]);
  }, 120_000);
});
