import { loadConfig } from '../../src/config.ts';
import { createApp, type App } from '../../src/app.ts';
import { openPostgres, type DatabaseHandle } from '../../src/store/database.ts';
import { TEST_SECRET_KEY, type TestApi } from './api.ts';

/** A second server process's worth of Tandem on the test API's database. */
export interface AnotherServer {
  handle: DatabaseHandle;
  app: App;
  close(): Promise<void>;
}

/**
 * On PostgreSQL, a second app on its own pool over `api`'s database, on `api`'s clock: "another
 * process" that serves and writes, for tests of what one server keeps in memory. Null on PGlite
 * (one process holds its database).
 */
export async function anotherServer(api: TestApi): Promise<AnotherServer | null> {
  const url = (api.app.database as { url?: string | null }).url;
  if (!url) return null;
  const handle = openPostgres(url, { max: 4 });
  const config = loadConfig({ LOG_LEVEL: 'silent', TANDEM_SEED_DEMO: 'false', SCHEDULER: 'off', TANDEM_SECRET_KEY: TEST_SECRET_KEY });
  const app = await createApp(config, { database: handle, now: () => api.clock.now });
  return {
    handle,
    app,
    async close() {
      await app.close();
      await handle.close();
    },
  };
}
