/**
 * Settings → Notifications and Settings → Webhooks in a real browser (issue 11): without SMTP_URL the
 * page says e-mail is not configured and lists the last .eml messages; a calendar's switches and
 * reminder offsets are saved; a webhook endpoint is added with its secret shown once, its delivery log
 * shows a signed delivery, the secret is rotated and the endpoint deleted.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addCalendar, contact } from '../support/api.ts';
import { startStaffBrowser, type StaffBrowser } from '../support/staff-browser.ts';
import { waitFor } from '../support/wait-for.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

describe('notification and webhook settings', () => {
  let env: StaffBrowser;
  let hooks: WebhookReceiver;
  let dataDir: string;
  let calendarId: string;
  let booked = 0;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tandem-e2e-mail-'));
    // No SMTP_URL: messages become .eml files in this DATA_DIR. The receiver checks signatures on Tandem's clock.
    env = await startStaffBrowser({ env: { DATA_DIR: dataDir } });
    hooks = await startWebhookReceiver({ now: () => env.api.clock.now });
    calendarId = await addCalendar(env.api.server, env.owner, {
      type: 'round_robin',
      name: 'Consultation',
      members: [{ userId: env.owner.userId }],
    });
  }, 300_000);
  afterAll(async () => {
    await env?.close();
    await hooks?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  /** A client books on the public page; the outbox is delivered until `done` holds. */
  async function bookAndDeliver(done: () => Promise<boolean> | boolean): Promise<void> {
    booked += 1;
    const response = await env.api.server.inject({
      method: 'POST',
      url: `/api/public/calendars/${calendarId}/bookings`,
      payload: {
        start: `2026-11-24T${String(9 + booked).padStart(2, '0')}:00:00Z`,
        contact: contact(`e2e-${booked}`),
        timezone: 'Asia/Tokyo',
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    await waitFor(async () => {
      await env.api.app.work.dispatchOutbox();
      return done();
    }, 'the booking to be told');
  }

  it('Notifications: "not configured" with the last .eml messages, and per-calendar switches and reminders saved', async () => {
    const mailFiles = async () =>
      (await env.api.server.inject({ url: '/api/notifications/mail', headers: env.owner.headers })).json<{ files: unknown[] }>().files;
    await bookAndDeliver(async () => (await mailFiles()).length === 2);
    const page = await env.signedInPage();
    await page.goto(`${env.baseUrl}/app/settings/notifications`);
    await page.getByTestId('mail-not-configured').waitFor();
    const rows = page.locator('table.mail-files tbody tr');
    await rows.first().waitFor();
    expect(await rows.count()).toBe(2);
    const listed = (await rows.allInnerTexts()).join('\n');
    expect(listed).toContain(contact('e2e-1').email);
    expect(listed).toMatch(/Booking confirmed/);
    expect(listed).toMatch(/New booking/);

    const card = page.locator(`[data-calendar-id="${calendarId}"]`);
    // One switch per line: each label starts below the one before.
    const tops = await Promise.all((await card.locator('label').all()).map(async (label) => (await label.boundingBox())!.y));
    expect(tops).toHaveLength(8);
    expect(tops.every((top, i) => i === 0 || top > tops[i - 1]!)).toBe(true);
    // A mistake is an alert, not a quiet status; fixing it and saving again says "Saved." instead.
    await card.getByLabel(/Reminders, hours before the start/).fill('soon');
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByRole('alert').filter({ hasText: 'Reminder offsets are hours before the start' }).waitFor();
    await card.getByLabel('Staff: new booking').uncheck();
    await card.getByLabel(/Reminders, hours before the start/).fill('24, 1');
    await card.getByRole('button', { name: 'Save' }).click();
    await card.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
    expect(await card.getByRole('alert').count()).toBe(0);
    expect(await card.getByLabel('Staff: the client cancelled or moved their booking').isChecked()).toBe(true);
    const saved = (
      await env.api.server.inject({ url: `/api/calendars/${calendarId}/notification-settings`, headers: env.owner.headers })
    ).json<{ staffNewBooking: boolean; reminderOffsetsMin: number[] }>();
    expect(saved).toMatchObject({ staffNewBooking: false, reminderOffsetsMin: [1440, 60] });
    await page.reload();
    await expect.poll(() => card.getByLabel(/Reminders, hours before the start/).inputValue()).toBe('24, 1');
    expect(await card.getByLabel('Staff: new booking').isChecked()).toBe(false);
    await env.screenshot(page, 'settings-notifications');
    expect(env.consoleErrors).toEqual([]);
  }, 120_000);

  it('Webhooks: add (secret shown once), delivery log, rotate, delete after a confirmation', async () => {
    const page = await env.signedInPage();
    await page.goto(`${env.baseUrl}/app/settings/webhooks`);
    await page.getByLabel('Endpoint URL').fill(hooks.url);
    await page.getByRole('button', { name: 'Add endpoint' }).click();
    const secretNotice = page.getByTestId('webhook-secret');
    const secret = (await secretNotice.locator('code').innerText()).trim();
    expect(secret).toMatch(/^whsec_/);
    expect(await secretNotice.innerText()).toContain(hooks.url);
    hooks.setSecret(secret);
    const endpoint = page.locator('li[data-webhook-id]');
    await endpoint.waitFor();
    const endpointId = (await endpoint.getAttribute('data-webhook-id'))!;
    const listed = await env.api.server.inject({ url: '/api/webhooks', headers: env.owner.headers });
    expect(listed.body).not.toContain(secret);

    await bookAndDeliver(() => hooks.received.length === 1);
    expect(hooks.received.map((h) => [h.type, h.verified])).toEqual([['appointment.created', true]]);
    await endpoint.getByRole('button', { name: 'Delivery log' }).click();
    const logRow = endpoint.locator('table.delivery-log tbody tr');
    await logRow.filter({ hasText: 'delivered' }).waitFor();
    expect(await logRow.count()).toBe(1);
    expect(await logRow.innerText()).toMatch(/appointment\.created\s+delivered\s+1\s+204/);

    // Shown once: after a reload the secret is nowhere on the page.
    await page.reload();
    await endpoint.waitFor();
    expect(await page.content()).not.toContain(secret);

    await endpoint.getByRole('button', { name: 'Rotate secret' }).click();
    const rotated = (await secretNotice.locator('code').innerText()).trim();
    expect(rotated).toMatch(/^whsec_/);
    expect(rotated).not.toBe(secret);
    await env.screenshot(page, 'settings-webhooks');

    await endpoint.getByRole('button', { name: 'Delete' }).click();
    const confirm = page.getByRole('dialog', { name: 'Delete this endpoint?' });
    await confirm.getByRole('button', { name: 'Keep it' }).click();
    await confirm.waitFor({ state: 'detached' });
    expect((await env.api.server.inject({ url: '/api/webhooks', headers: env.owner.headers })).json()).toHaveLength(1);
    await endpoint.getByRole('button', { name: 'Delete' }).click();
    await confirm.getByRole('button', { name: 'Delete endpoint' }).click();
    await endpoint.waitFor({ state: 'detached' });
    expect((await env.api.server.inject({ url: '/api/webhooks', headers: env.owner.headers })).json()).toEqual([]);
    expect((await env.api.server.inject({ url: `/api/webhooks/${endpointId}/deliveries`, headers: env.owner.headers })).statusCode).toBe(
      404,
    );
    expect(env.consoleErrors).toEqual([]);
  }, 120_000);
});
