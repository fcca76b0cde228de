import { useEffect, useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { messageOf } from '../api.ts';
import { useSavingChoice } from '../saving-choice.ts';
import { api, keys, unwrap, type TeamUser } from '../api/client.ts';
import { DateOverridesCard, WeeklyHoursCard } from '../components/AvailabilityEditors.tsx';
import { SaveStatus } from '../components/SaveStatus.tsx';
import { TimeZonePicker } from '../components/TimeZonePicker.tsx';
import { useStaff } from './StaffShell.tsx';

/** Everyone's own settings: name, time zone, weekly hours, invitations, date overrides and API tokens. */
export function ProfilePage() {
  const { me } = useStaff();
  const full = useQuery({ queryKey: [...keys.me, 'full'], queryFn: () => unwrap(api.GET('/api/me')) });
  useEffect(() => {
    document.title = 'My profile · Tandem';
  }, []);
  if (full.isPending) return <p className="muted">Loading…</p>;
  if (full.error)
    return (
      <p className="error" role="alert">
        {messageOf(full.error)}
      </p>
    );
  return (
    <div className="profile-page">
      <h1>My profile</h1>
      <DetailsCard user={full.data} />
      <WeeklyHoursCard key={JSON.stringify(full.data.weeklyHours)} user={full.data} whose="your" />
      <InvitationsCard user={full.data} />
      <DateOverridesCard userId={me.id} timezone={full.data.timezone} />
      <TokensCard />
    </div>
  );
}

function DetailsCard({ user }: { user: TeamUser }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState(user.name);
  const [timezone, setTimezone] = useState(user.timezone);
  const ids = { name: useId(), zone: useId() };
  const save = useMutation({
    mutationFn: () => unwrap(api.PATCH('/api/users/{id}', { params: { path: { id: user.id } }, body: { name, timezone } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: keys.me });
      await queryClient.invalidateQueries({ queryKey: keys.users });
    },
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form className="card" onSubmit={submit} aria-labelledby={`${ids.name}-h`}>
      <h2 id={`${ids.name}-h`}>Name and time zone</h2>
      <div className="field">
        <label htmlFor={ids.name}>Name</label>
        <input id={ids.name} value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={ids.zone}>Time zone</label>
        <TimeZonePicker id={ids.zone} value={timezone} onChange={setTimezone} invalid={save.error !== null} />
      </div>
      <p className="muted small">
        {user.email} · {user.role}
      </p>
      <SaveStatus save={save} />
      <button type="submit" className="primary" disabled={save.isPending}>
        Save
      </button>
    </form>
  );
}

type InvitationPolicy = TeamUser['invitationPolicy'];
const invitationChoices: ReadonlyArray<readonly [InvitationPolicy, string]> = [
  ['block', 'Block my availability (default)'],
  ['free', "Don't block: show them, but keep the time bookable"],
];

/** Invitations not yet answered, or answered "Maybe" (decision 0016); saved as soon as it is chosen. */
function InvitationsCard({ user }: { user: TeamUser }) {
  const queryClient = useQueryClient();
  const id = useId();
  const save = useMutation({
    mutationFn: (invitationPolicy: InvitationPolicy) =>
      unwrap(api.PATCH('/api/users/{id}', { params: { path: { id: user.id } }, body: { invitationPolicy } })),
    // Busy time, slots and the week view all change with it.
    onSuccess: () => queryClient.invalidateQueries(),
  });
  const { chosen, choose } = useSavingChoice(save);
  const current = chosen ?? user.invitationPolicy;
  return (
    <fieldset className="card" aria-labelledby={`${id}-h`}>
      <h2 id={`${id}-h`}>Invitations</h2>
      <p className="muted small">Events you are invited to in your connected calendars and have not answered yet, or answered “Maybe”:</p>
      {invitationChoices.map(([value, label]) => (
        <label key={value} className="choice">
          <input
            type="radio"
            name={`${id}-policy`}
            value={value}
            checked={current === value}
            disabled={save.isPending}
            onChange={() => choose(value)}
          />{' '}
          {label}
        </label>
      ))}
      <p className="muted small">Declined invitations never block; accepted ones always do.</p>
      <SaveStatus save={save} />
    </fieldset>
  );
}

function TokensCard() {
  const queryClient = useQueryClient();
  const tokens = useQuery({ queryKey: keys.tokens, queryFn: () => unwrap(api.GET('/api/tokens')) });
  const [name, setName] = useState('');
  const [created, setCreated] = useState<string | null>(null);
  const nameId = useId();
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/api/tokens', { body: { name } })),
    onSuccess: async (token) => {
      setCreated(token.token);
      setName('');
      await queryClient.invalidateQueries({ queryKey: keys.tokens });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/tokens/{id}', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.tokens }),
  });
  return (
    <section className="card" aria-labelledby="tokens-h">
      <h2 id="tokens-h">API tokens</h2>
      <p className="muted small">
        For scripts and integrations: a token acts as you. Send it as <code>Authorization: Bearer …</code>.
      </p>
      {created && (
        <div className="notice" role="status">
          <p>Copy this token now — it is not shown again:</p>
          <p className="manage-link" data-testid="new-token">
            {created}
          </p>
        </div>
      )}
      <ul className="plain-list">
        {tokens.data?.map((t) => (
          <li key={t.id} className="range">
            <strong>{t.name}</strong>
            <span className="muted small">
              created {new Date(t.createdAt).toLocaleDateString()} ·{' '}
              {t.lastUsedAt ? `last used ${new Date(t.lastUsedAt).toLocaleString()}` : 'never used'}
            </span>
            <button
              type="button"
              className="link-button small danger-text"
              aria-label={`Revoke ${t.name}`}
              onClick={() => revoke.mutate(t.id)}
            >
              Revoke
            </button>
          </li>
        ))}
      </ul>
      <form
        className="field inline"
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <label htmlFor={nameId}>Token name</label>
        <input id={nameId} value={name} required maxLength={100} onChange={(e) => setName(e.target.value)} />
        <button type="submit" className="secondary" disabled={create.isPending || !name.trim()}>
          Create token
        </button>
      </form>
      {(create.error ?? revoke.error) && (
        <p className="error" role="alert">
          {messageOf(create.error ?? revoke.error)}
        </p>
      )}
    </section>
  );
}
