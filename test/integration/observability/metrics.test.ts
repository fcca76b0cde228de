/**
 * /metrics (issue 9.4): Prometheus text with the sync-lag histogram after real syncs against the
 * iCloud emulator, HTTP latency by route pattern and 409 conflicts — and never public by accident:
 * absent without METRICS_TOKEN / METRICS_PORT, 401 without the token, and on METRICS_PORT only there.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarMetricKey } from '../../../src/observability/metrics.ts';
import { signUp, type Session } from '../../support/api.ts';
import { freePort } from '../../support/free-port.ts';
import { startICloudEmulator, type ICloudEmulator } from '../../support/icloud-emulator.ts';
import { connectAndConfigure, startSyncApp, syncStatus, type CalendarJson, type SyncApp } from '../../support/sync-journey.ts';
import { waitFor } from '../../support/wait-for.ts';

const TOKEN = 'metrics-token-for-the-test-0123456789';

describe('/metrics behind METRICS_TOKEN', () => {
  let emulator: ICloudEmulator;
  let tandem: SyncApp;
  let owner: Session;
  let primary: CalendarJson;

  beforeAll(async () => {
    emulator = await startICloudEmulator();
    tandem = await startSyncApp({ env: { ...emulator.appEnv, METRICS_TOKEN: TOKEN } });
    owner = await signUp(tandem.server);
    ({ primary } = await connectAndConfigure(tandem.server, owner, {
      name: 'iCloud emulator',
      connect: { provider: 'icloud', email: emulator.appleId, appSpecificPassword: emulator.appPassword },
      primaryName: 'Home',
      conflictName: 'Work',
      direct: (url) => emulator.radicaleUrlFor(url),
      auth: { username: emulator.radicale.username, password: emulator.radicale.password },
      requestCount: () => emulator.requestLog.length,
      stop: () => emulator.stop(),
    }));
  });

  afterAll(async () => {
    await tandem?.close();
    await emulator?.stop();
  });

  const scrape = async () => {
    const response = await tandem.server.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toContain('text/plain');
    return response.body;
  };

  /** "Sync now", then wait until the status shows a newer last sync. */
  const syncNow = async () => {
    const before = (await syncStatus(tandem.server, owner)).find((s) => s.calendarId === primary.id)?.lastSyncedAt ?? '';
    const response = await tandem.server.inject({
      method: 'POST',
      url: `/api/remote-calendars/${primary.id}/sync`,
      headers: owner.headers,
    });
    expect(response.statusCode, response.body).toBe(202);
    await waitFor(async () => {
      const status = (await syncStatus(tandem.server, owner)).find((s) => s.calendarId === primary.id);
      return status?.lastSyncedAt && status.lastSyncedAt > before;
    }, 'Sync now to finish');
  };

  it('refuses a scrape without the token, or with a wrong one', async () => {
    expect((await tandem.server.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const wrong = await tandem.server.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer not-the-token-at-all-0000000' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.json()).toMatchObject({ error: { code: 'unauthenticated' } });
  });

  it('shows the sync-lag histogram by provider after a second sync, and syncs by outcome', async () => {
    await syncNow();
    await syncNow();
    const text = await scrape();
    expect(text).toMatch(/^tandem_sync_lag_seconds_count\{provider="icloud"\} [1-9]/m);
    expect(text).toMatch(/^tandem_syncs_total\{provider="icloud",mode="\w+",outcome="ok"\} [1-9]/m);
    expect(text).toMatch(/^tandem_sync_duration_seconds_count\{provider="icloud",mode="\w+"\} [1-9]/m);
    expect(text).toMatch(/^tandem_sync_queue_depth\{state="waiting"\} \d+/m);
    expect(text).toMatch(/^tandem_outbox_rows\{channel="calendar",status="pending"\} \d+/m);
    expect(text).toMatch(/^tandem_outbox_rows\{channel="calendar",status="failed"\} 0/m);
    expect(text).toContain('tandem_process_resident_memory_bytes');
    // Per-calendar lag (issue 12.6): the primary was synced moments ago.
    const lag = new RegExp(
      `^tandem_calendar_sync_lag_seconds\\{calendar="${calendarMetricKey(primary.id)}",provider="icloud"\\} ([0-9.e+-]+)$`,
      'm',
    ).exec(text);
    expect(lag, text).not.toBeNull();
    expect(Number(lag![1])).toBeGreaterThanOrEqual(0);
  });

  it('counts a failed sync by its kind', async () => {
    emulator.setFault({ kind: 'unauthorized' });
    try {
      const response = await tandem.server.inject({
        method: 'POST',
        url: `/api/remote-calendars/${primary.id}/sync`,
        headers: owner.headers,
      });
      expect(response.statusCode, response.body).toBe(202);
      await waitFor(
        async () => /^tandem_sync_errors_total\{provider="icloud",code="icloud_auth_failed"\} 1/m.test(await scrape()),
        'the failed sync to be counted',
      );
    } finally {
      emulator.setFault({ kind: 'none' });
    }
  });

  it('measures HTTP latency by route pattern (not by raw URL) and counts 409 conflicts', async () => {
    const taken = {
      name: 'Studio',
      slug: `metrics-${Date.now().toString(36)}`,
      owner: {
        name: 'Owner',
        email: `m-${Date.now().toString(36)}@example.test`,
        password: 'correct horse battery',
        timezone: 'Europe/London',
      },
    };
    expect((await tandem.server.inject({ method: 'POST', url: '/api/workspaces', payload: taken })).statusCode).toBe(201);
    const again = await tandem.server.inject({
      method: 'POST',
      url: '/api/workspaces',
      payload: { ...taken, owner: { ...taken.owner, email: `other-${taken.owner.email}` } },
    });
    expect(again.statusCode, again.body).toBe(409);
    const text = await scrape();
    expect(text).toMatch(/^tandem_booking_conflicts_total\{route="\/api\/workspaces"\} 1/m);
    expect(text).toMatch(
      /^tandem_http_request_duration_seconds_count\{method="POST",route="\/api\/remote-calendars\/:id\/sync",status_code="202"\} [1-9]/m,
    );
    expect(text).not.toContain(primary.id);
  });
});

describe('/metrics is never public by accident', () => {
  it('does not exist without METRICS_TOKEN or METRICS_PORT', async () => {
    const tandem = await startSyncApp();
    try {
      expect((await tandem.server.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    } finally {
      await tandem.close();
    }
  });

  it('with METRICS_PORT, is served on that port only', async () => {
    const port = await freePort();
    const tandem = await startSyncApp({ env: { METRICS_PORT: String(port), HOST: '127.0.0.1' } });
    try {
      expect((await tandem.server.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.status).toBe(200);
      expect(await response.text()).toContain('# TYPE tandem_sync_lag_seconds histogram');
      expect((await fetch(`http://127.0.0.1:${port}/other`)).status).toBe(404);
    } finally {
      await tandem.close();
    }
  });
});
