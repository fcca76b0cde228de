/**
 * Bookings through the real server (issue 13.1/13.4): `tandem serve` (dist/main.js, a child process)
 * on a throwaway PostgreSQL database; 8 clients book distinct slots of one Round Robin calendar at once
 * over HTTP (the public booking endpoint) for a fixed time. Prints bookings/s, p50/p95, the server's
 * Node CPU per booking, and double bookings counted in the database afterwards (must be 0).
 * Anchor, same run: `pgbench -c 8 -j 2 -T 10` (tpcb-like) on a throwaway database of the same
 * PostgreSQL, right before.
 * Breakdown (PostgreSQL only), to tell CPU saturation from waiting: CPU per booking of the server, of
 * the bench database's PostgreSQL backends and of this client; how busy the whole machine was; and
 * what the backends were doing, sampled from pg_stat_activity every 50 ms (state / wait event).
 * E-mails (PostgreSQL only): the bookings' e-mails due by the end of the run, how many the server sent
 * during it, then the wait until none is pending and the server's CPU for them — per e-mail and per
 * booking with its e-mails sent (BENCH_DRAIN_SECONDS, default 120; 0 gives the counts only).
 *
 * The client is lean on purpose (one kept-alive socket per client writing the request and reading
 * the answer itself: keep-alive-connection.ts; not fetch/undici, nor node:http's Agent since the
 * seventh session): its CPU shares the same cores as the server and PostgreSQL, as pgbench's C client
 * does. Every answer is still read whole and every 201's body parsed and checked.
 *
 *   npm run bench:bookings       (BENCH_SECONDS=10, BENCH_CLIENTS=8, BENCH_WARMUP_SECONDS=15 — 0 measures a fresh server;
 *                                 BENCH_DATABASES=postgres,pglite adds embedded PGlite;
 *                                 BENCH_NODE_ARGS="--cpu-prof …" runs the server's node with these flags)
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { addCalendar, call, signUp, type BenchSession } from './serve/api-client.ts';
import {
  ADMIN_DATABASE_URL,
  buildServer,
  databaseUrlFor,
  dropDatabase,
  loadAverage,
  percentile,
  startTandem,
  type DatabaseKind,
} from './serve/tandem-process.ts';
import { CpuMeter } from './serve/cpu-meter.ts';
import { KeepAliveConnection, type HttpAnswer } from './serve/keep-alive-connection.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
/**
 * Seconds of bookings by all CLIENTS at once before the timed run, counted in no figure (the double
 * booking check still counts them). A server in production runs warm for days: in a fresh server's
 * first 10 s of bookings V8's background compiler was ~30 % of its CPU, ~5 % after 25 s (`perf record`,
 * decision 0021), and the bench's 20 sequential warm-up bookings left some of the pool's connections
 * with statements still to plan. The server's CPU per booking stopped falling after 10–15 s of this
 * (the warm-up's windows, printed with each run). 0 measures a fresh server, as the bench did before.
 */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 15);
/** The warm-up's CPU per booking is printed per window of this many seconds, to show where it levels off. */
const WARMUP_WINDOW_SECONDS = 5;
const MEMBERS = 2;
const SLOT_MIN = 15;
const DAY = 86_400_000;
const WINDOW_DAYS = 730;
/**
 * Distinct starts the bench may take, from tomorrow to a day before the booking window's end: ~70,000,
 * a run of 800 bookings/s for 25 s (warm-up included) takes 20,000. Refusals for lack of slots would
 * change every figure, so running out stops the bench instead.
 */
const SLOT_SUPPLY = ((WINDOW_DAYS - 2) * DAY) / (SLOT_MIN * 60_000);
const ALL_DAY = { '1': [{ start: '00:00', end: '24:00' }] } as Record<string, { start: string; end: string }[]>;
for (const d of ['2', '3', '4', '5', '6', '7']) ALL_DAY[d] = ALL_DAY['1']!;

function pgbench(): { tps: number; output: string } {
  const name = `tandem_bench_pgbench_${process.pid}`;
  const url = databaseUrlFor(name);
  const admin = new URL(ADMIN_DATABASE_URL);
  const base = ['-h', admin.hostname, '-p', admin.port || '5432', '-U', admin.username || 'postgres'];
  const run = (args: string[]): string => {
    const result = spawnSync('pgbench', [...base, ...args], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`pgbench ${args.join(' ')} failed: ${result.stderr}`);
    return result.stdout + result.stderr;
  };
  spawnSync('dropdb', [...base, '--if-exists', name]);
  const created = spawnSync('createdb', [...base, name], { encoding: 'utf8' });
  if (created.status !== 0) throw new Error(`createdb failed: ${created.stderr} (${url})`);
  try {
    run(['-i', '-q', name]);
    const output = run(['-c', '8', '-j', '2', '-T', '10', name]);
    const tps = Number(/tps = ([\d.]+)/.exec(output)?.[1] ?? NaN);
    return { tps, output };
  } finally {
    spawnSync('dropdb', [...base, '--if-exists', name]);
  }
}

/**
 * Kept-alive connections, one per client in flight (at most CLIENTS), as pgbench keeps one connection
 * per client: a request takes an idle one or opens one, and gives it back with its answer.
 */
function connectionPool(url: URL): { postJson(path: string, body: string): Promise<HttpAnswer>; close(): void } {
  const idle: KeepAliveConnection[] = [];
  const all: KeepAliveConnection[] = [];
  return {
    async postJson(path, body) {
      let connection = idle.pop();
      if (!connection) {
        connection = new KeepAliveConnection(url.hostname, Number(url.port));
        all.push(connection);
      }
      try {
        return await connection.postJson(path, body);
      } finally {
        idle.push(connection);
      }
    },
    close() {
      for (const connection of all) connection.close();
    },
  };
}

/** A 201's body must be the booking asked for, with its manage link's token. */
function isBookingOf(text: string, start: string): boolean {
  try {
    const body = JSON.parse(text) as { booking?: { start?: unknown; status?: unknown }; manageToken?: unknown };
    return (
      typeof body.manageToken === 'string' &&
      body.manageToken.length > 0 &&
      body.booking?.status === 'confirmed' &&
      typeof body.booking.start === 'string' &&
      Date.parse(body.booking.start) === Date.parse(start)
    );
  } catch {
    return false;
  }
}

interface Result {
  kind: DatabaseKind;
  bookings: number;
  perSecond: number;
  p50: number;
  p95: number;
  cpuPerBooking: number;
  refused: number;
  /** 201 answers whose body was not the booking asked for (must be 0). */
  badBodies: number;
  doubleBookings: number;
  load: string;
  breakdown: Breakdown | null;
  mail: MailDrain | null;
  /** The warm-up's windows: the server's CPU per booking in each, in order. */
  warmup: WarmupWindow[];
}

interface WarmupWindow {
  bookings: number;
  cpuPerBooking: number;
}

/**
 * WARMUP_SECONDS of bookings by all CLIENTS at once (so every pooled connection and code path is
 * used), in windows of WARMUP_WINDOW_SECONDS whose server CPU per booking shows where it levels off.
 */
async function warmUp(book: (n: number) => Promise<number>, cpuMs: () => number): Promise<WarmupWindow[]> {
  const windows: WarmupWindow[] = [];
  let n = 20;
  for (let left = WARMUP_SECONDS; left > 0; left -= WARMUP_WINDOW_SECONDS) {
    const until = performance.now() + Math.min(left, WARMUP_WINDOW_SECONDS) * 1000;
    const cpuBefore = cpuMs();
    let bookings = 0;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < until) {
          await book(-n++);
          bookings++;
        }
      }),
    );
    windows.push({ bookings, cpuPerBooking: (cpuMs() - cpuBefore) / bookings });
  }
  return windows;
}

/**
 * The e-mails the bookings queued (PostgreSQL runs only). The server sends them after the answer, so a
 * run can end with a backlog whose CPU the per-booking figure above never saw: the bench waits for it
 * and reports the server's CPU for it too.
 */
interface MailDrain {
  /** E-mails due by the end of the run (reminders planned for later are not). */
  due: number;
  /** Of those, sent while the bookings ran. */
  sentInRun: number;
  /**
   * Any e-mails sent while the bookings ran: after a warm-up the sender works through the warm-up's
   * backlog during the run, and that CPU is in the run's server CPU per booking (13–17 % of it at
   * 190–235 bookings/s on the loaded machine of the seventh session).
   */
  sentInRunAny: number;
  /** E-mails sent after the run (the warm-up's backlog included). */
  drained: number;
  /** After the run: how long until no due e-mail was pending, and the server's CPU meanwhile. */
  drainSeconds: number;
  drainCpuMs: number;
  /** Still pending when the bench stopped waiting (BENCH_DRAIN_SECONDS). */
  left: number;
}

/** Where a booking's time goes (PostgreSQL runs only). */
interface Breakdown {
  /** CPU ms per booking: PostgreSQL backends of the bench database, this bench client. */
  postgresCpu: number;
  clientCpu: number;
  /** Share of the machine's CPU time that was busy during the run (all processes, anyone's). */
  machineBusy: number;
  /** pg_stat_activity samples of the bench database's backends: "state/wait event" → share. */
  activity: Map<string, number>;
}

/** Busy and total jiffies of the whole machine (/proc/stat's first line). */
function machineTicks(): { busy: number; total: number } {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - fields[3]! - fields[4]!, total };
}

/**
 * Watches the bench database's backends while the bookings run: their CPU (by pid, as the pool
 * opens connections) and, every 50 ms, what each is doing.
 */
async function watchPostgres(databaseUrl: string): Promise<{ stop(): Promise<Omit<Breakdown, 'clientCpu'>> }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  // One prepared statement per sample gives both the pids and what they do: the watcher's own
  // backend (not counted below) planned two statements every 50 ms, ~0.2 ms of PostgreSQL CPU per booking.
  let pids: number[] = [];
  const backends = async (): Promise<Array<{ pid: number; what: string }>> => {
    const { rows } = await client.query<{ pid: number; what: string }>({
      name: 'bench_backends',
      text: `select pid, coalesce(state, '?') || '/' || coalesce(wait_event_type || ':' || wait_event, 'cpu') as what
               from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
    });
    pids = rows.map((r) => r.pid);
    return rows;
  };
  const meter = new CpuMeter(async () => ({ postgres: pids }));
  await backends();
  const before = (await meter.sample()).postgres ?? 0;
  const ticks = machineTicks();
  const activity = new Map<string, number>();
  let samples = 0;
  let running = true;
  const sampling = (async () => {
    while (running) {
      const rows = await backends();
      samples++;
      for (const row of rows) activity.set(row.what, (activity.get(row.what) ?? 0) + 1);
      // The pool opens backends during the run: meet them while they live.
      await meter.sample();
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      running = false;
      await sampling;
      await backends();
      const after = (await meter.sample()).postgres ?? 0;
      const now = machineTicks();
      await client.end();
      for (const [what, n] of activity) activity.set(what, n / samples);
      return { postgresCpu: after - before, machineBusy: (now.busy - ticks.busy) / (now.total - ticks.total), activity };
    },
  };
}

async function setUp(url: string): Promise<{ session: BenchSession; calendarId: string }> {
  const session = await signUp(url, 'UTC');
  await call(url, 'PATCH', `/api/users/${session.userId}`, { weeklyHours: ALL_DAY }, session.token);
  const members = [{ userId: session.userId }];
  for (let i = 1; i < MEMBERS; i++) {
    const created = await call<{ id: string }>(
      url,
      'POST',
      '/api/users',
      { email: `member-${i}-${Date.now().toString(36)}@example.test`, name: `Member ${i}`, timezone: 'UTC', weeklyHours: ALL_DAY },
      session.token,
    );
    members.push({ userId: created.id });
  }
  const calendarId = await addCalendar(url, session, {
    type: 'round_robin',
    members,
    durationMin: SLOT_MIN,
    intervalMin: SLOT_MIN,
    windowDays: WINDOW_DAYS,
    minNoticeMin: 0,
  });
  return { session, calendarId };
}

const DRAIN_SECONDS = Number(process.env.BENCH_DRAIN_SECONDS ?? 120);

/** Waits until the e-mails due by `runEnd` are no longer pending (or DRAIN_SECONDS), measuring the server's CPU. */
async function drainMail(databaseUrl: string, runStart: Date, runEnd: Date, cpuMs: () => number): Promise<MailDrain> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    // Due and sent count the run's bookings only; pending and drained count any due e-mail (the
    // warm-up's too: the server sends those in the same queue, with the same CPU).
    const counts = async (): Promise<{ due: number; sent: number; sentAny: number; pending: number; drained: number }> => {
      const { rows } = await client.query<{ due: string; sent: string; sent_any: string; pending: string; drained: string }>({
        name: 'bench_mail',
        text: `select count(*) filter (where created_at >= $2) as due,
                      count(*) filter (where created_at >= $2 and status = 'sent' and sent_at <= $1) as sent,
                      count(*) filter (where status = 'sent' and sent_at >= $2 and sent_at <= $1) as sent_any,
                      count(*) filter (where status = 'pending') as pending,
                      count(*) filter (where status = 'sent' and sent_at > $1) as drained
                 from messages where not_before <= $1`,
        values: [runEnd, runStart],
      });
      const [row] = rows;
      return {
        due: Number(row!.due),
        sent: Number(row!.sent),
        sentAny: Number(row!.sent_any),
        pending: Number(row!.pending),
        drained: Number(row!.drained),
      };
    };
    const cpuBefore = cpuMs();
    const started = performance.now();
    const first = await counts();
    let last = first;
    while (last.pending > 0 && performance.now() - started < DRAIN_SECONDS * 1000) {
      await new Promise((r) => setTimeout(r, 100));
      last = await counts();
    }
    return {
      due: first.due,
      sentInRun: first.sent,
      sentInRunAny: first.sentAny,
      drained: last.drained,
      drainSeconds: (performance.now() - started) / 1000,
      drainCpuMs: cpuMs() - cpuBefore,
      left: last.pending,
    };
  } finally {
    await client.end();
  }
}

/** `until`: the latest booked end (ms); PGlite's count lists appointments up to it. */
async function countDoubleBookings(
  databaseUrl: string | null,
  url: string,
  session: BenchSession,
  calendarId: string,
  until: number,
): Promise<number> {
  if (databaseUrl !== null) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ n: string }>(
        `select count(*) as n from appointment_assignees a join appointment_assignees b
           on a.user_id = b.user_id and a.appointment_id < b.appointment_id and a.during && b.during
         where a.status = 'confirmed' and b.status = 'confirmed'`,
      );
      return Number(rows[0]!.n);
    } finally {
      await client.end();
    }
  }
  // PGlite: only the server holds the database; count overlaps per assignee from the API's listing,
  // which spans at most 100 days per request: the booked time in windows of 90 days.
  const list = new Map<string, { start: string; end: string; status: string; assigneeIds: string[] }>();
  for (let from = Date.now() - DAY; from < until + DAY; from += 90 * DAY) {
    const page = await call<{ id: string; start: string; end: string; status: string; assigneeIds: string[] }[]>(
      url,
      'GET',
      `/api/appointments?from=${new Date(from).toISOString()}&to=${new Date(from + 90 * DAY).toISOString()}&calendarId=${calendarId}`,
      undefined,
      session.token,
    );
    for (const a of page) list.set(a.id, a);
  }
  const byUser = new Map<string, { start: number; end: number }[]>();
  for (const a of [...list.values()].filter((x) => x.status === 'confirmed'))
    for (const user of a.assigneeIds) {
      const spans = byUser.get(user) ?? [];
      spans.push({ start: Date.parse(a.start), end: Date.parse(a.end) });
      byUser.set(user, spans);
    }
  let overlaps = 0;
  for (const spans of byUser.values()) {
    spans.sort((a, b) => a.start - b.start);
    for (let i = 1; i < spans.length; i++) if (spans[i]!.start < spans[i - 1]!.end) overlaps++;
  }
  return overlaps;
}

async function run(kind: DatabaseKind): Promise<Result> {
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter((a) => a !== '') ?? [];
  const tandem = await startTandem(kind, { label: 'bookings', nodeArgs });
  const connections = connectionPool(new URL(tandem.url));
  try {
    const { session, calendarId } = await setUp(tandem.url);
    // Distinct slots: every client takes the next start time from one shared counter.
    const first = Math.ceil((Date.now() + DAY) / DAY) * DAY;
    let next = 0;
    const take = (): string => {
      if (next >= SLOT_SUPPLY)
        throw new Error(`the bench took all ${SLOT_SUPPLY} free slots: shorten BENCH_WARMUP_SECONDS or BENCH_SECONDS`);
      return new Date(first + next++ * SLOT_MIN * 60_000).toISOString();
    };
    let refused = 0;
    let badBodies = 0;
    const path = `/api/public/calendars/${calendarId}/bookings`;
    const book = async (n: number): Promise<number> => {
      const started = performance.now();
      const start = take();
      const res = await connections.postJson(
        path,
        JSON.stringify({ start, contact: { name: `Client ${n}`, email: `client-${n}@example.test` } }),
      );
      if (res.status !== 201) {
        refused++;
        if (refused < 5) console.log(`  booking refused: ${res.status} ${res.text.slice(0, 200)}`);
      } else if (!isBookingOf(res.text, start)) {
        badBodies++;
        if (badBodies < 5) console.log(`  201 with an unexpected body: ${res.text.slice(0, 200)}`);
      }
      return performance.now() - started;
    };
    // Warm-up: the first requests compile routes and fill pools.
    for (let i = 0; i < 20; i++) await book(-i);
    const warmup = await warmUp(book, tandem.cpuMs);
    if (refused > 0 || badBodies > 0) console.log(`  warm-up: ${refused} refused, ${badBodies} wrong 201 bodies (not counted below)`);
    refused = 0;
    badBodies = 0;
    const latencies: number[] = [];
    let counter = 0;
    const watch = tandem.databaseUrl === null ? null : await watchPostgres(tandem.databaseUrl);
    const clientBefore = process.cpuUsage();
    const cpuBefore = tandem.cpuMs();
    const runStart = new Date();
    const started = performance.now();
    const deadline = started + SECONDS * 1000;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < deadline) latencies.push(await book(counter++));
      }),
    );
    const wall = performance.now() - started;
    const cpu = tandem.cpuMs() - cpuBefore;
    const clientUsage = process.cpuUsage(clientBefore);
    const runEnd = new Date();
    const watched = await watch?.stop();
    const mail = tandem.databaseUrl === null ? null : await drainMail(tandem.databaseUrl, runStart, runEnd, tandem.cpuMs);
    const breakdown =
      watched === undefined
        ? null
        : {
            ...watched,
            postgresCpu: watched.postgresCpu / latencies.length,
            clientCpu: (clientUsage.user + clientUsage.system) / 1000 / latencies.length,
          };
    latencies.sort((a, b) => a - b);
    const doubleBookings = await countDoubleBookings(
      tandem.databaseUrl,
      tandem.url,
      session,
      calendarId,
      first + (next + 1) * SLOT_MIN * 60_000,
    );
    return {
      kind,
      bookings: latencies.length - refused,
      perSecond: (latencies.length - refused) / (wall / 1000),
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      cpuPerBooking: cpu / latencies.length,
      refused,
      badBodies,
      doubleBookings,
      load: loadAverage(),
      breakdown,
      mail,
      warmup,
    };
  } catch (error) {
    console.error(`tandem serve (${kind}) said:\n${tandem.output()}`);
    throw error;
  } finally {
    connections.close();
    await tandem.stop();
  }
}

/**
 * The server's CPU per booking without the e-mails it sent during the run (any: the warm-up's backlog
 * is sent then), at the drain's CPU per e-mail; null when nothing was drained to measure that with.
 */
function withoutEmails(cpuPerBooking: number, bookings: number, m: MailDrain): number | null {
  // /proc counts CPU in 10 ms ticks: a drain of a few e-mails (BENCH_DRAIN_SECONDS=0 still sends the
  // tail of the run) measured 0 or 30 ms, and the subtraction printed 0.00 ms or 20 ms a booking.
  if (m.drained === 0 || m.drainCpuMs < MIN_DRAIN_CPU_MS) return null;
  return cpuPerBooking - ((m.drainCpuMs / m.drained) * m.sentInRunAny) / bookings;
}

/** The drain's CPU below which its CPU per e-mail is not measured (20 of /proc's 10 ms ticks). */
const MIN_DRAIN_CPU_MS = 200;

/**
 * The server's CPU per booking once its e-mails went out: the booking alone (withoutEmails) plus the
 * drain's CPU per e-mail for each of its e-mails. Neither the drain's whole CPU divided by the run's
 * bookings (after a warm-up the drain also sends the warm-up bookings' e-mails) nor the run's CPU as
 * it is (it includes the warm-up's e-mails sent during the run).
 */
function withEmails(cpuPerBooking: number, bookings: number, m: MailDrain): string {
  const alone = withoutEmails(cpuPerBooking, bookings, m);
  if (alone === null) return '— (no drain to measure an e-mail with)';
  const perBooking = alone + ((m.drainCpuMs / m.drained) * m.due) / bookings;
  return m.left === 0 ? `${perBooking.toFixed(2)} ms` : `— (not all sent; estimate ${perBooking.toFixed(2)} ms)`;
}

async function main(): Promise<void> {
  const kinds = (process.env.BENCH_DATABASES ?? 'postgres').split(',') as DatabaseKind[];
  console.log(
    `bookings over HTTP: ${CLIENTS} clients, ${SECONDS} s ${WARMUP_SECONDS > 0 ? `after ${WARMUP_SECONDS} s of warm-up bookings (not counted; BENCH_WARMUP_SECONDS=0 for a fresh server)` : 'on a fresh server (no warm-up)'}, load average ${loadAverage()}`,
  );
  buildServer();
  await dropDatabase(`tandem_bench_pgbench_${process.pid}`).catch(() => undefined);
  const results: Result[] = [];
  let anchor = { tps: NaN, output: '' };
  for (const kind of kinds) {
    if (kind === 'postgres') {
      anchor = pgbench();
      console.log(`  pgbench -c 8 -j 2 -T 10 (tpcb-like): ${anchor.tps.toFixed(0)} TPS, load average ${loadAverage()}`);
    }
    results.push(await run(kind));
  }
  console.log(
    '\n| database | bookings/s | p50 | p95 | server Node CPU / booking | bookings | refused | wrong 201 bodies | double bookings | pgbench TPS (same run) | ratio | load average |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const ratio = r.kind === 'postgres' ? `**${(r.perSecond / anchor.tps).toFixed(2)}×**` : '—';
    console.log(
      `| ${r.kind} | ${r.perSecond.toFixed(0)} | ${r.p50.toFixed(1)} ms | ${r.p95.toFixed(1)} ms | ${r.cpuPerBooking.toFixed(2)} ms | ${r.bookings} | ${r.refused} | ${r.badBodies} | ${r.doubleBookings} | ${r.kind === 'postgres' ? anchor.tps.toFixed(0) : '—'} | ${ratio} | ${r.load} |`,
    );
  }
  for (const r of results) {
    if (r.warmup.length === 0) continue;
    const windows = r.warmup.map((w) => `${w.cpuPerBooking.toFixed(2)} ms (${w.bookings})`).join(', ');
    console.log(`\n${r.kind}: warm-up, server CPU per booking (bookings) per ${WARMUP_WINDOW_SECONDS} s: ${windows}`);
  }
  for (const r of results) {
    if (r.breakdown === null) continue;
    const b = r.breakdown;
    const activity = [...b.activity]
      .sort((x, y) => y[1] - x[1])
      .map(([what, n]) => `${what} ${n.toFixed(2)}`)
      .join(', ');
    console.log(
      `\n${r.kind}: CPU per booking — server ${r.cpuPerBooking.toFixed(2)} ms, PostgreSQL backends ${b.postgresCpu.toFixed(2)} ms, ` +
        `bench client ${b.clientCpu.toFixed(2)} ms; machine CPU busy ${(b.machineBusy * 100).toFixed(0)} %\n` +
        `  backends (mean count per pg_stat_activity sample, state/wait): ${activity}`,
    );
  }
  for (const r of results) {
    if (r.mail === null) continue;
    const m = r.mail;
    const total = r.bookings + r.refused;
    const alone = withoutEmails(r.cpuPerBooking, total, m);
    console.log(
      `\n${r.kind}: e-mails due by the end of the run ${m.due} (${(m.due / total).toFixed(2)} per booking), sent during the run ${m.sentInRun}` +
        ` (any e-mails sent during the run, the warm-up's backlog included: ${m.sentInRunAny}, ${(m.sentInRunAny / total).toFixed(2)} per booking); ` +
        `the rest sent in ${m.drainSeconds.toFixed(1)} s after it${m.left > 0 ? ` (${m.left} still pending after BENCH_DRAIN_SECONDS)` : ''}, ` +
        `server CPU ${m.drainCpuMs.toFixed(0)} ms for ${m.drained} e-mails (${m.drained > 0 ? (m.drainCpuMs / m.drained).toFixed(2) : '—'} ms per e-mail)\n` +
        `  server Node CPU per booking without the e-mails sent during the run: ${alone === null ? '— (no drain to measure an e-mail with)' : `${alone.toFixed(2)} ms`}; ` +
        `with its own e-mails sent: ${withEmails(r.cpuPerBooking, total, m)}`,
    );
  }
  if (results.some((r) => r.doubleBookings !== 0)) {
    console.error('DOUBLE BOOKINGS FOUND');
    process.exitCode = 1;
  }
  if (results.some((r) => r.badBodies !== 0)) {
    console.error('201 ANSWERS WITH AN UNEXPECTED BODY');
    process.exitCode = 1;
  }
}

await main();
