import { DateTime } from 'luxon';
import { appointmentEventUid } from '../../domain/sync/appointment-uid.ts';
import { buildAppointmentEvent } from '../../ical/appointment-event.ts';
import type { ReconnectCause } from '../../store/mark-needs-reconnect.ts';
import type { ChangeCause, MessageContent, MessageKind } from './message-content.ts';

export interface RenderedMessage {
  subject: string;
  text: string;
  html: string;
  attachments: Array<{ filename: string; content: string; contentType: string }>;
}

export interface MessageToRender {
  kind: MessageKind;
  recipientName: string;
  /** IANA zone every time in the message is shown in. */
  recipientZone: string;
  content: MessageContent;
  manageLink: string | null;
  /** DTSTAMP of the .ics: the row's creation, so a re-sent message carries the same file. */
  createdAt: Date;
}

/** "Tuesday 24 November 2026, 10:00 (Europe/Berlin)": always with the zone, so nobody guesses. */
export function formatWhen(iso: string, zone: string): string {
  // One DateTime made in the zone and locale (the stored instants are toISOString's), not three
  // (parse, setZone, setLocale): the sender formats a few per e-mail (issue 13.4).
  const ms = Date.parse(iso);
  const time = DateTime.fromMillis(ms, { zone, locale: 'en-GB' });
  const shown = time.isValid ? time : DateTime.fromMillis(ms, { zone: 'utc', locale: 'en-GB' });
  return `${shown.toFormat('cccc d LLLL yyyy, HH:mm')} (${shown.zoneName ?? 'UTC'})`;
}

function offsetWords(minutes: number): string {
  if (minutes % 1440 === 0) return minutes === 1440 ? '24 hours' : `${minutes / 1440} days`;
  if (minutes % 60 === 0) return minutes === 60 ? '1 hour' : `${minutes / 60} hours`;
  return `${minutes} minutes`;
}

/** Where the credentials were refused, as the staff e-mail says it (the webhook's `cause`). */
const REFUSED_WHERE: Record<ReconnectCause, string> = {
  calendar_list_refresh: 'when the list of calendars was refreshed',
  calendar_sync: 'while syncing your calendar',
  calendar_push: 'while writing a booking to your calendar',
};

// `icloud_sync` is how rows queued before `calendar_sync` name the same cause: a snapshot is never rewritten.
const CAUSE_WORDS: Record<ChangeCause | 'icloud_sync', string> = {
  staff: 'by the business',
  client: 'by you',
  calendar_sync: 'by the business in its calendar',
  icloud_sync: 'by the business in its calendar',
};

/**
 * Subject, plain text, simple HTML and the .ics of one queued message. Pure: everything comes from
 * the row's snapshot, so the same row always renders the same message.
 */
export function renderMessage(message: MessageToRender, options: { publicUrl: string }): RenderedMessage {
  const { content, recipientZone: zone } = message;
  const a = content.appointment;
  const lines: string[] = [`Hello ${message.recipientName},`, ''];
  let subject: string;
  let method: 'PUBLISH' | 'CANCEL' | null = null;
  const when = a ? formatWhen(a.start, zone) : '';
  const details = a
    ? [
        `What: ${a.title}`,
        `When: ${when}`,
        ...(a.location ? [`Where: ${a.location}`] : []),
        ...(content.staffNames?.length ? [`With: ${content.staffNames.join(', ')}`] : []),
      ]
    : [];
  switch (message.kind) {
    case 'client_confirmed':
      subject = `Booking confirmed: ${a?.title} on ${when}`;
      lines.push('Your booking is confirmed.', '', ...details);
      method = 'PUBLISH';
      break;
    case 'client_rescheduled':
      subject = `Booking moved: ${a?.title} is now on ${when}`;
      lines.push(`Your booking was moved ${CAUSE_WORDS[content.cause ?? 'staff']}.`, '', ...details);
      if (content.previousStart) lines.push(`Previously: ${formatWhen(content.previousStart, zone)}`);
      method = 'PUBLISH';
      break;
    case 'client_cancelled':
      subject = `Booking cancelled: ${a?.title} on ${when}`;
      lines.push(`Your booking was cancelled ${CAUSE_WORDS[content.cause ?? 'staff']}.`, '', ...details);
      method = 'CANCEL';
      break;
    case 'client_reminder':
      subject = `Reminder: ${a?.title} on ${when}`;
      lines.push(`A reminder: your appointment is in ${offsetWords(content.offsetMin ?? 0)}.`, '', ...details);
      break;
    case 'staff_new_booking':
      subject = `New booking: ${content.contactName ?? 'a client'} on ${when}`;
      lines.push(
        `${content.contactName ?? 'A client'} booked ${a?.calendarName ?? 'an appointment'} (${content.cause === 'staff' ? 'booked by staff' : 'booked online'}).`,
        '',
        ...details,
      );
      break;
    case 'staff_client_cancelled':
      subject = `Cancelled by the client: ${content.contactName ?? 'a client'} on ${when}`;
      lines.push(`${content.contactName ?? 'The client'} cancelled their booking.`, '', ...details);
      if (content.reason) lines.push(`Reason given: ${content.reason}`);
      break;
    case 'staff_client_rescheduled':
      subject = `Moved by the client: ${content.contactName ?? 'a client'} to ${when}`;
      lines.push(
        content.previousStart
          ? `${content.contactName ?? 'The client'} moved their booking from ${formatWhen(content.previousStart, zone)} to ${when}.`
          : `${content.contactName ?? 'The client'} moved their booking to ${when}.`,
        '',
        ...details,
      );
      break;
    case 'staff_client_moved_away': {
      // The member who lost it: the time it left, in their zone; the new time and host are not theirs.
      const was = content.previousStart ? formatWhen(content.previousStart, zone) : when;
      subject = `No longer on your schedule: ${content.contactName ?? 'a client'} on ${was}`;
      lines.push(
        `${content.contactName ?? 'The client'} moved their booking to another time; it is no longer on your schedule.`,
        '',
        ...(a ? [`What: ${a.title}`] : []),
        `When: ${was}`,
      );
      break;
    }
    case 'staff_needs_reconnect': {
      const where = content.connection?.cause ? ` ${REFUSED_WHERE[content.connection.cause]}` : '';
      if (content.connection?.provider === 'caldav') {
        // A CalDAV server's own password: no Apple ID, no app-specific password to explain.
        subject = 'Your calendar connection needs reconnecting';
        lines.push(
          `Tandem can no longer reach the calendars of ${content.connection.username}: the server refused the password${where}.`,
          'Until you reconnect, new bookings are not written to your calendar and events you add there do not block booking times.',
          '',
          'Enter the current password in Tandem:',
          `${options.publicUrl}/app/settings`,
        );
        break;
      }
      subject = 'Your iCloud connection needs reconnecting';
      lines.push(
        `Tandem can no longer reach the calendars of ${content.connection?.username ?? 'your account'}: the server refused the app-specific password${where}.`,
        'Until you reconnect, new bookings are not written to your calendar and events you add there do not block booking times.',
        '',
        'This usually happens after the Apple ID password was reset: resetting it revokes every app-specific password.',
        'Create a new app-specific password at https://account.apple.com and enter it in Tandem:',
        `${options.publicUrl}/app/settings`,
      );
      break;
    }
  }
  if (message.manageLink) lines.push('', `To reschedule or cancel: ${message.manageLink}`);
  else if (message.kind.startsWith('client_') && message.kind !== 'client_cancelled')
    lines.push('', 'To reschedule or cancel, use the link in your confirmation e-mail.');
  if (message.kind.startsWith('client_') && content.changeDeadline && message.kind !== 'client_cancelled') {
    lines.push(`Changes online are possible until ${formatWhen(content.changeDeadline, zone)}.`);
  }
  const text = `${lines.join('\n')}\n`;
  const html = `<!doctype html><html><body style="font-family:sans-serif">${lines.map((line) => (line === '' ? '<br>' : `<p style="margin:0">${linkify(escapeHtml(line))}</p>`)).join('\n')}</body></html>`;

  const attachments: RenderedMessage['attachments'] = [];
  if (a && method) {
    const ics = buildAppointmentEvent({
      uid: appointmentEventUid(a.id),
      title: a.title,
      description: message.manageLink ? `Reschedule or cancel: ${message.manageLink}` : '',
      location: a.location,
      url: message.manageLink,
      start: new Date(a.start),
      end: new Date(a.end),
      timezone: zone,
      sequence: a.sequence,
      dtstamp: message.createdAt,
      method,
    });
    attachments.push({ filename: 'invite.ics', content: ics, contentType: `text/calendar; charset=utf-8; method=${method}` });
  }
  return { subject, text, html, attachments };
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function linkify(escaped: string): string {
  return escaped.replace(/https?:\/\/[^\s<]+/g, (url) => `<a href="${url}">${url}</a>`);
}
