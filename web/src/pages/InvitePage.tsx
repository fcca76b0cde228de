import { useEffect, useId, useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { messageOf, session, staffApi } from '../api.ts';
import { api, unwrap } from '../api/client.ts';
import { navigate } from '../router.tsx';

/** `/app/invite#<token>`: a new team member sets a password, then is signed in. The token stays in the fragment (never sent to a server log). */
export function InvitePage() {
  const token = location.hash.slice(1);
  const [password, setPassword] = useState('');
  const passwordId = useId();
  useEffect(() => {
    document.title = 'Set your password · Tandem';
  }, []);
  const accept = useMutation({
    mutationFn: async () => {
      const { email } = await unwrap(api.POST('/api/invites/accept', { body: { token, password } }));
      const signedIn = await staffApi.signIn(email, password);
      session.set(signedIn.token);
    },
    onSuccess: () => navigate('/app/profile', { replace: true }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    accept.mutate();
  };
  return (
    <main className="public-page">
      <form className="card narrow" onSubmit={submit}>
        <h1>Welcome to Tandem</h1>
        <p className="muted">Choose a password (at least 10 characters). Then set your working hours.</p>
        <div className="field">
          <label htmlFor={passwordId}>New password</label>
          <input
            id={passwordId}
            type="password"
            autoComplete="new-password"
            minLength={10}
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </div>
        {!token && (
          <p className="error" role="alert">
            This link is incomplete. Ask for a new one.
          </p>
        )}
        {accept.error && (
          <p className="error" role="alert">
            {messageOf(accept.error)}
          </p>
        )}
        <button type="submit" className="primary wide" disabled={accept.isPending || !token}>
          Set password and sign in
        </button>
      </form>
    </main>
  );
}
