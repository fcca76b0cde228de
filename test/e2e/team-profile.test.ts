import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addMember } from '../support/api.ts';
import { startStaffBrowser, type StaffBrowser } from '../support/staff-browser.ts';

/**
 * The owner adds a member (who sets a password through the link), changes roles, edits a member's
 * working hours and days off, removes; everyone edits their profile.
 */
describe('team and profile in a real browser', () => {
  let env: StaffBrowser;

  beforeAll(async () => {
    env = await startStaffBrowser();
  }, 300_000);

  afterAll(async () => {
    await env?.close();
  });

  const get = async <T>(url: string) => (await env.api.server.inject({ method: 'GET', url, headers: env.owner.headers })).json<T>();

  it('adds a member with an invitation link the member uses to set a password; changes a role; removes', async () => {
    const page = await env.signedInPage();
    await page.goto(`${env.baseUrl}/app/team`);
    await page.getByRole('button', { name: 'Add member' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a team member' });
    await dialog.getByLabel('Name').fill('Bea Baker');
    await dialog.getByLabel('Email').fill('bea@example.test');
    await dialog.getByLabel('Time zone').fill('America/New_York');
    await dialog.getByRole('button', { name: 'Add member' }).click();
    const link = await page.getByTestId('invite-link').textContent();
    expect(link).toMatch(/\/app\/invite#tdi_/);
    await env.screenshot(page, 'team-invite-link');
    await page.getByRole('button', { name: 'Done' }).click();
    await page.getByRole('cell', { name: 'bea@example.test' }).waitFor();

    await page.getByLabel('Role of Bea Baker').selectOption('admin');
    await expect
      .poll(async () => (await get<Array<{ email: string; role: string }>>('/api/users')).find((u) => u.email === 'bea@example.test')?.role)
      .toBe('admin');

    // Bea opens the link in her own browser and sets a password.
    const invited = await env.browser.newContext({ timezoneId: 'America/New_York', locale: 'en-US' });
    try {
      const beaPage = await invited.newPage();
      await beaPage.goto(link!.replace(/^https?:\/\/[^/]+/, env.baseUrl));
      await beaPage.getByLabel('New password').fill('bea long password');
      await beaPage.getByRole('button', { name: 'Set password and sign in' }).click();
      await beaPage.waitForURL(/\/app\/profile$/);
      await beaPage.getByRole('heading', { name: 'My profile' }).waitFor();
    } finally {
      await invited.close();
    }

    await page
      .getByRole('row', { name: /Bea Baker/ })
      .getByRole('button', { name: 'Remove' })
      .click();
    await page.getByRole('dialog', { name: 'Remove Bea Baker?' }).getByRole('button', { name: 'Remove' }).click();
    await expect
      .poll(async () => (await get<Array<{ email: string }>>('/api/users')).some((u) => u.email === 'bea@example.test'))
      .toBe(false);
    expect(env.consoleErrors).toEqual([]);
  }, 120_000);

  it('edits name, time zone, working hours with a lunch break, a day off, and API tokens', async () => {
    const page = await env.signedInPage();
    await page.goto(`${env.baseUrl}/app/profile`);
    await page.getByLabel('Name', { exact: true }).fill('Olivia Owner');
    await page.getByLabel('Time zone', { exact: true }).fill('Europe/Paris');
    await page.getByText(/Europe\/Paris: GMT\+1 · now/).waitFor();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    // Each card says its own save went through, as a status screen readers announce.
    await page.getByRole('form', { name: 'Name and time zone' }).getByRole('status').filter({ hasText: 'Saved.' }).waitFor();

    const invitations = page.getByRole('group', { name: 'Invitations' });
    await invitations.getByLabel("Don't block: show them, but keep the time bookable").check();
    await invitations.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();

    const monday = page.getByRole('group', { name: 'Monday' });
    await monday.getByLabel('Monday until (1)').fill('12:00');
    await monday.getByRole('button', { name: 'Add hours' }).click();
    await monday.getByLabel('Monday from (2)').fill('13:00');
    await monday.getByLabel('Monday until (2)').fill('17:00');
    await page.getByRole('group', { name: 'Friday' }).getByRole('button', { name: 'Remove Friday hours 1' }).click();
    await page.getByRole('button', { name: 'Save working hours' }).click();
    await page
      .getByRole('form', { name: 'Weekly working hours' })
      .getByRole('status')
      .filter({ hasText: 'Working hours saved.' })
      .waitFor();

    await page.getByLabel('Date', { exact: true }).fill('2026-12-24');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('Day off').first().waitFor();

    await page.getByLabel('Token name').fill('Zapier');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = await page.getByTestId('new-token').textContent();
    expect(token).toMatch(/^tdk_/);
    await env.screenshot(page, 'profile');

    const me = await get<{ name: string; timezone: string; invitationPolicy: string; weeklyHours: Record<string, unknown> }>('/api/me');
    expect(me).toMatchObject({ name: 'Olivia Owner', timezone: 'Europe/Paris', invitationPolicy: 'free' });
    expect(me.weeklyHours['1']).toEqual([
      { start: '09:00', end: '12:00' },
      { start: '13:00', end: '17:00' },
    ]);
    expect(me.weeklyHours['5'] ?? []).toEqual([]);
    expect(await get(`/api/users/${env.owner.userId}/overrides`)).toEqual([{ date: '2026-12-24', ranges: [] }]);

    await page.getByRole('button', { name: 'Revoke Zapier' }).click();
    await expect
      .poll(
        async () =>
          (await env.api.server.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } })).statusCode,
      )
      .toBe(401);
    expect(env.consoleErrors).toEqual([]);
  }, 120_000);

  it("edits a member's weekly hours and a day off from the Team screen, by keyboard alone", async () => {
    const memberId = await addMember(env.api.server, env.owner, { timezone: 'America/New_York' });
    const member = (await get<Array<{ id: string; name: string }>>('/api/users')).find((u) => u.id === memberId)!;
    const page = await env.signedInPage();
    await page.goto(`${env.baseUrl}/app/team`);
    await page.getByRole('button', { name: `Working hours of ${member.name}` }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: `Working hours of ${member.name}` });
    await dialog.getByText(`In ${member.name}’s time zone (America/New York)`).waitFor();

    const tuesday = dialog.getByRole('group', { name: 'Tuesday' });
    await tuesday.getByLabel('Tuesday until (1)').fill('13:00');
    await dialog.getByRole('button', { name: 'Save working hours' }).focus();
    await page.keyboard.press('Enter');
    await dialog.getByRole('status').filter({ hasText: 'Working hours saved.' }).waitFor();

    await dialog.getByLabel('Date', { exact: true }).fill('2026-12-28');
    await dialog.getByRole('button', { name: 'Add', exact: true }).focus();
    await page.keyboard.press('Enter');
    await dialog.getByText('Day off').first().waitFor();
    await env.checkScreen(page, 'team-member-hours');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });

    const saved = await get<{ weeklyHours: Record<string, unknown> }>(`/api/users/${memberId}`);
    expect(saved.weeklyHours['2']).toEqual([{ start: '09:00', end: '13:00' }]);
    expect(await get(`/api/users/${memberId}/overrides`)).toEqual([{ date: '2026-12-28', ranges: [] }]);
    // The owner's own hours were not touched.
    expect(await get(`/api/users/${env.owner.userId}/overrides`)).not.toContainEqual({ date: '2026-12-28', ranges: [] });
    expect(env.axeViolations).toEqual([]);
    expect(env.consoleErrors).toEqual([]);
  }, 120_000);
});
