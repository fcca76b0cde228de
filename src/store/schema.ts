import type { ColumnType, Generated } from 'kysely';
import type { TimeRange, WeeklyHours } from '../domain/schedule.ts';
import type { EventSchedule } from '../domain/event-times.ts';

/** Row types of the database, as Kysely sees them. Keep in step with migrations/. */
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json<T> = ColumnType<T, string, string>;

export interface WorkspacesTable {
  id: Generated<string>;
  name: string;
  slug: string;
  created_at: CreatedAt;
}

export type Role = 'owner' | 'admin' | 'member';
export interface UsersTable {
  id: Generated<string>;
  workspace_id: string;
  email: string;
  name: string;
  role: Role;
  timezone: string;
  weekly_hours: Json<WeeklyHours>;
  password_hash: string | null;
  created_at: CreatedAt;
}

export interface DateOverridesTable {
  id: Generated<string>;
  workspace_id: string;
  user_id: string;
  date: ColumnType<string, string, string>;
  ranges: Json<TimeRange[]>;
}

export interface SessionsTable {
  token_hash: string;
  workspace_id: string;
  user_id: string;
  expires_at: Timestamp;
  created_at: CreatedAt;
}

export interface ApiTokensTable {
  id: Generated<string>;
  workspace_id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
}

export interface ContactsTable {
  id: Generated<string>;
  workspace_id: string;
  name: string;
  email: string;
  phone: string | null;
  created_at: CreatedAt;
}

export type CalendarTypeColumn = 'round_robin' | 'collective' | 'class' | 'service' | 'simple' | 'event';
export interface BookingCalendarsTable {
  id: Generated<string>;
  workspace_id: string;
  slug: string;
  name: string;
  type: CalendarTypeColumn;
  duration_min: number;
  interval_min: number;
  buffer_before_min: Generated<number>;
  buffer_after_min: Generated<number>;
  min_notice_min: Generated<number>;
  window_days: Generated<number>;
  daily_limit: number | null;
  seats: Generated<number>;
  distribution: Generated<'availability' | 'equal'>;
  location: string | null;
  event_schedule: Json<EventSchedule> | null;
  created_at: CreatedAt;
}

export interface CalendarMembersTable {
  calendar_id: string;
  user_id: string;
  workspace_id: string;
  priority: Generated<number>;
}

export interface ServicesTable {
  id: Generated<string>;
  workspace_id: string;
  calendar_id: string;
  name: string;
  duration_min: number;
  price_cents: number | null;
  currency: string | null;
}

export interface ServiceStaffTable {
  service_id: string;
  user_id: string;
  workspace_id: string;
}

export type AppointmentStatus = 'confirmed' | 'cancelled';
export interface AppointmentsTable {
  id: Generated<string>;
  workspace_id: string;
  calendar_id: string;
  service_id: string | null;
  start_at: Timestamp;
  end_at: Timestamp;
  status: Generated<AppointmentStatus>;
  title: string;
  location: string | null;
  seats_taken: Generated<number>;
  removed_from_remote: Generated<boolean>;
  overlap_flagged: Generated<boolean>;
  version: Generated<number>;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface AppointmentAssigneesTable {
  appointment_id: string;
  user_id: string;
  workspace_id: string;
  during: string;
  status: Generated<AppointmentStatus>;
  overlap_allowed: Generated<boolean>;
}

export interface AttendeesTable {
  id: Generated<string>;
  workspace_id: string;
  appointment_id: string;
  contact_id: string;
  seats: Generated<number>;
  status: Generated<AppointmentStatus>;
  secret_hash: string;
  created_at: CreatedAt;
  /** The booker's IANA zone (0006): their e-mails show times in it. Null for older bookings. */
  timezone: ColumnType<string | null, string | null | undefined, string | null>;
  cancel_reason: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface BlockedSlotsTable {
  id: Generated<string>;
  workspace_id: string;
  user_id: string;
  start_at: Timestamp;
  end_at: Timestamp;
  title: Generated<string>;
  created_at: CreatedAt;
}

export interface IdempotencyKeysTable {
  scope: string;
  /** SHA-256 (hex) of the Idempotency-Key (0008). */
  key: string;
  request_hash: string;
  status_code: number;
  /** `{ sealed }`: the answer, encrypted (0008; services/idempotency.ts). */
  response: Json<unknown>;
  created_at: CreatedAt;
}

export interface ConnectionsTable {
  id: Generated<string>;
  workspace_id: string;
  user_id: string;
  provider: 'icloud' | 'caldav';
  server_url: string;
  username: string;
  secret_ciphertext: string;
  principal_url: string;
  calendar_home_url: string;
  status: Generated<'active' | 'needs_reconnect'>;
  last_error_code: string | null;
  last_error_message: string | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export type CalendarRole = 'none' | 'primary' | 'conflict';
export interface RemoteCalendarsTable {
  id: Generated<string>;
  workspace_id: string;
  connection_id: string;
  user_id: string;
  url: string;
  display_name: string;
  color: string | null;
  components: ColumnType<string[], string[] | undefined, string[]>;
  writable: boolean;
  subscribed: Generated<boolean>;
  connectable: Generated<boolean>;
  not_connectable_reason: string | null;
  ctag: string | null;
  role: Generated<CalendarRole>;
  sync_token: string | null;
  last_synced_at: Timestamp | null;
  last_error_code: string | null;
  last_error_message: string | null;
  warning: string | null;
  next_sync_at: Timestamp | null;
  failures: Generated<number>;
  import_total: number | null;
  import_done: number | null;
  last_full_sync_at: Timestamp | null;
  /** The sync engine's structured warning (CalendarWarning); `warning` holds its message. */
  sync_warning: ColumnType<SyncWarningColumn | null, string | null | undefined, string | null>;
  allow_empty_once: Generated<boolean>;
  /** 0004: summary of the items' problems (remote_items.error_code), set with each finished run. */
  item_error_code: Generated<string | null>;
  item_error_message: Generated<string | null>;
  /** 0004: more items than SYNC_MAX_ITEMS_PER_CALENDAR (calendar_too_many_items). */
  limit_error_code: Generated<string | null>;
  limit_error_message: Generated<string | null>;
  /** RFC 6638 schedule-calendar-transp is `transparent` (0009): the server says its events do not block. */
  server_transparent: Generated<boolean>;
  /** The user's override of server_transparent (0009): null follows the server. */
  blocks_availability: boolean | null;
}

/** remote_calendars.sync_warning: the empty-calendar refusal (ports.ts CalendarWarning). */
export interface SyncWarningColumn {
  code: 'empty_calendar_refused';
  heldItems: number;
  message: string;
}

export type RemoteItemKind = 'imported' | 'appointment' | 'unreadable';
export interface RemoteItemsTable {
  id: Generated<string>;
  workspace_id: string;
  remote_calendar_id: string;
  user_id: string;
  href: string;
  etag: string | null;
  content_hash: string | null;
  uid: string | null;
  kind: RemoteItemKind;
  expanded_until: Timestamp | null;
  error: string | null;
  updated_at: Generated<Date>;
  /** 0004: stable code of `error` (sync-limits.ts). */
  error_code: Generated<string | null>;
}

export interface ImportedOccurrencesTable {
  id: Generated<number>;
  workspace_id: string;
  remote_item_id: string;
  user_id: string;
  recurrence_id: string | null;
  start_at: Timestamp;
  end_at: Timestamp;
  all_day: Generated<boolean>;
  blocks: Generated<boolean>;
  summary: Generated<string>;
  status: string | null;
  /** 0004: > 1 for a merged busy range of a dense series. */
  occurrences: Generated<number>;
  /** 0013: the item's calendar, denormalised for availability (null: read it through the item). */
  remote_calendar_id: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A written snapshot inside appointment_links.pending_writes, times as ISO strings. */
export interface StoredSnapshot {
  start: string;
  end: string;
  title: string;
  detailsHash: string;
}

export interface AppointmentLinksTable {
  appointment_id: string;
  user_id: string;
  workspace_id: string;
  remote_calendar_id: string;
  href: string;
  etag: string | null;
  written_start: Timestamp;
  written_end: Timestamp;
  written_title: string;
  written_details_hash: string;
  sequence: Generated<number>;
  removed_remotely: Generated<boolean>;
  create_pending: Generated<boolean>;
  pending_writes: ColumnType<StoredSnapshot[], string | undefined, string>;
  updated_at: Generated<Date>;
}

export type OutboxStatus = 'pending' | 'done' | 'failed';
export interface OutboxTable {
  id: Generated<number>;
  workspace_id: string;
  appointment_id: string;
  user_id: string;
  op: 'upsert' | 'delete';
  status: Generated<OutboxStatus>;
  attempts: Generated<number>;
  not_before: ColumnType<Date, Date | string | undefined, Date | string>;
  leased_until: Timestamp | null;
  last_error: string | null;
  created_at: CreatedAt;
  done_at: Timestamp | null;
}

export interface AppointmentHistoryTable {
  id: Generated<number>;
  workspace_id: string;
  appointment_id: string;
  kind: string;
  details: Json<Record<string, unknown>>;
  created_at: CreatedAt;
}

/** 0006-notifications: per-calendar message switches, reminder offsets and the client deadline. */
export interface CalendarNotificationSettingsTable {
  calendar_id: string;
  workspace_id: string;
  client_confirmation: Generated<boolean>;
  client_rescheduled: Generated<boolean>;
  client_cancelled: Generated<boolean>;
  client_reminder: Generated<boolean>;
  staff_new_booking: Generated<boolean>;
  staff_client_cancelled: Generated<boolean>;
  reminder_offsets_min: ColumnType<number[], number[] | undefined, number[]>;
  client_change_deadline_min: number | null;
  updated_at: Generated<Date>;
}

export type MessageStatus = 'pending' | 'sent' | 'failed' | 'skipped';
export interface MessagesTable {
  id: Generated<string>;
  workspace_id: string;
  appointment_id: string | null;
  attendee_id: string | null;
  user_id: string | null;
  kind: string;
  recipient_email: string;
  recipient_name: string;
  recipient_zone: string;
  content: Json<Record<string, unknown>>;
  manage_link_ciphertext: string | null;
  status: Generated<MessageStatus>;
  attempts: Generated<number>;
  not_before: ColumnType<Date, Date | string | undefined, Date | string>;
  leased_until: Timestamp | null;
  last_error: string | null;
  sent_at: Timestamp | null;
  created_at: CreatedAt;
}

export interface WebhookEndpointsTable {
  id: Generated<string>;
  workspace_id: string;
  url: string;
  events: ColumnType<string[], string[], string[]>;
  secret_ciphertext: string;
  status: Generated<'active' | 'disabled'>;
  disabled_reason: string | null;
  failing_since: Timestamp | null;
  created_at: CreatedAt;
  updated_at: Generated<Date>;
}

export interface WebhookDeliveriesTable {
  id: Generated<string>;
  workspace_id: string;
  endpoint_id: string;
  appointment_id: string | null;
  event: string;
  payload: Json<Record<string, unknown>>;
  status: Generated<'pending' | 'delivered' | 'failed'>;
  attempts: Generated<number>;
  not_before: ColumnType<Date, Date | string | undefined, Date | string>;
  leased_until: Timestamp | null;
  last_status_code: number | null;
  last_error: string | null;
  created_at: CreatedAt;
  delivered_at: Timestamp | null;
}

export interface DB {
  workspaces: WorkspacesTable;
  users: UsersTable;
  date_overrides: DateOverridesTable;
  sessions: SessionsTable;
  api_tokens: ApiTokensTable;
  contacts: ContactsTable;
  booking_calendars: BookingCalendarsTable;
  calendar_members: CalendarMembersTable;
  services: ServicesTable;
  service_staff: ServiceStaffTable;
  appointments: AppointmentsTable;
  appointment_assignees: AppointmentAssigneesTable;
  attendees: AttendeesTable;
  blocked_slots: BlockedSlotsTable;
  idempotency_keys: IdempotencyKeysTable;
  connections: ConnectionsTable;
  remote_calendars: RemoteCalendarsTable;
  remote_items: RemoteItemsTable;
  imported_occurrences: ImportedOccurrencesTable;
  appointment_links: AppointmentLinksTable;
  outbox: OutboxTable;
  appointment_history: AppointmentHistoryTable;
  invites: InvitesTable;
  calendar_notification_settings: CalendarNotificationSettingsTable;
  messages: MessagesTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
}

/** A one-time link to set a password (migration 0005); only the token's hash is stored. */
export interface InvitesTable {
  id: Generated<string>;
  workspace_id: string;
  user_id: string;
  token_hash: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: CreatedAt;
}
