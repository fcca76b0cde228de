import type { Kysely } from 'kysely';
import { hostOf, modeFor, type ScheduleStore } from '../domain/sync/schedule.ts';
import { markNeedsReconnect, type RecordConnectionNotice } from './mark-needs-reconnect.ts';
import type { DB } from './schema.ts';

// Calendar ids are uuids; anything else cannot name a calendar, and PostgreSQL would reject the cast.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** ScheduleStore over remote_calendars / connections (PGlite or PostgreSQL). */
export function createScheduleStore(db: Kysely<DB>, recordConnectionNotice: RecordConnectionNotice): ScheduleStore {
  return {
    async dueCalendars(now, limit) {
      const rows = await db
        .selectFrom('remote_calendars as rc')
        .innerJoin('connections as c', 'c.id', 'rc.connection_id')
        .select(['rc.id', 'rc.url', 'rc.failures', 'rc.last_full_sync_at', 'rc.last_change_at', 'rc.next_sync_at'])
        .where('rc.role', '<>', 'none')
        .where('rc.removed_at', 'is', null)
        .where('c.status', '=', 'active')
        .where((eb) => eb.or([eb('rc.next_sync_at', 'is', null), eb('rc.next_sync_at', '<=', now)]))
        // Never-synced (null) first, then the longest overdue: a backlog drains fairly.
        .orderBy(
          (eb) => eb.ref('rc.next_sync_at'),
          (ob) => ob.asc().nullsFirst(),
        )
        .orderBy('rc.id')
        .$if(limit !== null, (qb) => qb.limit(limit ?? 0))
        .execute();
      return rows.map((row) => ({
        calendarId: row.id,
        host: hostOf(row.url),
        mode: modeFor(row.last_full_sync_at, now),
        failures: row.failures,
        lastChangeAt: row.last_change_at?.toISOString() ?? null,
        dueAt: row.next_sync_at?.toISOString() ?? null,
      }));
    },

    async recordOutcome(calendarId, outcome, next, now, mode) {
      if (!UUID.test(calendarId)) return;
      const schedule = { next_sync_at: next.at, failures: next.failures };
      if (outcome.status === 'ok') {
        await db
          .updateTable('remote_calendars')
          .set({
            ...schedule,
            last_error_code: null,
            last_error_message: null,
            last_synced_at: now,
            ...(mode === 'full' ? { last_full_sync_at: now } : {}),
          })
          .where('id', '=', calendarId)
          // A run that ends after its calendar left the configuration must not make it due again.
          .where('role', '<>', 'none')
          .execute();
        return;
      }
      const error = { last_error_code: outcome.error.code, last_error_message: outcome.error.message };
      // halt, like retry, concerns this calendar only: the connection stays active.
      if (outcome.status === 'retry' || outcome.status === 'halt') {
        await db
          .updateTable('remote_calendars')
          .set({ ...schedule, ...error })
          .where('id', '=', calendarId)
          .where('role', '<>', 'none')
          .execute();
        return;
      }
      // stop: the calendar and its connection change together, so the user never sees one without the other.
      await db.transaction().execute(async (trx) => {
        const calendar = await trx
          .updateTable('remote_calendars')
          .set({ ...error, next_sync_at: null, failures: next.failures })
          .where('id', '=', calendarId)
          .returning('connection_id')
          .executeTakeFirst();
        if (!calendar) return;
        // The owner hears of it by e-mail and webhook, once per transition (issue 11).
        await markNeedsReconnect(
          trx,
          { connectionId: calendar.connection_id, now, error: outcome.error, cause: 'calendar_sync' },
          recordConnectionNotice,
        );
      });
    },

    async markDue(calendarId, now) {
      if (!UUID.test(calendarId)) return false;
      const row = await db
        .updateTable('remote_calendars')
        .set({ next_sync_at: now })
        .where('id', '=', calendarId)
        .returning('id')
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}
