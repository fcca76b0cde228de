import type { Selectable } from 'kysely';
import type { DB } from './db-types.ts';

/**
 * The database's row types. They are generated from the migrated schema into db-types.ts
 * (`npm run generate:db-types`; `npm test` fails while it is stale), so nothing here restates a
 * column: this module only gives names to the value sets the code passes around.
 */
export type * from './db-types.ts';
export type { StoredSnapshot, SyncWarningColumn } from './json-columns.ts';

export type Role = Selectable<DB['users']>['role'];
export type AppointmentStatus = Selectable<DB['appointments']>['status'];
export type CalendarRole = Selectable<DB['remote_calendars']>['role'];
