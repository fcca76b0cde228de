import { useEffect, useState, type FormEvent } from 'react';
import { messageOf, session, staffApi } from '../api.ts';
import { navigate } from '../router.tsx';

/** Only same-site paths of the staff app are followed after sign-in (no open redirect, no loop). */
function safeNext(next: string | null): string {
  if (!next || !/^\/(?:app|appointments)(?:[/?#]|$)/.test(next) || next.startsWith('/app/sign-in')) return '/app';
  return next;
}

export function SignInPage({ next }: { next: string | null }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    document.title = 'Sign in · Tandem';
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { token } = await staffApi.signIn(email.trim(), password);
      session.set(token);
      navigate(safeNext(next), { replace: true });
    } catch (failure) {
      setError(messageOf(failure));
      setBusy(false);
    }
  };

  return (
    <main className="public-page">
      <form className="card narrow sign-in" onSubmit={(event) => void submit(event)} aria-label="Sign in">
        <div className="brand-row">
          <img src="/favicon.svg" alt="" width="32" height="32" />
          <span>Tandem</span>
        </div>
        <h1>Sign in</h1>
        <div className="field">
          <label htmlFor="signin-email">Email</label>
          <input id="signin-email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="signin-password">Password</label>
          <input
            id="signin-password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary wide" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
