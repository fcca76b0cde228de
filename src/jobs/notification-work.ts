import type { Config } from '../config.ts';
import { createFileTransport, createSmtpTransport, mailDirectory, type MailTransport } from '../mail/mail-transport.ts';
import { DAY_MS } from '../domain/time.ts';
import { deliverMessages, MESSAGE_BATCH } from '../services/notifications/deliver-messages.ts';
import { pruneNotifications } from '../services/notifications/prune-notifications.ts';
import type { SecretBox } from '../services/secrets/secret-box.ts';
import { deliverWebhooks } from '../services/webhooks/deliver-webhooks.ts';
import type { Database } from '../store/database.ts';
import { HOUR_MS } from '../domain/time.ts';
import { retryAtWith, RETRY_BASE_MS, RETRY_CAP_MS } from '../domain/retry-policy.ts';
import type { SyncWork } from './sync-job.ts';

/** E-mail retries: the one retry policy (domain/retry-policy.ts), capped at an hour (12 attempts span several hours). */
export const MAIL_RETRY = { baseMs: RETRY_BASE_MS, capMs: RETRY_CAP_MS };
/** Webhook retries: the same policy with a longer cap, over the ≥ 24 h a delivery is retried. */
export const WEBHOOK_RETRY = { baseMs: RETRY_BASE_MS, capMs: 4 * HOUR_MS };

/** SMTP when SMTP_URL is set, else .eml files under DATA_DIR/mail/ (what the staff app lists). */
export function mailTransportFor(config: Pick<Config, 'mail' | 'dataDir'>): MailTransport {
  return config.mail.smtpUrl ? createSmtpTransport(config.mail.smtpUrl) : createFileTransport(mailDirectory(config));
}

/**
 * A dispatch keeps sending e-mails while batches come back full, for at most this long: a backlog
 * (a burst of bookings) goes out now instead of one batch per scheduler tick (50 e-mails per 5 s),
 * and the calendar pushes waiting for the next dispatch wait no longer than this.
 */
export const MAIL_DRAIN_BUDGET_MS = 2_000;

export interface NotificationDeliveryOptions {
  db: Database;
  secretBox: SecretBox;
  config: Pick<Config, 'mail' | 'dataDir' | 'publicUrl' | 'webhookAllowPrivateNetworks' | 'notificationRetentionDays'>;
  now: () => Date;
  random?: () => number;
  transport?: MailTransport;
  /** E-mails claimed per batch (tests); default MESSAGE_BATCH. */
  mailBatch?: number;
}

/** Both outboxes of issue 11, delivered as one step; finished rows past the retention period are pruned after. */
export function createNotificationDelivery(options: NotificationDeliveryOptions): () => Promise<number> {
  const random = options.random ?? Math.random;
  const transport = options.transport ?? mailTransportFor(options.config);
  const mailBatch = options.mailBatch ?? MESSAGE_BATCH;
  const sendMail = async (): Promise<number> => {
    const until = performance.now() + MAIL_DRAIN_BUDGET_MS;
    let handled = 0;
    for (;;) {
      const mail = await deliverMessages({
        db: options.db,
        transport,
        from: options.config.mail.from,
        publicUrl: options.config.publicUrl,
        secretBox: options.secretBox,
        now: options.now,
        retryAt: retryAtWith(random, MAIL_RETRY),
        batch: mailBatch,
      });
      // Every claimed row was finished or leased away, so a full batch never claims itself again.
      const batch = mail.sent + mail.retried + mail.failed + mail.skipped;
      handled += batch;
      if (batch < mailBatch || performance.now() >= until) return handled;
    }
  };
  return async () => {
    const mail = await sendMail();
    const hooks = await deliverWebhooks({
      db: options.db,
      secretBox: options.secretBox,
      now: options.now,
      retryAt: retryAtWith(random, WEBHOOK_RETRY),
      allowPrivateNetworks: options.config.webhookAllowPrivateNetworks,
    });
    await pruneNotifications(options.db, new Date(options.now().getTime() - options.config.notificationRetentionDays * DAY_MS));
    return mail + hooks.delivered + hooks.retried + hooks.failed;
  };
}

/**
 * Rides on the outbox dispatch the scheduler enqueues every tick and after every appointment change,
 * so e-mails and webhooks go out from the in-process queue and from BullMQ workers alike, with the
 * same dedupe (one dispatch at a time per queue). A failing calendar push does not hold them back.
 */
export function withNotifications(work: SyncWork, deliver: () => Promise<number>): SyncWork {
  return {
    // The shutdown signal goes through: a wrapper that dropped it would keep a stopping worker busy.
    syncCalendar: (calendarId, mode, signal) => work.syncCalendar(calendarId, mode, signal),
    async dispatchOutbox(signal) {
      const [calendar, notifications] = await Promise.allSettled([work.dispatchOutbox(signal), deliver()]);
      if (calendar.status === 'rejected') throw calendar.reason;
      if (notifications.status === 'rejected') throw notifications.reason;
      return { processed: calendar.value.processed + notifications.value };
    },
  };
}
