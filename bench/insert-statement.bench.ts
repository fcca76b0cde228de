/**
 * Node's CPU for a booking's insert statement without the database (issue 13.4): insertBooking of a
 * built dist/ on a Kysely whose driver answers at once with a canned row, after the server's
 * prepared-statement lookup and node-postgres's parameter preparation (prepareValue, as its bind
 * message does) — the statement's building, compiling and parameters, as bench/slot-statement.bench.ts
 * measures the slot statement's.
 *
 *   npx tsx bench/insert-statement.bench.ts                    (this tree's dist/, built with `npx tsc -p tsconfig.build.json`)
 *   BENCH_DIST=/work/wt/base/dist npx tsx bench/insert-statement.bench.ts   (another build, for an A/B pair)
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadavg } from 'node:os';
import type { Kysely } from 'kysely';
import { cannedDatabase } from './serve/canned-database.ts';
import type { NewBooking } from '../src/services/booking/insert-booking.ts';
import type { NoticeSubject, planAppointmentNotice } from '../src/services/notifications/record-appointment-notice.ts';

const dist = resolve(process.env.BENCH_DIST ?? 'dist');
const CALLS = Number(process.env.BENCH_CALLS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

const { insertBooking } = (await import(pathToFileURL(`${dist}/services/booking/insert-booking.js`).href)) as {
  insertBooking: (db: Kysely<unknown>, b: NewBooking) => Promise<unknown>;
};
const notices = (await import(pathToFileURL(`${dist}/services/notifications/record-appointment-notice.js`).href)) as {
  planAppointmentNotice: typeof planAppointmentNotice;
};
const { db, takeParameterBytes } = await cannedDatabase(dist, { contact_id: 'c', name: 'Client', email: 'client@example.test' });

// The bookings bench's booking: a Round Robin calendar, one member assigned, a new client, two e-mails.
const workspaceId = '44444444-4444-4444-8444-444444444444';
const calendarId = '33333333-3333-4333-8333-333333333333';
const member = { id: '11111111-1111-4111-8111-111111111111', name: 'Ada', email: 'ada@example.test', timezone: 'UTC' };
const appointmentId = '55555555-5555-4555-8555-555555555555';
const attendeeId = '66666666-6666-4666-8666-666666666666';
const start = new Date(Date.UTC(2027, 0, 5, 9));
const end = new Date(start.getTime() + 900_000);
const contact = { name: 'Client 1', email: 'client-1@example.test', phone: null };
const now = new Date(Date.UTC(2027, 0, 1));
const subject: NoticeSubject = {
  id: appointmentId,
  title: 'Bench with Client 1',
  start_at: start,
  end_at: end,
  location: null,
  status: 'confirmed',
  version: 1,
  removed_from_remote: false,
  overlap_flagged: false,
  calendar_id: calendarId,
  calendar_name: 'Bench',
  calendar_type: 'round_robin',
  settings: null,
  attendees: [{ id: attendeeId, status: 'confirmed', timezone: 'UTC', seats: 1, ...contact }],
  staff: [member],
};
const booking: NewBooking = {
  appointmentId,
  attendeeId,
  workspaceId,
  calendarId,
  serviceId: null,
  start,
  end,
  title: subject.title,
  location: null,
  assigneeIds: [member.id],
  during: `[${start.toISOString()},${end.toISOString()})`,
  outboxUserIds: [member.id],
  contact,
  seats: 1,
  secretHash: 'f'.repeat(64),
  timezone: 'UTC',
  now,
  notice: notices.planAppointmentNotice(subject, {
    workspaceId,
    appointmentId,
    change: 'created',
    cause: 'client',
    now,
    manageLink: { url: `http://localhost/manage/${attendeeId}.secret`, secretBox: undefined },
  }),
};

console.log(
  `insert statement without the database: ${dist}, ${CALLS} calls × ${ROUNDS} rounds, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (let i = 0; i < 2_000; i++) await insertBooking(db, booking);
for (let round = 0; round < ROUNDS; round++) {
  takeParameterBytes();
  const before = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) await insertBooking(db, booking);
  const used = process.cpuUsage(before);
  console.log(
    `  round ${round + 1}: ${((used.user + used.system) / CALLS).toFixed(1)} µs CPU per statement, ${(takeParameterBytes() / CALLS).toFixed(0)} parameter bytes`,
  );
}
await db.destroy();
