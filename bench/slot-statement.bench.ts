/**
 * Node's CPU for a booking's slot statement without the database (issue 13.4): loadSlotQueryCheckingCalendar
 * of a built dist/ on a Kysely whose driver answers at once with a canned row, after the server's
 * prepared-statement lookup and node-postgres's parameter preparation (prepareValue, as its bind
 * message does). What it measures is the statement's building, compiling and parameters, plus
 * turning the row into the slot engine's query — not the socket, PostgreSQL or the row's parsing.
 *
 *   npx tsx bench/slot-statement.bench.ts                    (this tree's dist/, built with `npx tsc -p tsconfig.build.json`)
 *   BENCH_DIST=/work/wt/base/dist npx tsx bench/slot-statement.bench.ts   (another build, for an A/B pair)
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadavg } from 'node:os';
import type { Kysely } from 'kysely';
import { cannedDatabase } from './serve/canned-database.ts';

const dist = resolve(process.env.BENCH_DIST ?? 'dist');
const CALLS = Number(process.env.BENCH_CALLS ?? 20_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

type LoadSlotQueryChecking = (db: Kysely<unknown>, options: Record<string, unknown>) => Promise<{ slotQuery: () => unknown }>;
const { loadSlotQueryCheckingCalendar } = (await import(pathToFileURL(`${dist}/services/availability/load-slot-query.js`).href)) as {
  loadSlotQueryCheckingCalendar: LoadSlotQueryChecking;
};
const members = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222'];
const week = Object.fromEntries(['1', '2', '3', '4', '5', '6', '7'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]));
// The row the statement returns for the bookings bench's calendar: two members, a day of assignments.
const row = {
  calendar_version: '1234',
  settings: null,
  staff: members.map((id, i) => ({ id, name: `Member ${i}`, email: `m${i}@example.test`, timezone: 'UTC' })),
  imported_busy_users: [],
  users: members.map((id) => ({ id, timezone: 'UTC', weekly_hours: week })),
  overrides: [],
  assignments: Array.from({ length: 96 }, (_, i) => ({
    user_id: members[i % 2],
    start: Date.UTC(2027, 0, 4) + i * 900_000,
    end: Date.UTC(2027, 0, 4) + (i + 1) * 900_000,
  })),
  blocked: [],
  own_starts: [],
  sessions: [],
};
const { db, takeParameterBytes } = await cannedDatabase(dist, row);

const calendar = {
  id: '33333333-3333-4333-8333-333333333333',
  slug: 'bench',
  name: 'Bench',
  type: 'round_robin',
  distribution: 'availability',
  location: null,
  eventSchedule: null,
  members: members.map((userId) => ({ userId, priority: 1 })),
  services: [],
  icloudIntegration: true,
  durationMin: 15,
  intervalMin: 15,
  bufferBeforeMin: 0,
  bufferAfterMin: 0,
  minNoticeMin: 0,
  windowDays: 365,
  dailyLimit: null,
  seats: 1,
};
const noImportedBusy = { importedBusy: async () => new Map() };

async function call(i: number): Promise<void> {
  const start = Date.UTC(2027, 0, 5) + (i % 96) * 900_000;
  const read = await loadSlotQueryCheckingCalendar(db, {
    calendar,
    serviceId: null,
    range: { start, end: start + 1 },
    now: new Date(Date.UTC(2027, 0, 1)),
    importedBusy: noImportedBusy,
    importedBusyUsers: [],
    workspaceId: '44444444-4444-4444-8444-444444444444',
  });
  read.slotQuery();
}

console.log(
  `slot statement without the database: ${dist}, ${CALLS} calls × ${ROUNDS} rounds, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
for (let i = 0; i < 2_000; i++) await call(i);
for (let round = 0; round < ROUNDS; round++) {
  takeParameterBytes();
  const before = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) await call(i);
  const used = process.cpuUsage(before);
  console.log(
    `  round ${round + 1}: ${((used.user + used.system) / CALLS).toFixed(1)} µs CPU per statement, ${(takeParameterBytes() / CALLS).toFixed(0)} parameter bytes`,
  );
}
await db.destroy();
