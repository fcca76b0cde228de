/**
 * The SyncStore the benchmark imports into: by default the product's PostgreSQL store
 * (src/store/sync-store.ts) on an in-memory PGlite, migrated to the latest schema and seeded with
 * the rows it reads (workspace, user, connection, remote_calendars). `BENCH_STORE=memory` uses
 * the in-memory store of the unit tests instead (test/support/in-memory-sync.ts).
 *
 * Also a timing wrapper, so the benchmark can say how much of a sync was spent in the store.
 */
import { sql } from 'kysely';
import { openPglite, type DatabaseHandle } from '../../src/store/database.ts';
import { importedBusyFromStore } from '../../src/store/imported-busy.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import { createSyncStore } from '../../src/store/sync-store.ts';
import { recordAppointmentNotice } from '../../src/services/notifications/record-appointment-notice.ts';
import { recordConnectionNotice } from '../../src/services/notifications/record-connection-notice.ts';
import type { SyncStore } from '../../src/domain/sync/ports.ts';
import { InMemorySyncStore } from '../../test/support/in-memory-sync.ts';

export type StoreKind = 'pglite' | 'memory';

/** `alex` owns the big calendar; `team` stands for the 100 users whose small calendars are polled. */
export type Owner = 'alex' | 'team';

export interface CalendarSpec {
  owner: Owner;
  url: string;
  displayName: string;
  role: 'primary' | 'conflict';
}

export interface BenchStore {
  kind: StoreKind;
  /** For the output: what exactly was used. */
  description: string;
  store: SyncStore;
  /** Registers a remote calendar of the bench user; returns the calendar id the engine uses. */
  addCalendar(spec: CalendarSpec): Promise<string>;
  /** Items and stored occurrences of one calendar (what the import left behind). */
  counts(calendarId: string): Promise<{ items: number; occurrences: number }>;
  /**
   * What an availability check reads in Tandem: the owner's blocking imported occurrences
   * overlapping the range (the product's importedBusyFromStore for PGlite). Returns their number.
   */
  readBusy(owner: Owner, range: { start: Date; end: Date }): Promise<number>;
  /** PGlite: the size of its WebAssembly memory (DatabaseHandle.wasmMemoryBytes). */
  wasmMemoryBytes?(): number;
  close(): Promise<void>;
}

export const BENCH_USERS: Record<Owner, { email: string; name: string }> = {
  alex: { email: 'alex.meyer@icloud.com', name: 'Alex Meyer' },
  team: { email: 'team@example.com', name: 'Team' },
};

export function chosenStoreKind(): StoreKind {
  const wanted = process.env.BENCH_STORE ?? 'pglite';
  if (wanted !== 'pglite' && wanted !== 'memory') throw new Error(`BENCH_STORE must be pglite or memory, not ${wanted}`);
  return wanted;
}

export async function openBenchStore(kind: StoreKind, options: PgliteStoreOptions): Promise<BenchStore> {
  return kind === 'memory' ? openMemoryStore(options.zone) : openPgliteStore(options);
}

function openMemoryStore(zone: string): BenchStore {
  const store = new InMemorySyncStore();
  store.addUser('alex', null);
  store.addUser('team', null);
  const owned = new Map<Owner, string[]>([
    ['alex', []],
    ['team', []],
  ]);
  let next = 0;
  return {
    kind: 'memory',
    description: 'in-memory SyncStore (test/support/in-memory-sync.ts; copies its whole state per transaction)',
    store,
    async addCalendar(spec) {
      const calendarId = `cal-${next++}`;
      store.addCalendar({
        calendarId,
        userId: spec.owner,
        isPrimary: spec.role === 'primary',
        zone,
        selfEmails: [BENCH_USERS[spec.owner].email],
      });
      if (spec.role === 'primary') store.setPrimaryCalendar(spec.owner, calendarId);
      owned.get(spec.owner)?.push(calendarId);
      return calendarId;
    },
    async counts(calendarId) {
      const calendar = store.calendar(calendarId);
      let occurrences = 0;
      for (const list of calendar.occurrences.values()) occurrences += list.length;
      return { items: calendar.items.size, occurrences };
    },
    async readBusy(owner, range) {
      let busy = 0;
      for (const calendarId of owned.get(owner) ?? []) {
        for (const list of store.calendar(calendarId).occurrences.values()) {
          for (const o of list) if (o.blocks && o.start < range.end && o.end > range.start) busy++;
        }
      }
      return busy;
    },
    close: async () => undefined,
  };
}

interface PgliteStoreOptions {
  zone: string;
  now: Date;
  serverUrl: string;
  username: string;
  /**
   * PGlite's data directory, as the server has it; default in memory. In memory, the database's
   * files live in PGlite's WASM memory too, so that memory grows with the data.
   */
  dataDir?: string;
}

async function openPgliteStore(options: PgliteStoreOptions): Promise<BenchStore> {
  const handle: DatabaseHandle = await openPglite(options.dataDir ?? null);
  try {
    const { db } = handle;
    await migrateToLatest(db);
    const workspace = await db.insertInto('workspaces').values({ name: 'Bench', slug: 'bench' }).returning('id').executeTakeFirstOrThrow();
    const users = new Map<Owner, { userId: string; connectionId: string }>();
    for (const owner of ['alex', 'team'] as const) {
      const user = await db
        .insertInto('users')
        .values({
          workspace_id: workspace.id,
          email: BENCH_USERS[owner].email,
          name: BENCH_USERS[owner].name,
          role: owner === 'alex' ? 'owner' : 'member',
          timezone: options.zone,
          weekly_hours: JSON.stringify({ mon: [{ start: '09:00', end: '17:00' }] }),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      const connection = await db
        .insertInto('connections')
        .values({
          workspace_id: workspace.id,
          user_id: user.id,
          provider: 'caldav',
          server_url: options.serverUrl,
          username: options.username,
          secret_ciphertext: 'bench-not-a-secret',
          principal_url: `${options.serverUrl}/${options.username}/`,
          calendar_home_url: `${options.serverUrl}/${options.username}/`,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      users.set(owner, { userId: user.id, connectionId: connection.id });
    }
    const ownerOf = (owner: Owner): { userId: string; connectionId: string } => {
      const found = users.get(owner);
      if (found === undefined) throw new Error(`no bench user ${owner}`);
      return found;
    };
    const busySource = importedBusyFromStore();
    return {
      kind: 'pglite',
      description: `PostgreSQL SyncStore (src/store/sync-store.ts) on PGlite ${options.dataDir === undefined ? 'in memory' : 'in a data directory'}`,
      store: createSyncStore(db, {
        publicUrl: 'http://localhost:3000',
        now: () => options.now,
        recordNotice: recordAppointmentNotice,
        recordConnectionNotice,
      }),
      async addCalendar(spec) {
        const row = await db
          .insertInto('remote_calendars')
          .values({
            workspace_id: workspace.id,
            connection_id: ownerOf(spec.owner).connectionId,
            user_id: ownerOf(spec.owner).userId,
            url: spec.url,
            display_name: spec.displayName,
            components: ['VEVENT'],
            writable: true,
            role: spec.role,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        return row.id;
      },
      async counts(calendarId) {
        const result = await sql<{ items: number; occurrences: number }>`
          select (select count(*) from remote_items where remote_calendar_id = ${calendarId})::int as items,
                 (select count(*) from imported_occurrences o join remote_items i on i.id = o.remote_item_id
                   where i.remote_calendar_id = ${calendarId})::int as occurrences`.execute(db);
        const row = result.rows[0];
        return { items: row?.items ?? 0, occurrences: row?.occurrences ?? 0 };
      },
      async readBusy(owner, range) {
        const { userId } = ownerOf(owner);
        const busy = await busySource.importedBusy(db, [userId], { start: range.start.getTime(), end: range.end.getTime() });
        return busy.get(userId)?.length ?? 0;
      },
      ...(handle.wasmMemoryBytes && { wasmMemoryBytes: handle.wasmMemoryBytes }),
      close: () => handle.close(),
    };
  } catch (error) {
    await handle.close();
    throw error;
  }
}

export interface StoreTimer {
  ms: number;
  calls: number;
}

/** The same store, with the time spent in each call added to `timer`. */
export function timedStore(store: SyncStore, timer: StoreTimer): SyncStore {
  const timed =
    <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const started = performance.now();
      try {
        return await f(...args);
      } finally {
        timer.ms += performance.now() - started;
        timer.calls++;
      }
    };
  return {
    loadCalendarState: timed((id) => store.loadCalendarState(id)),
    loadSavedItems: timed((id) => store.loadSavedItems(id)),
    loadLinkedAppointments: timed((userId, ids) => store.loadLinkedAppointments(userId, ids)),
    loadConfirmedAppointmentSpans: timed((userId, ranges) => store.loadConfirmedAppointmentSpans(userId, ranges)),
    applyInboundBatch: timed((batch) => store.applyInboundBatch(batch)),
    claimOutboxRows: timed((options) => store.claimOutboxRows(options)),
    loadOutboundTarget: timed((row) => store.loadOutboundTarget(row)),
    recordWriteIntent: timed((link) => store.recordWriteIntent(link)),
    finishOutboxRow: timed((outcome) => store.finishOutboxRow(outcome)),
  };
}
