/**
 * `tandem backup` / `tandem restore` of the embedded database (issue 9.6): a backup taken while the
 * server runs (through its control socket), restored into a fresh DATA_DIR, holds the same
 * appointments, the same connection — its stored password still decryptable, proven by a sync
 * that logs in with it — and the same sync state.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../../../src/app.ts';
import { loadConfig, type Config } from '../../../src/config.ts';
import { CONTROL_SOCKET, backup, restore } from '../../../src/ops/backup.ts';
import { addCalendar, signUp, type Session } from '../../support/api.ts';
import { startICloudEmulator, type ICloudEmulator } from '../../support/icloud-emulator.ts';
import { at, bookAsStaff, connectAndConfigure, mondayAhead, syncStatus, type CalendarJson } from '../../support/sync-journey.ts';
import { waitFor } from '../../support/wait-for.ts';

const root = mkdtempSync(join(tmpdir(), 'tandem-backup-'));
const configFor = (dataDir: string, emulator: ICloudEmulator): Config =>
  // No TANDEM_SECRET_KEY: the embedded default, with the key generated into DATA_DIR.
  loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    TANDEM_SEED_DEMO: 'false',
    SCHEDULER: 'off',
    CALDAV_ALLOW_PRIVATE_NETWORKS: 'true',
    ...emulator.appEnv,
  });

async function syncNow(app: App, session: Session, calendar: CalendarJson): Promise<string> {
  const before = (await syncStatus(app.server, session)).find((s) => s.calendarId === calendar.id)?.lastSyncedAt ?? '';
  const response = await app.server.inject({ method: 'POST', url: `/api/remote-calendars/${calendar.id}/sync`, headers: session.headers });
  expect(response.statusCode, response.body).toBe(202);
  const status = await waitFor(async () => {
    const found = (await syncStatus(app.server, session)).find((s) => s.calendarId === calendar.id);
    return found?.lastSyncedAt && found.lastSyncedAt > before ? found : undefined;
  }, 'the sync to finish');
  expect(status.lastError).toBeNull();
  return status.lastSyncedAt ?? '';
}

describe('backup and restore of the embedded database', () => {
  let emulator: ICloudEmulator;
  let original: App;
  let owner: Session;
  let primary: CalendarJson;
  const file = join(root, 'backups', 'tandem.backup');
  const read = async (app: App) => ({
    appointments: (
      await app.server.inject({
        method: 'GET',
        url: `/api/appointments?from=${mondayAhead(3).toISOString()}&to=${new Date(mondayAhead(3).getTime() + 7 * 86_400_000).toISOString()}`,
        headers: owner.headers,
      })
    ).json<unknown[]>(),
    connections: (await app.server.inject({ method: 'GET', url: '/api/connections', headers: owner.headers })).json<unknown[]>(),
    // lagSeconds counts from now; the rest of the status is what the backup must keep.
    sync: (await syncStatus(app.server, owner)).map(({ lagSeconds: _lag, ...status }) => status),
  });
  let before: Awaited<ReturnType<typeof read>>;

  beforeAll(async () => {
    emulator = await startICloudEmulator();
    original = await createApp(configFor(join(root, 'original'), emulator));
    owner = await signUp(original.server);
    ({ primary } = await connectAndConfigure(original.server, owner, {
      name: 'iCloud emulator',
      connect: { provider: 'icloud', email: emulator.appleId, appSpecificPassword: emulator.appPassword },
      primaryName: 'Home',
      conflictName: 'Work',
      direct: (url) => emulator.radicaleUrlFor(url),
      auth: { username: emulator.radicale.username, password: emulator.radicale.password },
      requestCount: () => emulator.requestLog.length,
      stop: () => emulator.stop(),
    }));
    await syncNow(original, owner, primary);
    // The sync request's tick also enqueues every other due calendar (here "Work"): wait for all of them, so
    // that no sync finishes between reading the state below and taking the backup.
    await waitFor(async () => {
      const statuses = await syncStatus(original.server, owner);
      return statuses.length > 0 && statuses.every((s) => s.lastSyncedAt !== null) ? statuses : undefined;
    }, 'every configured calendar to finish its first sync');
    const calendar = await addCalendar(original.server, owner, {
      type: 'round_robin',
      name: 'Session',
      durationMin: 30,
      members: [{ userId: owner.userId }],
    });
    for (const hour of [9, 11]) {
      const booked = await bookAsStaff(original.server, owner, calendar, at(mondayAhead(3), hour), {
        name: `Client ${hour}`,
        email: `client-${hour}@example.test`,
      });
      expect(booked.statusCode, booked.body).toBe(201);
    }
    before = await read(original);
  });

  afterAll(async () => {
    await original?.close();
    await emulator?.stop();
    rmSync(root, { recursive: true, force: true });
  });

  it('backs up through the running server, which keeps serving', async () => {
    expect(existsSync(join(root, 'original', CONTROL_SOCKET))).toBe(true);
    expect(await backup(original.config, file)).toContain('from the running server');
    expect((await original.server.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('restores into a fresh DATA_DIR: same appointments, connections and sync state, passwords still decryptable', async () => {
    const restoredConfig = configFor(join(root, 'restored'), emulator);
    expect(await restore(restoredConfig, file)).toContain('Restored');
    const restored = await createApp(restoredConfig);
    try {
      const after = await read(restored);
      expect(before.appointments).toHaveLength(2);
      expect(after).toEqual(before);
      // The restored connection logs in to the calendar server with its stored password.
      expect(await syncNow(restored, owner, primary)).not.toBe('');
    } finally {
      await restored.close();
    }
  });

  it('refuses to restore over a database, or while a server runs on the DATA_DIR, or to start a second server there', async () => {
    await expect(restore(original.config, file)).rejects.toThrow(/is running/);
    await expect(createApp(original.config)).rejects.toThrow(/Another Tandem is already running/);
    const stopped = configFor(join(root, 'restored'), emulator);
    await expect(restore(stopped, file)).rejects.toThrow(/already holds a database/);
  });

  it('names pg_dump for PostgreSQL', async () => {
    const postgres = loadConfig({
      DATABASE_URL: 'postgres://tandem@127.0.0.1:1/never-contacted',
      TANDEM_SECRET_KEY: 'a-passphrase-long-enough-for-the-test',
    });
    await expect(backup(postgres, file)).rejects.toThrow(/pg_dump/);
  });
});
