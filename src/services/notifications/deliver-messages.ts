import type { Kysely } from 'kysely';
import { MailSendError, type MailTransport } from '../../mail/mail-transport.ts';
import type { RetryAt } from '../../domain/retry-policy.ts';
import { claimDueRows } from '../../store/claim-due-rows.ts';
import type { DB } from '../../store/schema.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { MessageContent, MessageKind } from './message-content.ts';
import { recordWebhookEvent } from '../webhooks/record-webhook-event.ts';
import { renderMessage } from './render-message.ts';

export interface DeliverMessagesDeps {
  db: Kysely<DB>;
  transport: MailTransport;
  from: string;
  publicUrl: string;
  secretBox: SecretBox | undefined;
  now: () => Date;
  /** When the n-th failed attempt (n ≥ 1) may be tried again: the one retry policy (domain/retry-policy.ts). */
  retryAt: RetryAt;
  /** Temporary failures are retried this many times in all, then the message is recorded as failed. */
  maxAttempts?: number;
  /** A claimed row is someone else's for this long; after a crash it is sent again (same Message-ID). */
  leaseMs?: number;
  batch?: number;
  /** Tests: runs after the server accepted a message and before that is recorded (crash simulation). */
  afterSend?: (messageId: string) => Promise<void>;
}

export interface DeliveryReport {
  sent: number;
  retried: number;
  failed: number;
  skipped: number;
}

/** Rows claimed per call unless `batch` says otherwise. */
export const MESSAGE_BATCH = 50;

/** Message-ID from the row id: a message sent again after a crash is the same message to every mail client. */
export function messageIdFor(rowId: string, publicUrl: string): string {
  return `<${rowId}@${new URL(publicUrl).hostname || 'tandem'}>`;
}

/**
 * Sends the due e-mails of the messages outbox. Rows are claimed under a lease with SKIP LOCKED,
 * so any number of processes (the in-process scheduler, BullMQ workers) can run this at once without
 * sending a row twice while its lease holds. Delivery is at least once: a crash between the server's
 * "250 OK" and the record means a re-send after the lease, with the same Message-ID and content.
 */
export async function deliverMessages(deps: DeliverMessagesDeps): Promise<DeliveryReport> {
  const report: DeliveryReport = { sent: 0, retried: 0, failed: 0, skipped: 0 };
  const now = deps.now();
  const rows = await claim(deps, now);
  for (const row of rows) {
    const at = deps.now();
    if (row.kind === 'client_reminder' && !(await reminderStillHolds(deps.db, row, at))) {
      await finish(deps.db, row.id, {
        status: 'skipped',
        last_error: 'The appointment was cancelled or moved; this reminder no longer applies.',
      });
      report.skipped += 1;
      continue;
    }
    let manageLink: string | null = null;
    if (row.manage_link_ciphertext && deps.secretBox) {
      try {
        manageLink = deps.secretBox.decrypt(row.manage_link_ciphertext);
      } catch {
        manageLink = null; // another key: send without the link rather than not at all
      }
    }
    const rendered = renderMessage(
      {
        kind: row.kind as MessageKind,
        recipientName: row.recipient_name,
        recipientZone: row.recipient_zone,
        content: row.content as MessageContent,
        manageLink,
        createdAt: row.created_at,
      },
      { publicUrl: deps.publicUrl },
    );
    const messageId = messageIdFor(row.id, deps.publicUrl);
    try {
      await deps.transport.send({
        messageId,
        from: deps.from,
        to: { name: row.recipient_name, address: row.recipient_email },
        ...rendered,
        date: row.created_at,
        folder: row.workspace_id,
        fileName: `${row.created_at.toISOString().replace(/[:.]/g, '-')}-${row.kind}-${row.id}.eml`,
      });
    } catch (error) {
      const attempt = row.attempts + 1;
      const temporary = !(error instanceof MailSendError) || error.temporary;
      const message = error instanceof Error ? error.message : String(error);
      if (temporary && attempt < (deps.maxAttempts ?? 12)) {
        await finish(deps.db, row.id, { attempts: attempt, last_error: message, not_before: deps.retryAt(attempt, at) });
        report.retried += 1;
      } else {
        await finish(deps.db, row.id, { status: 'failed', attempts: attempt, last_error: message });
        report.failed += 1;
      }
      continue;
    }
    await deps.afterSend?.(messageId);
    // The link has served its purpose: it is not kept, even encrypted, once the e-mail is out.
    const sent = { status: 'sent', attempts: row.attempts + 1, sent_at: at, last_error: null, manage_link_ciphertext: null } as const;
    if (row.kind === 'client_reminder') {
      // Recorded with the send, so a re-send after a crash announces nothing twice.
      await deps.db.transaction().execute(async (trx) => {
        await finish(trx, row.id, sent);
        await announceReminder(trx, row, messageId, at);
      });
    } else {
      // One statement needs no transaction: two round trips fewer per e-mail (issue 13.4). Each e-mail
      // is recorded before the next is sent (not per batch): a crash re-sends at most the one in flight.
      await finish(deps.db, row.id, sent);
    }
    report.sent += 1;
  }
  return report;
}

type Claimed = Awaited<ReturnType<typeof claim>>[number];

async function claim(deps: DeliverMessagesDeps, now: Date) {
  const ids = await claimDueRows(deps.db, 'messages', { now, limit: deps.batch ?? MESSAGE_BATCH, leaseMs: deps.leaseMs ?? 120_000 });
  if (ids.length === 0) return [];
  return deps.db
    .selectFrom('messages')
    .select([
      'id',
      'workspace_id',
      'appointment_id',
      'attendee_id',
      'kind',
      'recipient_email',
      'recipient_name',
      'recipient_zone',
      'content',
      'manage_link_ciphertext',
      'attempts',
      'created_at',
    ])
    .where('id', 'in', ids)
    .orderBy('not_before')
    .orderBy('id')
    .execute();
}

/** A reminder is sent only for the time it was planned for, to a client still booked, before the start. */
async function reminderStillHolds(db: Kysely<DB>, row: Claimed, now: Date): Promise<boolean> {
  if (!row.appointment_id || !row.attendee_id) return false;
  const current = await db
    .selectFrom('appointments as a')
    .innerJoin('attendees as t', 't.appointment_id', 'a.id')
    .select(['a.start_at', 'a.status', 't.status as attendee_status'])
    .where('a.id', '=', row.appointment_id)
    .where('t.id', '=', row.attendee_id)
    .executeTakeFirst();
  const planned = (row.content as MessageContent).appointment?.start;
  return (
    current !== undefined &&
    current.status === 'confirmed' &&
    current.attendee_status === 'confirmed' &&
    planned !== undefined &&
    current.start_at.toISOString() === planned &&
    current.start_at.getTime() > now.getTime()
  );
}

/** `appointment.reminder_sent`: the client was reminded (other systems may follow up, e.g. by SMS). */
async function announceReminder(trx: Kysely<DB>, row: Claimed, messageId: string, now: Date): Promise<void> {
  const content = row.content as MessageContent;
  const appointment = content.appointment;
  if (!appointment || !row.appointment_id) return;
  const calendar = await trx
    .selectFrom('appointments as a')
    .innerJoin('booking_calendars as c', 'c.id', 'a.calendar_id')
    .select(['c.id', 'c.name', 'c.type'])
    .where('a.id', '=', row.appointment_id)
    .executeTakeFirst();
  await recordWebhookEvent(trx, {
    workspaceId: row.workspace_id,
    type: 'appointment.reminder_sent',
    appointmentId: row.appointment_id,
    now,
    data: {
      // As the reminder said it: the snapshot it was sent from (the sender checked it is still the appointment's time).
      appointment: {
        id: appointment.id,
        title: appointment.title,
        start: appointment.start,
        end: appointment.end,
        location: appointment.location,
      },
      calendar: calendar ?? { name: appointment.calendarName },
      contact: { name: row.recipient_name, email: row.recipient_email, timezone: row.recipient_zone },
      reminder: { offsetMin: content.offsetMin ?? null, messageId },
    },
  });
}

async function finish(
  db: Kysely<DB>,
  id: string,
  set: {
    status?: 'sent' | 'failed' | 'skipped';
    attempts?: number;
    last_error?: string | null;
    not_before?: Date;
    sent_at?: Date;
    manage_link_ciphertext?: null;
  },
): Promise<void> {
  await db
    .updateTable('messages')
    .set({ ...set, leased_until: null })
    .where('id', '=', id)
    .execute();
}
