import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { registerStaticWeb } from '../../src/http/static-web.ts';
import { addCalendar, signUp, type Session, type TestApi, startTestApi } from '../support/api.ts';
import { ensureWebBuild, launchChromium, webDistDir } from '../support/browser.ts';

/**
 * The public booking page and the staff week view in a real browser: Debian's Chromium driven by
 * playwright-core, against Tandem started in-process with the built web app. The server's clock
 * and the browser's clock are both fixed at Monday 2026-11-23 08:00 UTC; the owner works 9–17 in
 * London and the booker sits in New York, so every time the booker sees is five hours earlier.
 */

const SCREENSHOTS = {
  booking: '/tmp/tandem-e2e-booking-page.png',
  confirmation: '/tmp/tandem-e2e-confirmation.png',
  week: '/tmp/tandem-e2e-week-view.png',
  manage: '/tmp/tandem-e2e-manage-cancelled.png',
};

describe('web UI in a real browser', () => {
  let api: TestApi;
  let browser: Browser;
  let baseUrl: string;
  let session: Session;
  let ownerEmail: string;
  let calendarId: string;
  const contexts: BrowserContext[] = [];
  let manageHref = '';
  /** What Chromium reports as blocked by the server's Content-Security-Policy, on any page opened. */
  const cspViolations: string[] = [];

  /** A fresh browser context (own storage), with the browser's clock fixed at the server's. */
  async function openPage(options: { timezoneId: string }): Promise<Page> {
    const context = await browser.newContext({ timezoneId: options.timezoneId, locale: 'en-US', viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy/i.test(message.text()))
        cspViolations.push(`${page.url()}: ${message.text()}`);
    });
    await page.clock.setFixedTime(api.clock.now);
    return page;
  }

  beforeAll(async () => {
    ensureWebBuild();
    api = await startTestApi('pglite', { now: '2026-11-23T08:00:00Z' });
    await registerStaticWeb(api.server, webDistDir);
    await api.server.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(api.server.server.address() as AddressInfo).port}`;

    session = await signUp(api.server, { timezone: 'Europe/London' });
    ownerEmail = (await api.server.inject({ method: 'GET', url: '/api/me', headers: session.headers })).json<{ email: string }>().email;
    calendarId = await addCalendar(api.server, session, { type: 'round_robin', name: 'Intro call', members: [{ userId: session.userId }] });

    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    for (const context of contexts) await context.close();
    await browser?.close();
    await api?.close();
  });

  it('serves the app at its client-side paths without shadowing the API', async () => {
    for (const path of ['/', '/book/x', '/manage/x', '/app', '/app/settings/calendars']) {
      const response = await fetch(`${baseUrl}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toContain('text/html');
    }
    const unknownApi = await fetch(`${baseUrl}/api/no-such-thing`);
    expect(unknownApi.status).toBe(404);
    expect(await unknownApi.json()).toEqual({ error: { code: 'not_found', message: expect.any(String) } });
    expect(await (await fetch(`${baseUrl}/healthz`)).json()).toEqual({ ok: true });
  });

  it("books a slot in the booker's time zone; the slot is gone after a reload", async () => {
    const page = await openPage({ timezoneId: 'America/New_York' });
    await page.goto(`${baseUrl}/book/${calendarId}`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Intro call');
    await expect.poll(() => page.getByLabel('Time zone').inputValue()).toBe('America/New_York');

    // Tuesday 24 November: 10:00 in London is 5:00 AM in New York.
    await page.locator('[data-date="2026-11-24"]').click();
    await page.getByRole('heading', { name: 'Tuesday, November 24, 2026' }).waitFor();
    const slot = page.getByRole('button', { name: '5:00 AM', exact: true });
    await slot.waitFor();
    await page.screenshot({ path: SCREENSHOTS.booking, fullPage: true, animations: 'disabled' });
    await slot.click();

    await page.getByLabel('Name').fill('Ada Lovelace');
    await page.getByLabel('Email').fill('ada@example.test');
    await page.getByLabel(/Phone/).fill('+44 20 7946 0000');
    await page.getByRole('button', { name: 'Confirm booking' }).click();

    const confirmation = page.getByRole('status').filter({ hasText: 'You’re booked' });
    await confirmation.waitFor();
    expect(await confirmation.textContent()).toContain('Tuesday, November 24, 2026 at 5:00 AM – 5:30 AM');
    expect(await confirmation.textContent()).toContain('America/New York');
    await page.screenshot({ path: SCREENSHOTS.confirmation, fullPage: true, animations: 'disabled' });
    manageHref = (await page.locator('a.manage').getAttribute('href')) ?? '';
    expect(manageHref).toMatch(/^\/manage\/[^/?]+\?calendar=/);

    await page.reload();
    await page.locator('[data-date="2026-11-24"]').click();
    await page.getByRole('button', { name: '5:30 AM', exact: true }).waitFor();
    expect(await page.getByRole('button', { name: '5:00 AM', exact: true }).count()).toBe(0);
    expect(await page.locator('[data-start="2026-11-24T10:00:00.000Z"]').count()).toBe(0);
  });

  it('says "just taken" and refreshes the times when someone else was faster', async () => {
    const page = await openPage({ timezoneId: 'America/New_York' });
    await page.goto(`${baseUrl}/book/${calendarId}`);
    await page.locator('[data-date="2026-11-24"]').click();
    await page.getByRole('button', { name: '6:00 AM', exact: true }).click();
    await page.getByLabel('Name').fill('Slow Client');
    await page.getByLabel('Email').fill('slow@example.test');

    const faster = await fetch(`${baseUrl}/api/public/calendars/${calendarId}/bookings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ start: '2026-11-24T11:00:00Z', contact: { name: 'Fast Client', email: 'fast@example.test' } }),
    });
    expect(faster.status).toBe(201);

    await page.getByRole('button', { name: 'Confirm booking' }).click();
    await page.getByRole('alert').filter({ hasText: 'That time was just taken — pick another.' }).waitFor();
    await page.locator('[data-date="2026-11-24"]').click();
    await page.getByRole('button', { name: '6:30 AM', exact: true }).waitFor();
    expect(await page.getByRole('button', { name: '6:00 AM', exact: true }).count()).toBe(0);
  });

  it('shows the booked appointment in the staff week view', async () => {
    const page = await openPage({ timezoneId: 'Europe/London' });
    await page.goto(`${baseUrl}/app/calendars`);
    await page.waitForURL(/\/app\/sign-in\?next=%2Fapp%2Fcalendars$/);
    await page.getByLabel('Email').fill(ownerEmail);
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Sign in' }).click();

    // Back where they were going: the calendars list, with the booking page link and iCloud note.
    await page.waitForURL(`${baseUrl}/app/calendars`);
    const item = page.locator(`[data-calendar-id="${calendarId}"]`);
    await item.getByRole('link', { name: 'Booking page' }).waitFor();
    expect(await item.getByRole('link', { name: 'Booking page' }).getAttribute('href')).toBe(`/book/${calendarId}`);
    expect(await item.textContent()).toContain('iCloud integration: appointments go to');

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Week' }).click();
    await page.waitForURL(`${baseUrl}/app`);

    await page.locator('.fc-toolbar-title').filter({ hasText: 'Nov 23 – 29, 2026' }).waitFor();
    const appointment = page.locator('.fc-event.ev-appointment').filter({ hasText: 'Intro call with Ada Lovelace' });
    await appointment.waitFor();
    expect(await appointment.locator('.ev').getAttribute('title')).toBe('10:00 AM · Intro call with Ada Lovelace');
    await appointment.scrollIntoViewIfNeeded();
    await page.screenshot({ path: SCREENSHOTS.week, fullPage: true, animations: 'disabled' });

    await appointment.click();
    const dialog = page.getByRole('dialog', { name: 'Intro call with Ada Lovelace' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('ada@example.test');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await dialog.waitFor({ state: 'hidden' });
  });

  it('reschedules and cancels through the manage link', async () => {
    expect(manageHref).not.toBe('');
    const page = await openPage({ timezoneId: 'America/New_York' });
    await page.goto(`${baseUrl}${manageHref}`);
    const status = page.getByTestId('booking-status');
    await expect.poll(() => status.textContent()).toBe('Confirmed');
    expect(await page.locator('.when').textContent()).toContain('Tuesday, November 24, 2026 at 5:00 AM');

    // Reschedule to 7:00 AM New York (12:00 London) the same day, then cancel.
    await page.getByRole('button', { name: 'Reschedule' }).click();
    await page.locator('[data-date="2026-11-24"]').click();
    await page.getByRole('button', { name: '7:00 AM', exact: true }).click();
    await page.getByRole('button', { name: /^Move to Tuesday, November 24, 2026 at 7:00 AM/ }).click();
    await page.getByRole('status').filter({ hasText: 'Moved to Tuesday, November 24, 2026 at 7:00 AM' }).waitFor();
    expect(await page.locator('.when').textContent()).toContain('7:00 AM – 7:30 AM');

    await page.getByRole('button', { name: 'Cancel booking' }).click();
    await page.getByRole('button', { name: 'Yes, cancel it' }).click();
    await expect.poll(() => status.textContent()).toBe('Cancelled');
    await page.screenshot({ path: SCREENSHOTS.manage, fullPage: true, animations: 'disabled' });

    const token = decodeURIComponent(manageHref.split('/')[2]!.split('?')[0]!);
    const booking = (await (await fetch(`${baseUrl}/api/public/bookings/${encodeURIComponent(token)}`)).json()) as {
      status: string;
      start: string;
    };
    expect(booking).toMatchObject({ status: 'cancelled', start: '2026-11-24T12:00:00.000Z' });
  });

  // Last, after every page above was used: the security headers' CSP blocked nothing the app needs.
  it('runs under the Content-Security-Policy without a violation', () => {
    expect(cspViolations).toEqual([]);
  });
});
