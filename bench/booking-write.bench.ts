/**
 * The booking write alone (services/booking/insert-booking.ts; decision 0024, third round): one-off
 * bookings of a Round Robin calendar with two members written by BENCH_CLIENTS connections at once,
 * on a fresh PostgreSQL database migrated up to a named migration. The same code runs against each
 * schema, so an A/B of a migration needs no second build. Prints, per schema and round, the
 * PostgreSQL backends' CPU per booking (their /proc stat, so the server must be local), the
 * statement's execution time and the foreign-key checks it fired (pg_stat_statements, when the
 * server has it), and MultiXact SLRU activity (cluster-wide: other databases' work shows too).
 *
 *   BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/test \
 *   BENCH_SCHEMAS=0021-long-busy-index,0022-booking-keys-within-workspace npx tsx bench/booking-write.bench.ts
 *
 * BENCH_BOOKINGS (default 2000, after 200 to warm each connection's plans), BENCH_CLIENTS (8),
 * BENCH_ROUNDS (2: the schemas alternate, each round on a new database).
 */
import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { assigneeRange } from '../src/domain/assignee-range.ts';
import { insertBooking, NEW_APPOINTMENT_VERSION, type NewBooking } from '../src/services/booking/insert-booking.ts';
import { planAppointmentNotice, type NoticeSubject } from '../src/services/notifications/record-appointment-notice.ts';
import { openPostgres } from '../src/store/database.ts';
import { migrateTo } from '../src/store/migrate.ts';
import type { DB } from '../src/store/schema.ts';
import { createDatabase, databaseUrlFor, dropDatabase, loadAverage, processCpuMs } from './serve/tandem-process.ts';

const BOOKINGS = Number(process.env.BENCH_BOOKINGS ?? 2000);
const WARM_UP = 200;
const CLIENTS = Number(process.env.BENCH_CLIENTS ?? 8);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2);
const SCHEMAS = (process.env.BENCH_SCHEMAS ?? '0021-long-busy-index,0022-booking-keys-within-workspace').split(',');
const SLOT_MS = 15 * 60_000;

interface Fixture {
  workspaceId: string;
  calendarId: string;
  staff: { id: string; name: string; email: string; timezone: string }[];
}

async function seed(db: Kysely<DB>): Promise<Fixture> {
  const workspace = await db
    .insertInto('workspaces')
    .values({ name: 'Bench', slug: `bench-${randomUUID()}` })
    .returning('id')
    .executeTakeFirstOrThrow();
  const staff = [];
  for (const name of ['Ada', 'Grace']) {
    const email = `${name.toLowerCase()}-${randomUUID()}@example.test`;
    const user = await db
      .insertInto('users')
      .values({ workspace_id: workspace.id, email, name, role: 'member', timezone: 'Europe/London', weekly_hours: '{}' })
      .returning('id')
      .executeTakeFirstOrThrow();
    staff.push({ id: user.id, name, email, timezone: 'Europe/London' });
  }
  const calendar = await db
    .insertInto('booking_calendars')
    .values({ workspace_id: workspace.id, slug: 'bench', name: 'Consultation', type: 'round_robin', duration_min: 15, interval_min: 15 })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { workspaceId: workspace.id, calendarId: calendar.id, staff };
}

/** Booking `n`: its own 15-minute slot, the members taking turns, a new client (as in bench:bookings). */
function booking(f: Fixture, n: number): NewBooking {
  const start = new Date(Date.UTC(2030, 0, 1) + n * SLOT_MS);
  const end = new Date(start.getTime() + SLOT_MS);
  const member = f.staff[n % f.staff.length]!;
  const appointmentId = randomUUID();
  const attendeeId = randomUUID();
  const contact = { name: `Client ${n}`, email: `client-${n}@example.test`, phone: null };
  const title = `Consultation with ${contact.name}`;
  const subject: NoticeSubject = {
    id: appointmentId,
    title,
    start_at: start,
    end_at: end,
    location: null,
    status: 'confirmed',
    version: NEW_APPOINTMENT_VERSION,
    removed_from_remote: false,
    overlap_flagged: false,
    calendar_id: f.calendarId,
    calendar_name: 'Consultation',
    calendar_type: 'round_robin',
    settings: null,
    attendees: [{ id: attendeeId, status: 'confirmed', timezone: 'Europe/Paris', seats: 1, ...contact }],
    staff: [member],
  };
  const now = new Date();
  const notice = planAppointmentNotice(subject, {
    workspaceId: f.workspaceId,
    appointmentId,
    change: 'created',
    cause: 'client',
    now,
    manageLink: { url: `http://localhost/manage/${attendeeId}.secret`, secretBox: undefined },
  });
  return {
    appointmentId,
    attendeeId,
    workspaceId: f.workspaceId,
    calendarId: f.calendarId,
    serviceId: null,
    start,
    end,
    title,
    location: null,
    assigneeIds: [member.id],
    during: assigneeRange({ bufferBeforeMin: 0, bufferAfterMin: 0 }, start.getTime(), end.getTime()),
    outboxUserIds: [member.id],
    contact,
    seats: 1,
    secretHash: 'bench',
    timezone: 'Europe/Paris',
    now,
    notice,
  };
}

/** Bookings from..to-1, written by CLIENTS concurrent loops. */
async function book(db: Kysely<DB>, f: Fixture, from: number, to: number): Promise<void> {
  let next = from;
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (next < to) await insertBooking(db, booking(f, next++));
    }),
  );
}

async function backendCpuMs(db: Kysely<DB>): Promise<number> {
  const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity where datname = current_database()`.execute(db);
  return rows.reduce((sum, r) => sum + processCpuMs(r.pid), 0);
}

async function multiXactBlocks(db: Kysely<DB>): Promise<number> {
  const { rows } = await sql<{ n: string }>`
    select coalesce(sum(blks_zeroed + blks_hit + blks_read), 0)::text as n from pg_stat_slru where name like 'MultiXact%'`.execute(db);
  return Number(rows[0]!.n);
}

async function statementsTracked(db: Kysely<DB>): Promise<boolean> {
  const { rows } = await sql<{ ok: boolean }>`select current_setting('shared_preload_libraries') like '%pg_stat_statements%' as ok`.execute(
    db,
  );
  return rows[0]!.ok;
}

/** The write's execution time and the foreign-key checks (SPI queries) per booking, from pg_stat_statements. */
async function statementFigures(db: Kysely<DB>): Promise<string> {
  if (!(await statementsTracked(db))) return 'no pg_stat_statements on this server';
  const { rows } = await sql<{ write_ms: number; checks: number; check_ms: number }>`
    select sum(total_exec_time) filter (where query like '%insert into contacts%') as write_ms,
           sum(calls) filter (where query like '%FOR KEY SHARE OF x%') as checks,
           sum(total_exec_time) filter (where query like '%FOR KEY SHARE OF x%') as check_ms
    from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())`.execute(db);
  const r = rows[0]!;
  return `write ${(r.write_ms / BOOKINGS).toFixed(3)} ms per booking, ${(Number(r.checks) / BOOKINGS).toFixed(1)} foreign-key checks (${((r.check_ms / BOOKINGS) * 1000).toFixed(0)} µs in their queries)`;
}

async function round(schema: string, index: number): Promise<void> {
  const name = `tandem_bench_write_${process.pid}_${index}`;
  await createDatabase(name);
  const handle = openPostgres(databaseUrlFor(name), { max: CLIENTS });
  try {
    await migrateTo(handle.db, schema);
    const tracked = await statementsTracked(handle.db);
    if (tracked) await sql`create extension if not exists pg_stat_statements`.execute(handle.db);
    const fixture = await seed(handle.db);
    await book(handle.db, fixture, 0, WARM_UP);
    if (tracked) await sql`select pg_stat_statements_reset()`.execute(handle.db);
    const cpuBefore = await backendCpuMs(handle.db);
    const mxBefore = await multiXactBlocks(handle.db);
    const started = performance.now();
    await book(handle.db, fixture, WARM_UP, WARM_UP + BOOKINGS);
    const wall = performance.now() - started;
    const cpu = (await backendCpuMs(handle.db)) - cpuBefore;
    const mx = (await multiXactBlocks(handle.db)) - mxBefore;
    console.log(
      `${schema}: ${BOOKINGS} bookings in ${(wall / 1000).toFixed(2)} s (${((BOOKINGS * 1000) / wall).toFixed(0)}/s); ` +
        `PostgreSQL backends ${(cpu / BOOKINGS).toFixed(3)} ms CPU per booking; MultiXact SLRU blocks ${mx}; ` +
        `${await statementFigures(handle.db)}; load ${loadAverage()}`,
    );
  } finally {
    await handle.close();
    await dropDatabase(name);
  }
}

let index = 0;
for (let r = 0; r < ROUNDS; r++) {
  for (const schema of SCHEMAS) await round(schema, index++);
}
