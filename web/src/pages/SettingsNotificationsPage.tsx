import { useEffect, useState } from 'react';
import { messageOf } from '../api.ts';
import { SaveStatus, type SaveOutcome } from '../components/SaveStatus.tsx';
import { notificationsApi, type MailFile, type NotificationSettings } from '../notifications-api.ts';
import { useStaff } from './StaffShell.tsx';

const SWITCHES: Array<[keyof NotificationSettings, string]> = [
  ['clientConfirmation', 'Client: booking confirmed (with calendar file and manage link)'],
  ['clientRescheduled', 'Client: booking moved (by staff, by the client, or in iCloud)'],
  ['clientCancelled', 'Client: booking cancelled'],
  ['clientReminder', 'Client: reminder before the appointment'],
  ['staffNewBooking', 'Staff: new booking'],
  ['staffClientCancelled', 'Staff: the client cancelled or moved their booking'],
];

function CalendarNotifications({ calendarId, name }: { calendarId: string; name: string }) {
  const [settings, setSettings] = useState<NotificationSettings | null>(null);
  const [offsets, setOffsets] = useState('');
  const [deadline, setDeadline] = useState('');
  const [loadError, setLoadError] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<SaveOutcome>({ error: null, isSuccess: false });
  useEffect(() => {
    notificationsApi.settings(calendarId).then(
      (s) => {
        setSettings(s);
        setOffsets(s.reminderOffsetsMin.map((m) => String(m / 60)).join(', '));
        setDeadline(s.clientChangeDeadlineMin === null ? '' : String(s.clientChangeDeadlineMin / 60));
      },
      (error: unknown) => setLoadError(messageOf(error)),
    );
  }, [calendarId]);
  if (!settings)
    return (
      <li className="card">
        {name}: {loadError ?? 'Loading…'}
      </li>
    );
  const save = async () => {
    setOutcome({ error: null, isSuccess: false });
    try {
      const hours = offsets
        .split(/[,\s]+/)
        .filter(Boolean)
        .map(Number);
      if (hours.some((h) => !Number.isFinite(h) || h <= 0)) throw new Error('Reminder offsets are hours before the start, e.g. "24, 1".');
      const deadlineHours = deadline.trim() === '' ? null : Number(deadline);
      if (deadlineHours !== null && (!Number.isFinite(deadlineHours) || deadlineHours < 0))
        throw new Error('The deadline is a number of hours, or empty for none.');
      const saved = await notificationsApi.saveSettings(calendarId, {
        ...settings,
        reminderOffsetsMin: hours.map((h) => Math.round(h * 60)),
        clientChangeDeadlineMin: deadlineHours === null ? null : Math.round(deadlineHours * 60),
      });
      setSettings(saved);
      setOutcome({ error: null, isSuccess: true });
    } catch (error) {
      setOutcome({ error, isSuccess: false });
    }
  };
  return (
    <li className="card" data-calendar-id={calendarId}>
      <h2>{name}</h2>
      {SWITCHES.map(([key, label]) => (
        <label key={key} className="checkbox">
          <input
            type="checkbox"
            checked={settings[key] as boolean}
            onChange={(e) => setSettings({ ...settings, [key]: e.target.checked })}
          />{' '}
          {label}
        </label>
      ))}
      <label>
        Reminders, hours before the start (empty: none){' '}
        <input value={offsets} onChange={(e) => setOffsets(e.target.value)} placeholder="24, 1" />
      </label>
      <label>
        Clients may not cancel or reschedule within (hours; empty: any time){' '}
        <input value={deadline} onChange={(e) => setDeadline(e.target.value)} placeholder="24" />
      </label>
      <SaveStatus save={outcome} />
      <div className="actions">
        <button type="button" className="primary" onClick={() => void save()}>
          Save
        </button>
      </div>
    </li>
  );
}

/** Settings → Notifications: e-mail set-up, the last messages when SMTP is not configured, and per-calendar switches. */
export function SettingsNotificationsPage() {
  const { calendars } = useStaff();
  const [mail, setMail] = useState<{ smtpConfigured: boolean; from: string; files: MailFile[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    document.title = 'Notifications · Tandem';
    notificationsApi.mail().then(setMail, (e: unknown) => setError(messageOf(e)));
  }, []);
  return (
    <div className="settings-notifications">
      <div className="page-header">
        <h1>Notifications</h1>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {mail &&
        (mail.smtpConfigured ? (
          <p className="notice ok">E-mail is sent through SMTP as {mail.from}.</p>
        ) : (
          <section className="card">
            <p className="notice warn" data-testid="mail-not-configured">
              E-mail is not configured (set SMTP_URL); the last messages are here.
            </p>
            {mail.files.length === 0 ? (
              <p className="muted">No messages yet.</p>
            ) : (
              <table className="mail-files">
                <thead>
                  <tr>
                    <th>Date</th>
                    <th>To</th>
                    <th>Subject</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {mail.files.map((f) => (
                    <tr key={f.name}>
                      <td>{new Date(f.date).toLocaleString()}</td>
                      <td>{f.to}</td>
                      <td>{f.subject}</td>
                      <td>
                        <button type="button" className="link-button small" onClick={() => void openMail(f.name)}>
                          Open .eml
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        ))}
      <h2>Messages per calendar</h2>
      <ul className="plain">
        {calendars.map((c) => (
          <CalendarNotifications key={c.id} calendarId={c.id} name={c.name} />
        ))}
      </ul>
    </div>
  );
}

/** The file needs the bearer token, so it is fetched and handed to the browser as a download. */
async function openMail(name: string): Promise<void> {
  const { session } = await import('../api.ts');
  const response = await fetch(`/api/notifications/mail/${encodeURIComponent(name)}`, {
    headers: { authorization: `Bearer ${session.token() ?? ''}` },
  });
  const url = URL.createObjectURL(new Blob([await response.text()], { type: 'message/rfc822' }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  link.click();
  URL.revokeObjectURL(url);
}
