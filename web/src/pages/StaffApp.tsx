import type { JSX } from 'react';
import { StaffShell } from './StaffShell.tsx';
import { WeekPage } from './WeekPage.tsx';
import { CalendarsPage } from './CalendarsPage.tsx';
import { SettingsCalendarsPage } from './SettingsCalendarsPage.tsx';
import { SettingsNotificationsPage } from './SettingsNotificationsPage.tsx';
import { SettingsWebhooksPage } from './SettingsWebhooksPage.tsx';

export const staffPages: Record<string, () => JSX.Element> = {
  '/app': WeekPage,
  '/app/calendars': CalendarsPage,
  '/app/settings/calendars': SettingsCalendarsPage,
  '/app/settings/notifications': SettingsNotificationsPage,
  '/app/settings/webhooks': SettingsWebhooksPage,
};

/** The signed-in app, loaded as its own chunk: the public booking page never downloads the week view. */
export default function StaffApp({ path }: { path: string }) {
  const Page = staffPages[path];
  if (!Page) return null;
  return <StaffShell pathname={path}><Page /></StaffShell>;
}
