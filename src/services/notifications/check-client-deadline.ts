import type { Transaction } from 'kysely';
import type { DB } from '../../store/schema.ts';
import { AppError } from '../app-error.ts';
import { loadNotificationSettings } from './notification-settings.ts';
import './notification-errors.ts';

/**
 * The calendar's client policy: within `clientChangeDeadlineMin` of the start, the client's link can
 * no longer cancel or reschedule (staff still can). Refused with 422 change_deadline_passed.
 */
export async function checkClientDeadline(
  trx: Transaction<DB>,
  booking: { workspaceId: string; calendarId: string; start: Date },
  now: Date,
): Promise<void> {
  const settings = await loadNotificationSettings(trx, booking.workspaceId, booking.calendarId);
  if (settings.clientChangeDeadlineMin === null) return;
  const deadline = booking.start.getTime() - settings.clientChangeDeadlineMin * 60_000;
  if (now.getTime() > deadline) {
    throw new AppError('change_deadline_passed', {
      details: { deadline: new Date(deadline).toISOString(), deadlineMin: settings.clientChangeDeadlineMin },
    });
  }
}
