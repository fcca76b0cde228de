import { describe, expect, it } from 'vitest';
import { renderMessage } from '../../../src/services/notifications/render-message.ts';

/** The staff "needs reconnecting" e-mail speaks of Apple IDs only to iCloud users. */
describe('the needs-reconnect e-mail', () => {
  const render = (provider: 'icloud' | 'caldav', cause?: 'calendar_list_refresh' | 'calendar_sync' | 'calendar_push') =>
    renderMessage(
      {
        kind: 'staff_needs_reconnect',
        recipientName: 'Owner',
        recipientZone: 'Europe/London',
        content: { connection: { id: 'c1', username: 'ann@example.test', provider, ...(cause && { cause }) } },
        manageLink: null,
        createdAt: new Date('2026-11-23T08:00:00Z'),
      },
      { publicUrl: 'https://book.example.test' },
    );

  it('iCloud: explains that resetting the Apple ID password revokes app-specific passwords', () => {
    const mail = render('icloud');
    expect(mail.subject).toBe('Your iCloud connection needs reconnecting');
    expect(mail.text).toContain('resetting it revokes every app-specific password');
    expect(mail.text).toContain('https://book.example.test/app/settings');
  });

  it('another CalDAV server: the same news without Apple', () => {
    const mail = render('caldav');
    expect(mail.subject).toBe('Your calendar connection needs reconnecting');
    expect(mail.text).toContain('ann@example.test');
    expect(mail.text).not.toMatch(/Apple|iCloud|app-specific/);
    expect(mail.text).toContain('https://book.example.test/app/settings');
  });

  it('says where the password was refused, in the same words for every provider', () => {
    expect(render('caldav', 'calendar_push').text).toContain('the server refused the password while writing a booking to your calendar.');
    expect(render('caldav', 'calendar_list_refresh').text).toContain('when the list of calendars was refreshed.');
    expect(render('icloud', 'calendar_sync').text).toContain('refused the app-specific password while syncing your calendar.');
    expect(render('caldav', 'calendar_sync').text).not.toMatch(/Apple|iCloud|app-specific/);
  });
});
