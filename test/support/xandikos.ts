import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CalDavTestServer } from './caldav-fixtures.ts';
import { spawnServerProcess } from './radicale.ts';

export type { CalDavTestServer } from './caldav-fixtures.ts';

/**
 * Starts Xandikos (Debian package) on a free loopback port over a temp folder removed on stop().
 * `--defaults` creates the principal `/user/` with the home `/user/calendars/` holding a calendar
 * `/user/calendars/calendar/` (all component types), plus `/user/contacts/addressbook/` and `/user/inbox/`.
 * `email` becomes the principal's only calendar-user-address-set value (Xandikos reads EMAIL and
 * percent-encodes the value: `mailto%3A…`); without it the set is empty.
 * Xandikos has no authentication at all: it ignores the Authorization header, so the username and
 * password returned are placeholders a client may send and never a way to test 401 handling.
 */
export async function startXandikos(
  options: { email?: string } = {},
): Promise<CalDavTestServer & { defaultCalendarUrl: string; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-xandikos-'));
  let server;
  try {
    server = await spawnServerProcess(
      '/usr/bin/xandikos',
      (port) => ['--defaults', '-d', dataDir, '-l', '127.0.0.1', '-p', String(port), '--current-user-principal', '/user/'],
      'Xandikos',
      // The principal's calendar-user-address-set is this one address (mailto:), or empty without it.
      options.email === undefined ? {} : { EMAIL: options.email },
    );
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const baseUrl = `http://127.0.0.1:${server.port}`;
  return {
    baseUrl,
    username: 'user',
    password: 'xandikos-ignores-passwords',
    calendarHomeUrl: `${baseUrl}/user/calendars/`,
    defaultCalendarUrl: `${baseUrl}/user/calendars/calendar/`,
    dataDir,
    async stop() {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
