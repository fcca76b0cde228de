import { createContext, useContext, useEffect, type ReactNode } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { messageOf, session, staffApi, type Calendar, type User } from '../api.ts';
import { keys, onUnauthenticatedClient } from '../api/client.ts';
import { Link, navigate } from '../router.tsx';
import { ReconnectBanner } from '../components/SyncStatusPanel.tsx';

export interface StaffData {
  me: User;
  users: User[];
  calendars: Calendar[];
  reloadCalendars: () => void;
}

const StaffContext = createContext<StaffData | null>(null);

export function useStaff(): StaffData {
  const data = useContext(StaffContext);
  if (!data) throw new Error('useStaff outside StaffShell');
  return data;
}

function toSignIn(): void {
  if (location.pathname === '/app/sign-in') return;
  const next = location.pathname + location.search;
  navigate(`/app/sign-in${next !== '/app' ? `?next=${encodeURIComponent(next)}` : ''}`, { replace: true });
}

/** The top navigation; owner/admin-only entries say so. Append new pages at the end. */
export const tabs: Array<{ to: string; label: string; staffOnly?: boolean }> = [
  { to: '/app', label: 'Week' },
  { to: '/app/calendars', label: 'Booking calendars' },
  { to: '/app/team', label: 'Team', staffOnly: true },
  { to: '/app/profile', label: 'My profile' },
  { to: '/app/settings/calendars', label: 'Settings · Calendars' },
  { to: '/app/settings/notifications', label: 'Notifications' },
  { to: '/app/settings/webhooks', label: 'Webhooks' },
];

/** The signed-in frame: loads who I am, the team and the booking calendars once, and the top bar. */
export function StaffShell({ pathname, children }: { pathname: string; children: ReactNode }) {
  const queryClient = useQueryClient();
  const signedIn = session.token() !== null;

  useEffect(() => {
    onUnauthenticatedClient(() => {
      session.clear();
      queryClient.clear();
      toSignIn();
    });
    return () => onUnauthenticatedClient(null);
  }, [queryClient]);

  useEffect(() => {
    if (!signedIn) toSignIn();
  }, [signedIn]);

  // Server state lives in TanStack Query: screens that change calendars or people invalidate these keys.
  const me = useQuery({ queryKey: keys.me, queryFn: staffApi.me, enabled: signedIn });
  const users = useQuery({ queryKey: keys.users, queryFn: staffApi.users, enabled: signedIn });
  const calendars = useQuery({ queryKey: keys.calendars, queryFn: staffApi.calendars, enabled: signedIn });
  const failure = me.error ?? users.error ?? calendars.error;
  const error = failure ? messageOf(failure) : null;
  const data = me.data && users.data && calendars.data ? { me: me.data, users: users.data, calendars: calendars.data } : null;

  const signOut = async () => {
    try {
      await staffApi.signOut();
    } catch {
      // The session may be gone already; signing out locally is what matters.
    }
    session.clear();
    queryClient.clear();
    navigate('/app/sign-in', { replace: true });
  };

  return (
    <div className="staff">
      <header className="topbar">
        <Link to="/app" className="brand">
          <img src="/favicon.svg" alt="" width="24" height="24" /> Tandem
        </Link>
        <nav aria-label="Main">
          {tabs
            .filter((tab) => !tab.staffOnly || (data && data.me.role !== 'member'))
            .map((tab) => (
              <Link
                key={tab.to}
                to={tab.to}
                aria-current={pathname === tab.to || (pathname.startsWith(`${tab.to}/`) && tab.to !== '/app') ? 'page' : undefined}
              >
                {tab.label}
              </Link>
            ))}
        </nav>
        <div className="who">
          {data && <span className="muted small">{data.me.name}</span>}
          <button type="button" className="link-button" onClick={() => void signOut()}>
            Sign out
          </button>
        </div>
      </header>
      <main className="staff-main">
        {data && pathname !== '/app/settings/calendars' && <ReconnectBanner />}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {!data && !error && <p className="muted">Loading…</p>}
        {data && (
          <StaffContext.Provider
            value={{ ...data, reloadCalendars: () => void queryClient.invalidateQueries({ queryKey: keys.calendars }) }}
          >
            {children}
          </StaffContext.Provider>
        )}
      </main>
    </div>
  );
}
