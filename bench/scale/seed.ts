/**
 * Rows for bench/scale.bench.ts, written straight into PostgreSQL (the API would take minutes for
 * 20,000 calendars): one workspace, one user and connection per CALENDARS_PER_ACCOUNT calendars,
 * each calendar already imported (a sync token, a recent full sync), so every poll is an idle one.
 */
import pg from 'pg';
import { createSecretBox } from '../../src/services/secrets/secret-box.ts';

export const BENCH_SYNC_TOKEN = 'http://bench.invalid/sync/1';
const CALENDARS_PER_ACCOUNT = 4;
const WEEKLY = JSON.stringify({ mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] });

export interface Seeded {
  /** Calendar ids in seeding order; the first k are the k calendars of a phase. */
  calendarIds: string[];
}

export async function seedCalendars(client: pg.Client, options: { count: number; ports: number[]; secretKey: Buffer }): Promise<Seeded> {
  const box = createSecretBox(options.secretKey);
  const secret = box.encrypt('bench-password');
  const workspace = await client.query<{ id: string }>(`insert into workspaces (name, slug) values ('Scale', 'scale') returning id`);
  const workspaceId = workspace.rows[0]!.id;
  const accounts = Math.ceil(options.count / CALENDARS_PER_ACCOUNT);
  const calendarIds: string[] = [];
  const chunk = 1_000;
  for (let first = 0; first < accounts; first += chunk) {
    const n = Math.min(chunk, accounts - first);
    const index = Array.from({ length: n }, (_, i) => first + i);
    const users = await client.query<{ id: string }>(
      `insert into users (workspace_id, email, name, role, timezone, weekly_hours)
       select $1, 'u' || i || '@scale.test', 'User ' || i, 'member', 'UTC', $2::jsonb from unnest($3::int[]) as i
       returning id`,
      [workspaceId, WEEKLY, index],
    );
    // Accounts go round the ports: each port ("host") serves an equal share of the calendars.
    const servers = index.map((i) => `http://127.0.0.1:${options.ports[i % options.ports.length]}`);
    const connections = await client.query<{ id: string; user_id: string; server_url: string }>(
      `insert into connections (workspace_id, user_id, provider, server_url, username, secret_ciphertext, principal_url, calendar_home_url)
       select $1, u, 'caldav', s, 'user' || i, $2, s || '/p/' || i || '/', s || '/c/' || i || '/'
       from unnest($3::uuid[], $4::text[], $5::int[]) as t(u, s, i)
       returning id, user_id, server_url`,
      [workspaceId, secret, users.rows.map((u) => u.id), servers, index],
    );
    const calendars: { connection: string; user: string; url: string }[] = [];
    for (const [k, connection] of connections.rows.entries()) {
      for (let c = 0; c < CALENDARS_PER_ACCOUNT && (first + k) * CALENDARS_PER_ACCOUNT + c < options.count; c++) {
        calendars.push({ connection: connection.id, user: connection.user_id, url: `${connection.server_url}/c/${first + k}/cal${c}/` });
      }
    }
    const inserted = await client.query<{ id: string }>(
      `insert into remote_calendars (workspace_id, user_id, connection_id, url, display_name, writable, role, sync_token,
                                     last_full_sync_at, last_synced_at, next_sync_at)
       select $1, u, c, url, 'Calendar', false, 'none', $2, now(), now(), null
       from unnest($3::uuid[], $4::uuid[], $5::text[]) with ordinality as t(u, c, url, n)
       order by n
       returning id`,
      [workspaceId, BENCH_SYNC_TOKEN, calendars.map((c) => c.user), calendars.map((c) => c.connection), calendars.map((c) => c.url)],
    );
    calendarIds.push(...inserted.rows.map((r) => r.id));
  }
  return { calendarIds };
}

/**
 * Puts the first `count` calendars in the steady state of a `pollSeconds` interval (the rest out of
 * the schedule): each was last synced between 0 and pollSeconds ago and is due pollSeconds after
 * that, so the load is even from the first second, as in a running installation.
 */
export async function startPhase(client: pg.Client, calendarIds: readonly string[], count: number, pollSeconds: number): Promise<void> {
  await client.query(`update remote_calendars set role = 'none', next_sync_at = null`);
  await client.query(
    `update remote_calendars as rc set role = 'conflict', failures = 0,
       last_synced_at = now() - make_interval(secs => t.lag),
       next_sync_at = now() - make_interval(secs => t.lag) + make_interval(secs => $2::float8),
       last_full_sync_at = now()
     from unnest($1::uuid[]) with ordinality as t0(id, n),
          lateral (select $2::float8 * ((t0.n - 1)::float8 / $3::float8) as lag) as t
     where rc.id = t0.id`,
    [calendarIds.slice(0, count), pollSeconds, count],
  );
  await client.query('vacuum analyze remote_calendars');
}
