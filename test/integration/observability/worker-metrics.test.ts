/**
 * A `tandem worker` serves /metrics on METRICS_PORT (behind METRICS_TOKEN when set): when Tandem is
 * scaled out the workers do the syncing, so their sync, queue and process metrics are the ones an
 * operator needs. Real child process, real PostgreSQL and Redis.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_SECRET_KEY } from '../../support/api.ts';
import { createTestDatabase } from '../../support/db.ts';
import { freePort } from '../../support/free-port.ts';
import { startTandem, type TandemProcess } from '../../support/tandem-process.ts';
import { waitFor } from '../../support/wait-for.ts';

/** A Redis database no other test file uses. */
const REDIS_DB = 13;
const TOKEN = 'worker-metrics-token-0123456789';

describe('tandem worker with METRICS_PORT', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  let worker: TandemProcess | undefined;

  beforeAll(async () => {
    database = await createTestDatabase('postgres');
  });
  afterAll(async () => {
    await worker?.kill();
    await database?.close();
  });

  it('serves its metrics on that port to a scraper with the token, and stops with SIGTERM', async () => {
    const port = await freePort();
    const redisUrl = new URL(inject('redisUrl'));
    redisUrl.pathname = `/${REDIS_DB}`;
    const running = startTandem('worker', {
      DATABASE_URL: database.url!,
      REDIS_URL: redisUrl.toString(),
      TANDEM_SECRET_KEY: TEST_SECRET_KEY,
      HOST: '127.0.0.1',
      METRICS_PORT: String(port),
      METRICS_TOKEN: TOKEN,
      TANDEM_SEED_DEMO: 'false',
    });
    worker = running;
    const scrape = (token: string | null) =>
      fetch(`http://127.0.0.1:${port}/metrics`, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
    const text = await waitFor(
      async () => {
        if (!running.alive()) throw new Error(`worker exited:\n${running.output()}`);
        const response = await scrape(TOKEN).catch(() => null);
        return response?.status === 200 ? response.text() : undefined;
      },
      'the worker to serve /metrics',
      120_000,
    );
    expect(text).toMatch(/^tandem_sync_queue_depth\{state="waiting"\} \d+/m);
    expect(text).toMatch(/^# TYPE tandem_sync_lag_seconds histogram/m);
    expect(text).toMatch(/^tandem_process_cpu_seconds_total /m);
    expect((await scrape(null)).status).toBe(401);
    expect((await scrape('wrong-token-wrong-token-wrong')).status).toBe(401);

    running.child.kill('SIGTERM');
    expect(await running.exited, running.output()).toEqual({ code: 0, signal: null });
    await expect(scrape(TOKEN)).rejects.toThrow();
  }, 180_000);
});
