import { describe, expect, it } from 'vitest';
import {
  planAppointmentNotice,
  type AppointmentChange,
  type NoticeSubject,
} from '../../../src/services/notifications/record-appointment-notice.ts';
import type { ChangeCause } from '../../../src/services/notifications/message-content.ts';
import type { NotificationSettingsRow } from '../../../src/services/notifications/notification-settings.ts';
import { renderMessage } from '../../../src/services/notifications/render-message.ts';

/** Who hears of a move (decision 0026), and what the staff e-mail says. */
describe('the staff "moved by the client" e-mail', () => {
  const subject = (settings: NotificationSettingsRow | null = null): NoticeSubject => ({
    id: 'a1',
    title: 'Consultation with Ann Lee',
    start_at: new Date('2026-11-25T15:00:00Z'),
    end_at: new Date('2026-11-25T15:30:00Z'),
    location: null,
    status: 'confirmed',
    version: 2,
    removed_from_remote: false,
    overlap_flagged: false,
    calendar_id: 'c1',
    calendar_name: 'Consultation',
    calendar_type: 'collective',
    settings,
    attendees: [
      { id: 't1', status: 'confirmed', timezone: 'Asia/Tokyo', seats: 1, name: 'Ann Lee', email: 'ann@client.test', phone: null },
    ],
    staff: [
      { id: 'u1', name: 'Olivia', email: 'olivia@studio.test', timezone: 'Europe/London' },
      { id: 'u2', name: 'Nate', email: 'nate@studio.test', timezone: 'America/New_York' },
    ],
  });
  const plan = (change: AppointmentChange, cause: ChangeCause, settings: NotificationSettingsRow | null = null) =>
    planAppointmentNotice(subject(settings), {
      workspaceId: 'w1',
      appointmentId: 'a1',
      change,
      cause,
      now: new Date('2026-11-20T08:00:00Z'),
      previousStart: new Date('2026-11-24T14:00:00Z'),
    }).messages.map((m) => [m.kind, m.recipientEmail, m.recipientZone] as const);

  it('a client reschedule: one per assignee, in their zone, beside the client e-mail', () => {
    expect(plan('rescheduled', 'client').filter(([kind]) => kind !== 'client_reminder')).toEqual([
      ['client_rescheduled', 'ann@client.test', 'Asia/Tokyo'],
      ['staff_client_rescheduled', 'olivia@studio.test', 'Europe/London'],
      ['staff_client_rescheduled', 'nate@studio.test', 'America/New_York'],
    ]);
  });

  it('staff moving it, in the app or in their calendar, tell only the client', () => {
    for (const [change, cause] of [
      ['rescheduled', 'staff'],
      ['moved_in_calendar', 'calendar_sync'],
    ] as const) {
      expect(
        plan(change, cause).filter(([kind]) => kind.startsWith('staff_')),
        `${change} by ${cause}`,
      ).toEqual([]);
      expect(plan(change, cause).filter(([kind]) => kind === 'client_rescheduled')).toHaveLength(1);
    }
  });

  const defaults: NotificationSettingsRow = {
    client_confirmation: true,
    client_rescheduled: true,
    client_cancelled: true,
    client_reminder: false,
    staff_new_booking: true,
    staff_client_cancelled: true,
    reminder_offsets_min: [],
    client_change_deadline_min: null,
  };

  it("follows the calendar's client-changes switch", () => {
    const off: NotificationSettingsRow = {
      client_confirmation: true,
      client_rescheduled: true,
      client_cancelled: true,
      client_reminder: false,
      staff_new_booking: true,
      staff_client_cancelled: false,
      reminder_offsets_min: [],
      client_change_deadline_min: null,
    };
    expect(plan('rescheduled', 'client', off)).toEqual([['client_rescheduled', 'ann@client.test', 'Asia/Tokyo']]);
    expect(plan('rescheduled', 'client', { ...off, staff_client_cancelled: true }).map(([kind]) => kind)).toEqual([
      'client_rescheduled',
      'staff_client_rescheduled',
      'staff_client_rescheduled',
    ]);
  });

  it('says the old and the new time in the recipient zone, without a calendar file or manage link', () => {
    const render = (previousStart: string | null) =>
      renderMessage(
        {
          kind: 'staff_client_rescheduled',
          recipientName: 'Nate',
          recipientZone: 'America/New_York',
          content: {
            appointment: {
              id: 'a1',
              title: 'Consultation with Ann Lee',
              start: '2026-11-25T15:00:00.000Z',
              end: '2026-11-25T15:30:00.000Z',
              location: null,
              calendarName: 'Consultation',
              sequence: 2,
            },
            contactName: 'Ann Lee',
            staffNames: ['Nate', 'Olivia'],
            cause: 'client',
            previousStart,
          },
          manageLink: null,
          createdAt: new Date('2026-11-20T08:00:00Z'),
        },
        { publicUrl: 'https://book.example.test' },
      );
    const mail = render('2026-11-24T14:00:00.000Z');
    expect(mail.subject).toBe('Moved by the client: Ann Lee to Wednesday 25 November 2026, 10:00 (America/New_York)');
    expect(mail.text).toContain(
      'Ann Lee moved their booking from Tuesday 24 November 2026, 09:00 (America/New_York) to Wednesday 25 November 2026, 10:00 (America/New_York).',
    );
    expect(mail.attachments).toEqual([]);
    expect(mail.text).not.toMatch(/reschedule or cancel/i);
    // A snapshot without the old time still says what happened.
    expect(render(null).text).toContain('Ann Lee moved their booking to Wednesday 25 November 2026, 10:00 (America/New_York).');
  });

  describe('the member the move took it from', () => {
    const kept = { id: 'u1', name: 'Olivia', email: 'olivia@studio.test', timezone: 'Europe/London' };
    const lost = { id: 'u3', name: 'Kai', email: 'kai@studio.test', timezone: 'Australia/Sydney' };
    const planWithFormer = (cause: ChangeCause, settings: NotificationSettingsRow | null = null) =>
      planAppointmentNotice(
        { ...subject(settings), former_staff: [kept, lost] },
        {
          workspaceId: 'w1',
          appointmentId: 'a1',
          change: 'rescheduled',
          cause,
          now: new Date('2026-11-20T08:00:00Z'),
          previousStart: new Date('2026-11-24T14:00:00Z'),
          formerStaffIds: [kept.id, lost.id],
        },
      )
        .messages.map((m) => [m.kind, m.recipientEmail, m.recipientZone] as const)
        .filter(([kind]) => kind !== 'client_reminder');

    it('gets "no longer on your schedule" once; a member who kept it gets only "moved"', () => {
      expect(planWithFormer('client').filter(([kind]) => kind.startsWith('staff_'))).toEqual([
        ['staff_client_rescheduled', 'olivia@studio.test', 'Europe/London'],
        ['staff_client_rescheduled', 'nate@studio.test', 'America/New_York'],
        ['staff_client_moved_away', 'kai@studio.test', 'Australia/Sydney'],
      ]);
    });

    it('hears nothing of a staff move or with the switch off', () => {
      expect(planWithFormer('staff').filter(([kind]) => kind.startsWith('staff_'))).toEqual([]);
      const off = { ...defaults, staff_client_cancelled: false };
      expect(planWithFormer('client', off).filter(([kind]) => kind.startsWith('staff_'))).toEqual([]);
    });

    it('is told the old time in their zone, not the new one', () => {
      const mail = renderMessage(
        {
          kind: 'staff_client_moved_away',
          recipientName: 'Kai',
          recipientZone: 'Australia/Sydney',
          content: {
            appointment: {
              id: 'a1',
              title: 'Intro call',
              start: '2026-11-25T15:00:00.000Z',
              end: '2026-11-25T15:30:00.000Z',
              location: null,
              calendarName: 'Intro call',
              sequence: 2,
            },
            contactName: 'Ann Lee',
            staffNames: ['Olivia'],
            cause: 'client',
            previousStart: '2026-11-24T14:00:00.000Z',
          },
          manageLink: null,
          createdAt: new Date('2026-11-20T08:00:00Z'),
        },
        { publicUrl: 'https://book.example.test' },
      );
      expect(mail.subject).toBe('No longer on your schedule: Ann Lee on Wednesday 25 November 2026, 01:00 (Australia/Sydney)');
      expect(mail.text).toContain('Ann Lee moved their booking to another time; it is no longer on your schedule.');
      expect(mail.text).toContain('When: Wednesday 25 November 2026, 01:00 (Australia/Sydney)');
      expect(mail.text).not.toContain('02:00 (Australia/Sydney)'); // the new time, 15:00 UTC
      expect(mail.text).not.toContain('Olivia');
      expect(mail.attachments).toEqual([]);
    });
  });
});
