import { sql, type Kysely, type RawBuilder } from 'kysely';
import { StatementTemplate, type TemplateParam } from '../../store/statement-template.ts';
import type { DB } from '../../store/schema.ts';
import { keptPerDatabase } from '../../store/kept-per-database.ts';
import type { ContactInput } from './booking-rows.ts';
import { messageRows, type NoticePlan } from '../notifications/record-appointment-notice.ts';
import { webhookPayload } from '../webhooks/record-webhook-event.ts';

/** A new appointment's version (the .ics SEQUENCE its notice quotes): written explicitly, not left to the default. */
export const NEW_APPOINTMENT_VERSION = 1;

export interface NewBooking {
  /** Chosen by the caller, so the notice can be planned before the one statement that writes it all. */
  appointmentId: string;
  attendeeId: string;
  workspaceId: string;
  calendarId: string;
  serviceId: string | null;
  start: Date;
  end: Date;
  title: string;
  location: string | null;
  assigneeIds: string[];
  /** The assignments' tstzrange literal (assigneeRange): what the exclusion constraint guards. */
  during: string;
  /** Assignees whose primary calendar must receive the event (recordOutboundChange's rule). */
  outboxUserIds: string[];
  contact: ContactInput;
  seats: number;
  secretHash: string;
  timezone: string | null;
  /** The app's clock: the outbox rows are due now by it (enqueueOutbox's rule). */
  now: Date;
  /** The booking's notice (planAppointmentNotice), planned with the contact as given. */
  notice: NoticePlan;
}

export interface InsertedBooking {
  contactId: string;
  /** The contact as stored (an existing contact keeps its e-mail's spelling). */
  contactName: string;
  contactEmail: string;
}

/**
 * Writes a one-off booking — contact (upserted by e-mail), appointment, assignments, outbox rows,
 * attendee, its e-mails and webhook deliveries — in one statement of data-modifying CTEs (issue
 * 13.4): on its own it needs no transaction around it. The exclusion constraint on
 * appointment_assignees still refuses an overlap (23P01) and the whole statement with it; the
 * caller's retry handles that as before. A workspace without an endpoint subscribed to the event
 * gets the statement without the webhook CTE (unhookedStatementText says why that is the same
 * booking); one with an endpoint, the statement with it.
 *
 * The notice was planned before the contact was upserted: where an existing contact's stored
 * e-mail (its spelling) and phone differ from what was given, the statement puts the stored ones
 * into the client's e-mails and the webhook payload, as a notice read after the insert would.
 */
export async function insertBooking(db: Kysely<DB>, b: NewBooking): Promise<InsertedBooking> {
  const values: InsertParams = {
    workspaceId: b.workspaceId,
    contactName: b.contact.name,
    contactEmail: b.contact.email.trim(),
    contactPhone: b.contact.phone ?? null,
    appointmentId: b.appointmentId,
    calendarId: b.calendarId,
    serviceId: b.serviceId,
    // Instants as ISO text: what node-postgres would make of a Date, without its per-value formatting.
    start: b.start.toISOString(),
    end: b.end.toISOString(),
    title: b.title,
    location: b.location,
    assigneeIds: b.assigneeIds,
    during: b.during,
    outboxUserIds: b.outboxUserIds,
    now: b.now.toISOString(),
    attendeeId: b.attendeeId,
    seats: b.seats,
    secretHash: b.secretHash,
    timezone: b.timezone,
    messages: JSON.stringify(messageRows(b.notice.messages, b.workspaceId, b.appointmentId)),
    event: b.notice.webhook.type,
  };
  const subscribed = `${b.workspaceId} ${values.event}`;
  const hint = subscribedWorkspaces(db);
  if (hint.get(subscribed) !== true) {
    unhookedStatement ??= StatementTemplate.compile(db, unhookedStatementText);
    const row = (await unhookedStatement.execute(db, values)).rows[0];
    if (row !== undefined) return { contactId: row.contact_id, contactName: row.name, contactEmail: row.email };
    // An active endpoint subscribed to the event: nothing was written; the statement with the fan-out writes it all.
    hint.set(subscribed, true);
  }
  hookedStatement ??= StatementTemplate.compile(db, hookedStatementText);
  const row = (await hookedStatement.execute(db, { ...values, webhookPayload: webhookPayload({ ...b.notice.webhook, now: b.now }) }))
    .rows[0]!;
  // No endpoint any more (deleted or disabled since): the next booking of this workspace tries the lean statement first again.
  if (!row.hooked) hint.set(subscribed, false);
  return { contactId: row.contact_id, contactName: row.name, contactEmail: row.email };
}

/**
 * Per database handle (keptPerDatabase), workspace and event: whether the last booking found an active
 * endpoint subscribed to it. Those bookings go straight to the statement with the webhook fan-out
 * instead of trying the lean one first. Only a hint for which statement to try first — each
 * statement decides from what it reads itself.
 */
const subscribedWorkspaces = keptPerDatabase<boolean>(10_000);

/** The insert's values: instants as ISO text, the e-mails as their rows' JSON. */
interface InsertParams extends Record<string, unknown> {
  workspaceId: string;
  contactName: string;
  contactEmail: string;
  contactPhone: string | null;
  appointmentId: string;
  calendarId: string;
  serviceId: string | null;
  start: string;
  end: string;
  title: string;
  location: string | null;
  assigneeIds: string[];
  during: string;
  outboxUserIds: string[];
  now: string;
  attendeeId: string;
  seats: number;
  secretHash: string;
  timezone: string | null;
  messages: string;
  event: string;
}

/** The statement with the fan-out also takes the event's payload, built only when it runs. */
interface HookedParams extends InsertParams {
  webhookPayload: string;
}

interface InsertedRow {
  contact_id: string;
  name: string;
  email: string;
}

/**
 * Two texts, each compiled on the first booking that needs it (issue 13.4: building the text per
 * request was the booking's other Kysely cost). Most workspaces have no webhook endpoint, and a
 * `webhook_deliveries` CTE costs every booking its own ModifyTable, the table and its four indexes
 * opened and locked, even when it writes no row (decision 0024, seventh session).
 */
let unhookedStatement: StatementTemplate<InsertParams, InsertedRow> | undefined;
let hookedStatement: StatementTemplate<HookedParams, InsertedRow & { hooked: boolean }> | undefined;

/**
 * The booking without the fan-out, gated on there being nothing to fan out to: `g` reads, in the
 * statement's own snapshot, whether an active endpoint of the workspace subscribed to the event —
 * the very rows the fan-out would have joined — and the contact and the appointment (so every row
 * after them) are written only when there is none. Such a booking is exactly what the statement
 * with the fan-out would have written in that snapshot: no delivery. An endpoint committed after
 * the snapshot misses the booking with either text, as any statement's snapshot misses later
 * commits. When there is one, no row comes back and nothing was written (the exclusion constraint
 * and the keys are not reached), and the caller runs the statement with the fan-out instead.
 */
function unhookedStatementText(param: TemplateParam<InsertParams>): RawBuilder<InsertedRow> {
  const workspaceId = sql`${param('workspaceId')}::uuid`;
  const event = sql`${param('event')}::text`;
  const gate = sql`
    g as (
      select not exists (select from webhook_endpoints e
                          where e.workspace_id = ${workspaceId} and e.status = 'active' and ${event} = any(e.events)) as clear
    ),`;
  return sql<InsertedRow>`
    with ${gate} ${bookingRows(param, sql`from g where g.clear`)}
    select k.id as contact_id, k.name, k.email from a, k
  `;
}

/** The booking with recordWebhookEvent's fan-out: every active endpoint of the workspace subscribed to the event. */
function hookedStatementText(param: TemplateParam<HookedParams>): RawBuilder<InsertedRow & { hooked: boolean }> {
  const workspaceId = sql`${param('workspaceId')}::uuid`;
  const now = sql`${param('now')}::timestamptz`;
  const event = sql`${param('event')}::text`;
  return sql<InsertedRow & { hooked: boolean }>`
    with ${bookingRows(param, sql``)}, w as (
      insert into webhook_deliveries (workspace_id, endpoint_id, appointment_id, event, payload, not_before)
      select e.workspace_id, e.id, a.id, ${event},
             jsonb_set(jsonb_set(jsonb_set(${param('webhookPayload')}::jsonb,
               '{data,contact,email}', to_jsonb(k.email)),
               '{data,contact,phone}', coalesce(to_jsonb(k.phone), 'null'::jsonb)),
               '{data,attendees,0,email}', to_jsonb(k.email)),
             ${now}
      from a, k, webhook_endpoints e
      where e.workspace_id = ${workspaceId} and e.status = 'active' and ${event} = any(e.events)
      returning 1
    )
    select k.id as contact_id, k.name, k.email, exists (select from w) as hooked from a, k
  `;
}

/**
 * The booking's rows as CTEs `k` (the contact) … `m` (its e-mails). `gate` is a FROM clause the
 * contact and the appointment are selected from (empty: written unconditionally).
 */
function bookingRows(param: TemplateParam<InsertParams>, gate: RawBuilder<unknown>): RawBuilder<unknown> {
  const workspaceId = sql`${param('workspaceId')}::uuid`;
  const now = sql`${param('now')}::timestamptz`;
  return sql`
    k as (
      insert into contacts (workspace_id, name, email, phone)
      select ${workspaceId}, ${param('contactName')}, ${param('contactEmail')}, ${param('contactPhone')} ${gate}
      on conflict (workspace_id, lower(email)) do update set name = excluded.name, phone = coalesce(excluded.phone, contacts.phone)
      returning id, name, email, phone
    ), a as (
      insert into appointments (id, workspace_id, calendar_id, service_id, start_at, end_at, title, location, seats_taken, version)
      select ${param('appointmentId')}::uuid, ${workspaceId}, ${param('calendarId')}::uuid, ${param('serviceId')}::uuid,
             ${param('start')}::timestamptz, ${param('end')}::timestamptz, ${param('title')}, ${param('location')}, 1,
             ${sql.lit(NEW_APPOINTMENT_VERSION)}::integer ${gate}
      returning id
    ), aa as (
      insert into appointment_assignees (appointment_id, user_id, workspace_id, during)
      select a.id, u, ${workspaceId}, ${param('during')}::tstzrange from a, unnest(${param('assigneeIds')}::uuid[]) as u
    ), o as (
      insert into outbox (workspace_id, appointment_id, user_id, op, not_before)
      select ${workspaceId}, a.id, u, 'upsert', ${now} from a, unnest(${param('outboxUserIds')}::uuid[]) as u
    ), t as (
      insert into attendees (id, workspace_id, appointment_id, contact_id, seats, secret_hash, timezone)
      select ${param('attendeeId')}::uuid, ${workspaceId}, a.id, k.id, ${param('seats')}::integer, ${param('secretHash')}, ${param('timezone')}
      from a, k
    ), m as (
      insert into messages (workspace_id, appointment_id, attendee_id, user_id, kind, recipient_email, recipient_name, recipient_zone,
                            content, manage_link_ciphertext, not_before)
      select r.workspace_id, a.id, r.attendee_id, r.user_id, r.kind,
             case when r.attendee_id is null then r.recipient_email else k.email end,
             r.recipient_name, r.recipient_zone, r.content::jsonb, r.manage_link_ciphertext, r.not_before
      from a, k, jsonb_to_recordset(${param('messages')}::jsonb) as r(
        workspace_id uuid, attendee_id uuid, user_id uuid, kind text, recipient_email text, recipient_name text, recipient_zone text,
        content text, manage_link_ciphertext text, not_before timestamptz)
    )`;
}
