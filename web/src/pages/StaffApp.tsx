import type { JSX } from 'react';
import { StaffShell } from './StaffShell.tsx';
import { WeekPage } from './WeekPage.tsx';
import { CalendarsPage } from './CalendarsPage.tsx';
import { SettingsCalendarsPage } from './SettingsCalendarsPage.tsx';
import { CalendarEditorPage } from './CalendarEditorPage.tsx';
import { AppointmentPage } from './AppointmentPage.tsx';
import { TeamPage } from './TeamPage.tsx';
import { ProfilePage } from './ProfilePage.tsx';
import { match } from '../router.tsx';
import { SettingsNotificationsPage } from './SettingsNotificationsPage.tsx';
import { SettingsWebhooksPage } from './SettingsWebhooksPage.tsx';

export const staffPages: Record<string, () => JSX.Element> = {
  '/app': WeekPage,
  '/app/calendars': CalendarsPage,
  '/app/settings/calendars': SettingsCalendarsPage,
  '/app/team': TeamPage,
  '/app/profile': ProfilePage,
  '/app/settings/notifications': SettingsNotificationsPage,
  '/app/settings/webhooks': SettingsWebhooksPage,
};

/** Pages with a parameter in their path; null: not a page of the staff app. */
function pageFor(path: string): JSX.Element | null {
  const Page = staffPages[path];
  if (Page) return <Page />;
  if (path === '/app/calendars/new') return <CalendarEditorPage calendarId={null} />;
  const calendar = match('/app/calendars/:id', path);
  if (calendar) return <CalendarEditorPage key={calendar.id} calendarId={calendar.id!} />;
  const appointment = match('/appointments/:id', path);
  if (appointment) return <AppointmentPage key={appointment.id} appointmentId={appointment.id!} />;
  return null;
}

/** The signed-in app, loaded as its own chunk: the public booking page never downloads the week view. */
export default function StaffApp({ path }: { path: string }) {
  const page = pageFor(path);
  return (
    <StaffShell pathname={path}>
      {page ?? (
        <div className="card narrow">
          <h1>Page not found</h1>
          <p className="muted">
            Check the address, or go to the <a href="/app">week view</a>.
          </p>
        </div>
      )}
    </StaffShell>
  );
}
