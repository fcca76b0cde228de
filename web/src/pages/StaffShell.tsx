import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { messageOf, session, setUnauthenticatedListener, staffApi, type Calendar, type User } from '../api.ts';
import { Link, navigate } from '../router.tsx';

export interface StaffData { me: User; users: User[]; calendars: Calendar[]; reloadCalendars: () => void }

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

const tabs = [
  { to: '/app', label: 'Week' },
  { to: '/app/calendars', label: 'Booking calendars' },
  { to: '/app/settings/calendars', label: 'Settings · Calendars' },
  { to: '/app/settings/notifications', label: 'Notifications' },
  { to: '/app/settings/webhooks', label: 'Webhooks' },
];

/** The signed-in frame: loads who I am, the team and the booking calendars once, and the top bar. */
export function StaffShell({ pathname, children }: { pathname: string; children: ReactNode }) {
  const [data, setData] = useState<Omit<StaffData, 'reloadCalendars'> | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [calendarsVersion, setCalendarsVersion] = useState(0);

  useEffect(() => {
    setUnauthenticatedListener(() => {
      session.clear();
      toSignIn();
    });
    return () => setUnauthenticatedListener(null);
  }, []);

  useEffect(() => {
    if (!session.token()) {
      toSignIn();
      return;
    }
    Promise.all([staffApi.me(), staffApi.users(), staffApi.calendars()]).then(
      ([me, users, calendars]) => setData({ me, users, calendars }),
      (failure: unknown) => setError(messageOf(failure)),
    );
  }, [calendarsVersion]);

  const signOut = async () => {
    try {
      await staffApi.signOut();
    } catch {
      // The session may be gone already; signing out locally is what matters.
    }
    session.clear();
    navigate('/app/sign-in', { replace: true });
  };

  return (
    <div className="staff">
      <header className="topbar">
        <Link to="/app" className="brand"><img src="/favicon.svg" alt="" width="24" height="24" /> Tandem</Link>
        <nav aria-label="Main">
          {tabs.map((tab) => (
            <Link key={tab.to} to={tab.to} aria-current={pathname === tab.to ? 'page' : undefined}>{tab.label}</Link>
          ))}
        </nav>
        <div className="who">
          {data && <span className="muted small">{data.me.name}</span>}
          <button type="button" className="link-button" onClick={signOut}>Sign out</button>
        </div>
      </header>
      <main className="staff-main">
        {error && <p className="error" role="alert">{error}</p>}
        {!data && !error && <p className="muted">Loading…</p>}
        {data && (
          <StaffContext.Provider value={{ ...data, reloadCalendars: () => setCalendarsVersion((v) => v + 1) }}>
            {children}
          </StaffContext.Provider>
        )}
      </main>
    </div>
  );
}
