import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendar, contact } from '../support/api.ts';
import { startStaffBrowser, type StaffBrowser } from '../support/staff-browser.ts';

/** Addresses people type or click: `/`, the appointment link written into calendar events, deep links after a reload. */
describe('links into the web app', () => {
  let env: StaffBrowser;
  let appointmentId: string;
  let ownerEmail: string;

  beforeAll(async () => {
    env = await startStaffBrowser();
    const server = env.api.server;
    ownerEmail = (await server.inject({ method: 'GET', url: '/api/me', headers: env.owner.headers })).json<{ email: string }>().email;
    const calendarId = await addCalendar(server, env.owner, {
      type: 'round_robin',
      name: 'Consultation',
      members: [{ userId: env.owner.userId }],
    });
    const booked = await server.inject({
      method: 'POST',
      url: `/api/public/calendars/${calendarId}/bookings`,
      headers: { 'idempotency-key': 'links-test-1' },
      payload: { start: '2026-11-24T10:00:00Z', contact: contact('Ada') },
    });
    expect(booked.statusCode, booked.body).toBe(201);
    const list = await server.inject({
      method: 'GET',
      url: '/api/appointments?from=2026-11-24T00:00:00Z&to=2026-11-25T00:00:00Z',
      headers: env.owner.headers,
    });
    appointmentId = list.json<Array<{ id: string }>>()[0]!.id;
  }, 300_000);

  afterAll(async () => {
    await env?.close();
  });

  it('shows the app at / on the first load', async () => {
    const page = await env.signedInPage();
    await page.goto(`${env.baseUrl}/`);
    await page.waitForURL(`${env.baseUrl}/app`);
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    expect(env.consoleErrors).toEqual([]);
  }, 60_000);

  it("opens an event's appointment link after signing in, and again after a reload", async () => {
    const context = await env.browser.newContext({ timezoneId: 'Europe/London', locale: 'en-US' });
    try {
      const page = await context.newPage();
      await page.clock.setFixedTime(env.api.clock.now);
      await page.goto(`${env.baseUrl}/appointments/${appointmentId}`);
      await page.waitForURL(/\/app\/sign-in\?next=%2Fappointments%2F/);
      await page.getByLabel('Email').fill(ownerEmail);
      await page.getByLabel('Password').fill('correct horse battery');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(`${env.baseUrl}/appointments/${appointmentId}`);
      await page.getByRole('heading', { level: 1 }).filter({ hasText: 'Consultation' }).waitFor();
      await page.getByRole('link', { name: 'client-Ada@example.test' }).waitFor();
      await page.reload();
      await page.getByRole('link', { name: 'client-Ada@example.test' }).waitFor();
      await env.screenshot(page, 'appointment-link');

      // A deep link into the staff app survives a reload too.
      await page.goto(`${env.baseUrl}/app/calendars/new`);
      await page.reload();
      await page.getByRole('heading', { name: 'New booking calendar' }).waitFor();
    } finally {
      await context.close();
    }
  }, 60_000);
});
