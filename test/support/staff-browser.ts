import type { AddressInfo } from 'node:net';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { registerStaticWeb } from '../../src/http/static-web.ts';
import { signUp, startTestApi, type Session, type TestApi } from './api.ts';
import { ensureWebBuild, launchChromium, webDistDir } from './browser.ts';
import { seriousAxeViolations } from './axe.ts';

/** Screenshots of browser tests (git-ignored). */
export const screenshotDir = fileURLToPath(new URL('../../test-results', import.meta.url));

export interface StaffBrowser {
  api: TestApi;
  browser: Browser;
  baseUrl: string;
  owner: Session;
  /** Console errors and uncaught page errors of every page opened here: a test fails when any. */
  consoleErrors: string[];
  /** A page signed in as `session` (default: the owner; null: nobody, e.g. a client), clock fixed at the server's. */
  signedInPage(options?: { session?: Session | null; viewport?: { width: number; height: number }; timezoneId?: string }): Promise<Page>;
  screenshot(page: Page, name: string): Promise<void>;
  /** Screenshot plus an axe check: serious or critical violations are collected in `axeViolations`. */
  checkScreen(page: Page, name: string): Promise<void>;
  /** "<screen>: <rule>: <help> (<targets>)" for every serious or critical axe violation checkScreen found. */
  axeViolations: string[];
  close(): Promise<void>;
}

/** Tandem with the built web app on a free port, an owner who signed up, and Debian's Chromium. */
export async function startStaffBrowser(
  options: { now?: string; timezone?: string; env?: Record<string, string> } = {},
): Promise<StaffBrowser> {
  ensureWebBuild();
  mkdirSync(screenshotDir, { recursive: true });
  const api = await startTestApi('pglite', { now: options.now ?? '2026-11-23T08:00:00Z', ...(options.env && { env: options.env }) });
  await registerStaticWeb(api.server, webDistDir);
  await api.server.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(api.server.server.address() as AddressInfo).port}`;
  const owner = await signUp(api.server, { timezone: options.timezone ?? 'Europe/London' });
  const browser = await launchChromium();
  const contexts: BrowserContext[] = [];
  const consoleErrors: string[] = [];
  const axeViolations: string[] = [];
  const screenshot = async (page: Page, name: string) => {
    await page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true, animations: 'disabled' });
  };
  return {
    api,
    browser,
    baseUrl,
    owner,
    consoleErrors,
    axeViolations,
    async signedInPage({
      session = owner,
      viewport = { width: 1280, height: 900 },
      timezoneId = options.timezone ?? 'Europe/London',
    } = {}) {
      const context = await browser.newContext({ timezoneId, locale: 'en-US', viewport });
      contexts.push(context);
      if (session) await context.addInitScript({ content: `localStorage.setItem('tandem.token', ${JSON.stringify(session.token)});` });
      const page = await context.newPage();
      page.on('console', (message) => {
        // A form's 4xx answer is an expected part of these tests; Chromium logs every failed fetch.
        if (message.type() === 'error' && !/Failed to load resource: the server responded with a status of 4\d\d/.test(message.text()))
          consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => consoleErrors.push(error.message));
      await page.clock.setFixedTime(api.clock.now);
      return page;
    },
    screenshot,
    async checkScreen(page, name) {
      await screenshot(page, name);
      for (const violation of await seriousAxeViolations(page)) axeViolations.push(`${name}: ${violation}`);
    },
    async close() {
      for (const context of contexts) await context.close();
      await browser.close();
      await api.close();
    },
  };
}
