import type { JSX } from 'react';
import { StaffShell } from './StaffShell.tsx';
import { WeekPage } from './WeekPage.tsx';
import { CalendarsPage } from './CalendarsPage.tsx';
import { SettingsCalendarsPage } from './SettingsCalendarsPage.tsx';

export const staffPages: Record<string, () => JSX.Element> = {
  '/app': WeekPage,
  '/app/calendars': CalendarsPage,
  '/app/settings/calendars': SettingsCalendarsPage,
};

/** The signed-in app, loaded as its own chunk: the public booking page never downloads the week view. */
export default function StaffApp({ path }: { path: string }) {
  const Page = staffPages[path];
  if (!Page) return null;
  return <StaffShell pathname={path}><Page /></StaffShell>;
}
