import { useEffect, useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { messageOf } from '../api.ts';
import { useSavingChoice } from '../saving-choice.ts';
import { api, keys, unwrap } from '../api/client.ts';
import { DateOverridesCard, WeeklyHoursCard } from '../components/AvailabilityEditors.tsx';
import { Dialog } from '../components/Dialog.tsx';
import { TimeZonePicker } from '../components/TimeZonePicker.tsx';
import { detectTimeZone } from '../time.ts';
import { useStaff } from './StaffShell.tsx';

/** Owner/admin: the team, adding people (with a link to set their password), roles, each one's working hours, removal. */
export function TeamPage() {
  const { me, users } = useStaff();
  const queryClient = useQueryClient();
  const [adding, setAdding] = useState(false);
  const [invite, setInvite] = useState<{ name: string; url: string } | null>(null);
  const [removing, setRemoving] = useState<{ id: string; name: string } | null>(null);
  const [hoursOf, setHoursOf] = useState<string | null>(null);
  const hoursUser = users.find((u) => u.id === hoursOf) ?? null;
  useEffect(() => {
    document.title = 'Team · Tandem';
  }, []);
  const refresh = () => queryClient.invalidateQueries({ queryKey: keys.users });

  const role = useMutation({
    mutationFn: (v: { id: string; role: 'admin' | 'member' }) =>
      unwrap(api.PUT('/api/users/{id}/role', { params: { path: { id: v.id } }, body: { role: v.role } })),
    onSuccess: refresh,
  });
  const { chosen: chosenRole, choose: chooseRole } = useSavingChoice(role);
  const inviteLink = useMutation({
    mutationFn: (user: { id: string; name: string }) =>
      unwrap(api.POST('/api/users/{id}/invite', { params: { path: { id: user.id } } })).then((r) => ({ name: user.name, url: r.url })),
    onSuccess: setInvite,
  });
  const remove = useMutation({
    mutationFn: (id: string) => unwrap(api.DELETE('/api/users/{id}', { params: { path: { id } } })),
    onSuccess: async () => {
      setRemoving(null);
      await refresh();
    },
  });

  if (me.role === 'member') return <p className="notice">Only the owner or an admin manages the team.</p>;
  return (
    <div className="team-page">
      <div className="page-header">
        <h1>Team</h1>
        <button type="button" className="primary" onClick={() => setAdding(true)}>
          Add member
        </button>
      </div>
      {(role.error ?? inviteLink.error) && (
        <p className="error" role="alert">
          {messageOf(role.error ?? inviteLink.error)}
        </p>
      )}
      <table className="data-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Email</th>
            <th>Role</th>
            <th>Time zone</th>
            <th>
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {users.map((user) => (
            <tr key={user.id}>
              <td>
                {user.name}
                {user.id === me.id ? ' (you)' : ''}
              </td>
              <td>{user.email}</td>
              <td>
                {user.role === 'owner' ? (
                  'Owner'
                ) : (
                  <select
                    aria-label={`Role of ${user.name}`}
                    value={chosenRole?.id === user.id ? chosenRole.role : user.role}
                    disabled={role.isPending}
                    onChange={(e) => chooseRole({ id: user.id, role: e.target.value === 'admin' ? 'admin' : 'member' })}
                  >
                    <option value="admin">Admin</option>
                    <option value="member">Member</option>
                  </select>
                )}
              </td>
              <td>{user.timezone.replaceAll('_', ' ')}</td>
              <td className="row-actions">
                <button
                  type="button"
                  className="link-button small"
                  aria-label={`Working hours of ${user.name}`}
                  onClick={() => setHoursOf(user.id)}
                >
                  Hours
                </button>
                {user.id !== me.id && (
                  <button type="button" className="link-button small" onClick={() => inviteLink.mutate(user)}>
                    Password link
                  </button>
                )}
                {user.role !== 'owner' && user.id !== me.id && (
                  <button
                    type="button"
                    className="link-button small danger-text"
                    onClick={() => {
                      remove.reset();
                      setRemoving(user);
                    }}
                  >
                    Remove
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {adding && (
        <AddMemberDialog
          onClose={() => setAdding(false)}
          onAdded={async (added) => {
            setAdding(false);
            await refresh();
            setInvite(added);
          }}
        />
      )}
      {invite && (
        <Dialog title={`Link for ${invite.name}`} onClose={() => setInvite(null)}>
          <p>Send {invite.name} this link to set a password. It works once, for 7 days, and is shown only now.</p>
          <p className="manage-link" data-testid="invite-link">
            {invite.url}
          </p>
          <div className="actions">
            <button
              type="button"
              className="primary"
              onClick={() => void navigator.clipboard?.writeText(invite.url).catch(() => undefined)}
            >
              Copy link
            </button>
            <button type="button" className="secondary" onClick={() => setInvite(null)}>
              Done
            </button>
          </div>
        </Dialog>
      )}
      {hoursUser && <MemberHoursDialog key={hoursUser.id} user={hoursUser} onClose={() => setHoursOf(null)} />}
      {removing && (
        <Dialog title={`Remove ${removing.name}?`} onClose={() => setRemoving(null)}>
          <p>
            {removing.name} can no longer sign in; their working hours, calendar connections and API tokens are deleted. Someone with
            upcoming appointments or on a booking calendar cannot be removed until those are moved.
          </p>
          {remove.error && (
            <p className="error" role="alert">
              {messageOf(remove.error)}
            </p>
          )}
          <div className="actions">
            <button type="button" className="danger" disabled={remove.isPending} onClick={() => remove.mutate(removing.id)}>
              Remove
            </button>
            <button type="button" className="secondary" onClick={() => setRemoving(null)}>
              Keep
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
}

function AddMemberDialog({ onClose, onAdded }: { onClose: () => void; onAdded: (invite: { name: string; url: string }) => Promise<void> }) {
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<'admin' | 'member'>('member');
  const [timezone, setTimezone] = useState(detectTimeZone);
  const ids = { name: useId(), email: useId(), role: useId(), zone: useId() };
  const add = useMutation({
    mutationFn: async () => {
      const user = await unwrap(api.POST('/api/users', { body: { name, email, role, timezone } }));
      const link = await unwrap(api.POST('/api/users/{id}/invite', { params: { path: { id: user.id } } }));
      return { name: user.name, url: link.url };
    },
    onSuccess: onAdded,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  return (
    <Dialog title="Add a team member" onClose={onClose}>
      <form onSubmit={submit}>
        <div className="field">
          <label htmlFor={ids.name}>Name</label>
          <input id={ids.name} value={name} required maxLength={200} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.email}>Email</label>
          <input id={ids.email} type="email" value={email} required onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={ids.role}>Role</label>
          <select id={ids.role} value={role} onChange={(e) => setRole(e.target.value === 'admin' ? 'admin' : 'member')}>
            <option value="member">Member — their own calendar and appointments</option>
            <option value="admin">Admin — also manages the team and booking calendars</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.zone}>Time zone</label>
          <TimeZonePicker id={ids.zone} value={timezone} onChange={setTimezone} />
        </div>
        {add.error && (
          <p className="error" role="alert">
            {messageOf(add.error)}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={add.isPending}>
            Add member
          </button>
          <button type="button" className="secondary" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/**
 * A member's weekly hours and date overrides, edited by the owner or an admin with the same editors
 * as My profile. The full user (with hours) is read here; the team list carries names only.
 */
function MemberHoursDialog({ user, onClose }: { user: { id: string; name: string }; onClose: () => void }) {
  const full = useQuery({
    queryKey: [...keys.users, user.id],
    queryFn: () => unwrap(api.GET('/api/users/{id}', { params: { path: { id: user.id } } })),
  });
  return (
    <Dialog title={`Working hours of ${user.name}`} onClose={onClose} wide>
      {full.isPending && <p className="muted">Loading…</p>}
      {full.error && (
        <p className="error" role="alert">
          {messageOf(full.error)}
        </p>
      )}
      {/* Not keyed by the hours: saving refetches the user, and the editor keeps its "saved" notice. */}
      {full.data && (
        <>
          <WeeklyHoursCard user={full.data} whose={`${full.data.name}’s`} />
          <DateOverridesCard userId={full.data.id} timezone={full.data.timezone} />
        </>
      )}
    </Dialog>
  );
}
