import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember } from '../support/api.ts';
import { startStaffBrowser, type StaffBrowser } from '../support/staff-browser.ts';

/**
 * The owner creates, edits and deletes a booking calendar in the browser only, with API validation
 * errors next to their field. One calendar of every type, with its own rules: owner-journey.test.ts.
 */
describe('booking calendar editor in a real browser', () => {
  let env: StaffBrowser;
  let memberId: string;

  beforeAll(async () => {
    env = await startStaffBrowser();
    memberId = await addMember(env.api.server, env.owner);
  }, 300_000);

  afterAll(async () => {
    await env?.close();
  });

  const calendarsOf = async () =>
    (await env.api.server.inject({ method: 'GET', url: '/api/calendars', headers: env.owner.headers })).json<
      Array<Record<string, unknown>>
    >();

  it('creates a Round Robin calendar with priorities and rules, shows a taken link name next to its field, edits and deletes it', async () => {
    const page = await env.signedInPage();
    await page.goto(`${env.baseUrl}/app/calendars`);
    await page.getByRole('link', { name: 'New booking calendar' }).click();
    await page.waitForURL(/\/app\/calendars\/new$/);
    await page.getByLabel('Name', { exact: true }).fill('Intro call');
    expect(await page.getByLabel('Link name').inputValue()).toBe('intro-call');
    const member = page.getByRole('row', { name: /Member/ });
    await member.getByRole('checkbox').check();
    await page.getByLabel(/^Priority of Member/).fill('5');
    await page.getByLabel('Distribution').selectOption('equal');
    await page.getByLabel('Duration (minutes)').fill('45');
    await page.getByLabel('Buffer after (minutes)').fill('10');
    await page.getByLabel('Minimum notice (hours)').fill('2');
    await page.getByLabel('Booking window (days ahead)').fill('30');
    await page.getByLabel('Bookings per day (limit)').fill('4');
    await page.getByLabel('Location').fill('Studio, 1 High Street');
    await env.screenshot(page, 'calendar-editor-round-robin');
    await page.getByRole('button', { name: 'Create calendar' }).click();
    await page.waitForURL(/\/app\/calendars\?saved=/);
    await page.getByRole('heading', { name: 'Intro call' }).waitFor();

    const created = (await calendarsOf()).find((c) => c.name === 'Intro call')!;
    expect(created).toMatchObject({
      type: 'round_robin',
      slug: 'intro-call',
      durationMin: 45,
      bufferAfterMin: 10,
      minNoticeMin: 120,
      windowDays: 30,
      dailyLimit: 4,
      distribution: 'equal',
      location: 'Studio, 1 High Street',
    });
    expect(created.members).toEqual(
      expect.arrayContaining([
        { userId: env.owner.userId, priority: 0 },
        { userId: memberId, priority: 5 },
      ]),
    );

    // A second calendar with the same link name: the API's error appears next to that field.
    await page.getByRole('link', { name: 'New booking calendar' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Intro call');
    await page.getByLabel('Duration (minutes)').fill('3');
    await page.getByRole('button', { name: 'Create calendar' }).click();
    const duration = page.locator('[data-field="durationMin"]');
    await duration.getByRole('alert').waitFor();
    expect(await page.getByLabel('Duration (minutes)').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Duration (minutes)').fill('30');
    await page.getByRole('button', { name: 'Create calendar' }).click();
    await page.locator('[data-field="slug"]').getByRole('alert').filter({ hasText: 'already used' }).waitFor();
    await env.screenshot(page, 'calendar-editor-field-error');

    // Edit: the saved rules come back into the form; a change is saved.
    await page.goto(`${env.baseUrl}/app/calendars/${String(created.id)}`);
    expect(await page.getByLabel('Bookings per day (limit)').inputValue()).toBe('4');
    await page.getByLabel('Bookings per day (limit)').fill('');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.waitForURL(/\/app\/calendars\?saved=/);
    expect((await calendarsOf()).find((c) => c.id === created.id)?.dailyLimit).toBeNull();

    // Delete states what happens to appointments, then removes the calendar.
    await page.goto(`${env.baseUrl}/app/calendars/${String(created.id)}`);
    await page.getByRole('button', { name: 'Delete calendar' }).click();
    const dialog = page.getByRole('dialog', { name: /Delete/ });
    await dialog.getByText(/upcoming appointments cannot be deleted/).waitFor();
    await dialog.getByRole('button', { name: 'Delete calendar' }).click();
    await page.waitForURL(/\/app\/calendars$/);
    expect((await calendarsOf()).some((c) => c.id === created.id)).toBe(false);
  }, 120_000);
});
