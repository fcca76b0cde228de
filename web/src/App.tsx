import { lazy, Suspense, useEffect } from 'react';
import { match, navigate, useLocation } from './router.tsx';
import { BookingPage } from './pages/BookingPage.tsx';
import { ManagePage } from './pages/ManagePage.tsx';
import { SignInPage } from './pages/SignInPage.tsx';
import { InvitePage } from './pages/InvitePage.tsx';

const StaffApp = lazy(() => import('./pages/StaffApp.tsx'));
/** Staff pages are matched inside the lazily loaded staff app (StaffApp.tsx), which shows "not found" itself. */
const isStaffPath = (path: string) => path === '/app' || path.startsWith('/app/') || path.startsWith('/appointments/');

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function NotFound() {
  return (
    <main className="public-page">
      <div className="card narrow">
        <h1>Page not found</h1>
        <p className="muted">
          Check the address, or go to <a href="/app">Tandem</a>.
        </p>
      </div>
    </main>
  );
}

export function App() {
  const { pathname, search } = useLocation();
  const path = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname;

  const book = match('/book/:calendarId', path);
  if (book) return <BookingPage key={book.calendarId} calendarId={book.calendarId!} />;
  const manage = match('/manage/:token', path);
  if (manage)
    return (
      <ManagePage key={manage.token} token={manage.token!} calendarHint={search.get('calendar')} serviceHint={search.get('service')} />
    );
  if (path === '/app/sign-in') return <SignInPage next={search.get('next')} />;
  if (path === '/app/invite') return <InvitePage />;
  if (path === '/') return <Redirect to="/app" />;
  if (isStaffPath(path)) {
    return (
      <Suspense fallback={<p className="muted center">Loading…</p>}>
        <StaffApp path={path} />
      </Suspense>
    );
  }
  return <NotFound />;
}
