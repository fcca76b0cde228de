/**
 * The shapes a connection and its calendars have outside the store. Never the secret: the views are
 * built from an explicit column list that leaves `secret_ciphertext` out.
 */
import type { Database } from '../../store/database.ts';
import type { CalendarRole } from '../../store/schema.ts';
import { AppError } from '../app-error.ts';
import { CALENDAR_ERROR_COLUMNS, calendarLastError } from '../sync/calendar-last-error.ts';

export type ConnectionProvider = 'icloud' | 'caldav';
export type ConnectionStatus = 'active' | 'needs_reconnect';

export interface ErrorSummary {
  code: string;
  message: string;
}

export interface RemoteCalendarView {
  id: string;
  connectionId: string;
  url: string;
  displayName: string;
  color: string | null;
  components: string[];
  writable: boolean;
  subscribed: boolean;
  /** false: listed greyed out with `notConnectableReason`, and refused as primary or conflict calendar. */
  connectable: boolean;
  notConnectableReason: string | null;
  role: CalendarRole;
  lastSyncedAt: string | null;
  lastError: ErrorSummary | null;
  warning: string | null;
  /** The server marks the calendar transparent (RFC 6638): its events do not affect availability. */
  serverTransparent: boolean;
  /** The user's switch in Tandem; null follows the server. */
  blocksAvailabilityOverride: boolean | null;
  /** Whether its events block availability (the override, else the server's say). */
  blocksAvailability: boolean;
  /** When a listing found it deleted on the server: kept for the record, no longer synced (issue 12.3). */
  removedAt: string | null;
}

export interface ConnectionView {
  id: string;
  userId: string;
  provider: ConnectionProvider;
  serverUrl: string;
  username: string;
  status: ConnectionStatus;
  lastError: ErrorSummary | null;
  createdAt: string;
  updatedAt: string;
  /** The account's own addresses (RFC 6638 calendar-user-address-set): invitations to them are recognised. */
  addresses: string[];
  calendars: RemoteCalendarView[];
}

const CONNECTION_COLUMNS = [
  'id',
  'user_id',
  'provider',
  'server_url',
  'username',
  'status',
  'last_error_code',
  'last_error_message',
  'created_at',
  'updated_at',
  'self_addresses',
] as const;
const CALENDAR_COLUMNS = [
  'id',
  'connection_id',
  'url',
  'display_name',
  'color',
  'components',
  'writable',
  'subscribed',
  'connectable',
  'not_connectable_reason',
  'role',
  'last_synced_at',
  'warning',
  'server_transparent',
  'blocks_availability',
  'removed_at',
  ...CALENDAR_ERROR_COLUMNS,
] as const;

function errorSummary(code: string | null, message: string | null): ErrorSummary | null {
  return code === null ? null : { code, message: message ?? '' };
}

/** The calendars of the given connections, in a stable order (name, then id) for the UI. */
export async function loadCalendarViews(
  db: Database,
  workspaceId: string,
  filter: { connectionIds: string[] } | { userId: string },
): Promise<RemoteCalendarView[]> {
  let query = db.selectFrom('remote_calendars').select(CALENDAR_COLUMNS).where('workspace_id', '=', workspaceId);
  if ('userId' in filter) query = query.where('user_id', '=', filter.userId);
  else if (filter.connectionIds.length === 0) return [];
  else query = query.where('connection_id', 'in', filter.connectionIds);
  const rows = await query.orderBy('display_name').orderBy('id').execute();
  return rows.map((row) => ({
    id: row.id,
    connectionId: row.connection_id,
    url: row.url,
    displayName: row.display_name,
    color: row.color,
    components: row.components,
    writable: row.writable,
    subscribed: row.subscribed,
    connectable: row.connectable,
    notConnectableReason: row.not_connectable_reason,
    role: row.role,
    lastSyncedAt: row.last_synced_at?.toISOString() ?? null,
    lastError: calendarLastError(row),
    warning: row.warning,
    serverTransparent: row.server_transparent,
    blocksAvailabilityOverride: row.blocks_availability,
    blocksAvailability: row.blocks_availability ?? !row.server_transparent,
    removedAt: row.removed_at?.toISOString() ?? null,
  }));
}

/** Connections (of one user, or by id) with their calendars, oldest first. */
export async function loadConnectionViews(
  db: Database,
  workspaceId: string,
  filter: { userId: string } | { connectionId: string },
): Promise<ConnectionView[]> {
  let query = db.selectFrom('connections').select(CONNECTION_COLUMNS).where('workspace_id', '=', workspaceId);
  query = 'userId' in filter ? query.where('user_id', '=', filter.userId) : query.where('id', '=', filter.connectionId);
  const rows = await query.orderBy('created_at').orderBy('id').execute();
  const calendars = await loadCalendarViews(db, workspaceId, { connectionIds: rows.map((row) => row.id) });
  return rows.map((row) => ({
    id: row.id,
    userId: row.user_id,
    provider: row.provider,
    serverUrl: row.server_url,
    username: row.username,
    status: row.status,
    lastError: errorSummary(row.last_error_code, row.last_error_message),
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    addresses: row.self_addresses,
    calendars: calendars.filter((calendar) => calendar.connectionId === row.id),
  }));
}

export async function loadConnectionView(db: Database, workspaceId: string, connectionId: string): Promise<ConnectionView> {
  const [view] = await loadConnectionViews(db, workspaceId, { connectionId });
  // Callers have checked access to the row already; its absence now means it was removed meanwhile.
  if (!view) throw new AppError('not_found');
  return view;
}
