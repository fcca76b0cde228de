import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, keys, unwrap } from '../api/client.ts';
import {
  ApiError,
  messageOf,
  remoteErrorText,
  staffApi,
  type CalendarConfiguration,
  type Connection,
  type RemoteCalendar,
} from '../api.ts';
import { Dialog } from '../components/Dialog.tsx';
import { SyncStatusPanel } from '../components/SyncStatusPanel.tsx';
import { formatRelative } from '../time.ts';
import { useStaff } from './StaffShell.tsx';
import { CalendarBlockingSwitch } from './CalendarBlockingSwitch.tsx';

const APPLE_ID_URL = 'https://appleid.apple.com';

/**
 * Apple's app-specific passwords: four groups of four letters. Accepts what the server accepts
 * (src/caldav/providers/icloud.ts): any case, dashes and/or spaces between groups, or 16 letters.
 */
export function looksLikeAppPassword(raw: string): boolean {
  const text = raw.trim().toLowerCase();
  return /^[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}$/.test(text.replace(/\s*-\s*|\s+/g, '-')) || /^[a-z]{16}$/.test(text);
}

type Config = { primaryCalendarId: string | null; conflictCalendarIds: string[] };

function configFromRoles(connections: Connection[]): Config {
  const calendars = connections.flatMap((c) => c.calendars);
  const primary = calendars.find((c) => c.role === 'primary')?.id ?? null;
  return {
    primaryCalendarId: primary,
    conflictCalendarIds: calendars.filter((c) => c.role === 'conflict' || c.id === primary).map((c) => c.id),
  };
}

/** Settings → Calendars: connect iCloud accounts and choose the primary and conflict calendars (SPEC §3–4). */
export function SettingsCalendarsPage() {
  const { me } = useStaff();
  const [connections, setConnections] = useState<Connection[] | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const [config, setConfig] = useState<Config | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [saveState, setSaveState] = useState<string | null>(null);
  const [primaryNotice, setPrimaryNotice] = useState<string | null>(null);
  const [menuOpen, setMenuOpen] = useState(false);
  const [connectOpen, setConnectOpen] = useState<false | 'icloud' | 'caldav'>(false);
  const [removing, setRemoving] = useState<Connection | null>(null);
  const queryClient = useQueryClient();

  const load = useCallback(async () => {
    try {
      const found = await staffApi.connections();
      setConnections(found);
      setUnavailable(false);
      try {
        const configuration: CalendarConfiguration = await staffApi.calendarConfiguration(me.id);
        setConfig({ primaryCalendarId: configuration.primaryCalendarId, conflictCalendarIds: configuration.conflictCalendarIds });
        setPrimaryNotice(configuration.primaryNotice ?? null);
      } catch {
        setConfig(configFromRoles(found));
      }
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 404) setUnavailable(true);
      else setError(messageOf(failure));
      setConnections([]);
    }
  }, [me.id]);

  useEffect(() => {
    document.title = 'Calendars · Settings · Tandem';
    void load();
  }, [load]);

  useEffect(() => {
    if (!menuOpen) return;
    const close = (event: Event) => {
      if (
        event instanceof KeyboardEvent ? event.key === 'Escape' : !(event.target instanceof Element && event.target.closest('.menu-wrap'))
      )
        setMenuOpen(false);
    };
    document.addEventListener('mousedown', close);
    document.addEventListener('keydown', close);
    return () => {
      document.removeEventListener('mousedown', close);
      document.removeEventListener('keydown', close);
    };
  }, [menuOpen]);

  const save = async (next: Config) => {
    const previous = config;
    setConfig(next);
    setSaveState('Saving…');
    setError(null);
    try {
      const saved = await staffApi.setCalendarConfiguration(me.id, next);
      setConfig({ primaryCalendarId: saved.primaryCalendarId, conflictCalendarIds: saved.conflictCalendarIds });
      setPrimaryNotice(saved.primaryNotice ?? null);
      setSaveState('Saved. Tandem syncs the chosen calendars within about a minute.');
    } catch (failure) {
      setConfig(previous);
      setSaveState(null);
      setError(messageOf(failure));
    }
  };

  const choosePrimary = (id: string | null) => {
    if (!config) return;
    const conflicts = new Set(config.conflictCalendarIds);
    // The old primary stops counting for conflicts unless it is ticked again; the new one always counts.
    if (config.primaryCalendarId) conflicts.delete(config.primaryCalendarId);
    if (id) conflicts.add(id);
    void save({ primaryCalendarId: id, conflictCalendarIds: [...conflicts] });
  };
  const toggleConflict = (id: string, on: boolean) => {
    if (!config) return;
    const conflicts = new Set(config.conflictCalendarIds);
    if (on) conflicts.add(id);
    else conflicts.delete(id);
    void save({ primaryCalendarId: config.primaryCalendarId, conflictCalendarIds: [...conflicts] });
  };

  return (
    <div className="settings-page">
      <p className="breadcrumb muted small">Settings › My profile › Calendar settings</p>
      <div className="page-header">
        <h1>Calendars</h1>
        <div className="menu-wrap">
          <button
            type="button"
            className="primary"
            aria-haspopup="menu"
            aria-expanded={menuOpen}
            onClick={() => setMenuOpen(!menuOpen)}
            disabled={unavailable}
          >
            + New
          </button>
          {menuOpen && (
            <div className="menu" role="menu">
              <button
                type="button"
                role="menuitem"
                onClick={() => {
                  setMenuOpen(false);
                  setConnectOpen('icloud');
                }}
              >
                <strong>iCloud</strong>
                <span className="muted small">Apple Calendar on iPhone, iPad and Mac</span>
              </button>
              <button
                type="button"
                role="menuitem"
                onClick={() => {
                  setMenuOpen(false);
                  setConnectOpen('caldav');
                }}
              >
                <strong>Other CalDAV server</strong>
                <span className="muted small">Fastmail, Nextcloud, Radicale, mailbox.org…</span>
              </button>
            </div>
          )}
        </div>
      </div>
      <p className="muted">
        Connect your iCloud account or another CalDAV server: your appointments appear in your calendar app, and your own events block your
        availability in Tandem.
      </p>

      {unavailable && (
        <p className="notice warn" role="status">
          Calendar connections are not available on this server yet.
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {primaryNotice && (
        <p className="notice warn" role="status">
          {primaryNotice}
        </p>
      )}
      {saveState && (
        <p className="muted small" role="status" aria-live="polite">
          {saveState}
        </p>
      )}
      {connections === null && <p className="muted">Loading…</p>}
      {connections?.length === 0 && !unavailable && (
        <div className="card empty">
          <p>
            <strong>No calendar connected yet.</strong>
          </p>
          <p className="muted">
            Choose <em>+ New → iCloud</em> to connect your Apple ID with an app-specific password.
          </p>
        </div>
      )}

      <SyncStatusPanel />
      {connections?.map((connection) => (
        <ConnectionCard
          key={connection.id}
          connection={connection}
          config={config}
          onPrimary={choosePrimary}
          onConflict={toggleConflict}
          onRemove={() => setRemoving(connection)}
          onRefreshed={() => {
            // A refresh can find the primary deleted: the configuration, its notice and the sync status change with it.
            void load();
            void queryClient.invalidateQueries({ queryKey: keys.syncStatus });
          }}
          onReconnected={(updated) => setConnections((list) => list?.map((c) => (c.id === updated.id ? updated : c)) ?? null)}
        />
      ))}

      {config?.primaryCalendarId && (
        <p className="stop-primary">
          <button type="button" className="link-button small" onClick={() => choosePrimary(null)}>
            Stop writing appointments to any calendar (no primary calendar)
          </button>
        </p>
      )}

      {connectOpen === 'caldav' && (
        <CalDavConnectDialog
          onClose={() => setConnectOpen(false)}
          onConnected={() => {
            setConnectOpen(false);
            void load();
          }}
        />
      )}
      {connectOpen === 'icloud' && (
        <ConnectDialog
          onClose={() => setConnectOpen(false)}
          onConnected={() => {
            setConnectOpen(false);
            void load();
          }}
        />
      )}
      {removing && (
        <RemoveDialog
          connection={removing}
          onClose={() => setRemoving(null)}
          onRemoved={() => {
            setRemoving(null);
            void load();
          }}
        />
      )}
    </div>
  );
}

function ConnectionCard(props: {
  connection: Connection;
  config: Config | null;
  onPrimary: (id: string | null) => void;
  onConflict: (id: string, on: boolean) => void;
  onRemove: () => void;
  onReconnected: (connection: Connection) => void;
  onRefreshed: () => void;
}) {
  const { connection, config } = props;
  const label = providerLabel(connection);
  const refresh = useMutation({
    mutationFn: () => unwrap(api.POST('/api/connections/{id}/refresh', { params: { path: { id: connection.id } } })),
    onSuccess: () => props.onRefreshed(),
  });
  const needsReconnect = connection.status === 'needs_reconnect';
  const connectionError = remoteErrorText(connection.lastError);
  return (
    <section
      className={`card connection${needsReconnect ? ' needs-reconnect' : ''}`}
      aria-label={`${label} account ${connection.username}`}
    >
      <header className="connection-header">
        <div>
          <h2>
            {label} <span className="muted">· {connection.username}</span>
          </h2>
          <span className={`status ${needsReconnect ? 'status-warn' : 'status-ok'}`}>
            {needsReconnect ? 'Needs reconnect' : 'Connected'}
          </span>
        </div>
        <div className="actions tight">
          <button type="button" className="secondary small" disabled={refresh.isPending || needsReconnect} onClick={() => refresh.mutate()}>
            {refresh.isPending ? 'Refreshing…' : 'Refresh'}
          </button>
          <button type="button" className="danger-outline small" onClick={props.onRemove}>
            Remove
          </button>
        </div>
      </header>
      {refresh.error && (
        <p className="error small" role="alert">
          {messageOf(refresh.error)}
        </p>
      )}
      {needsReconnect && <ReconnectForm connection={connection} onReconnected={props.onReconnected} />}
      {!needsReconnect && connectionError && <p className="error small">{connectionError}</p>}

      <table className="remote-calendars">
        <thead>
          <tr>
            <th scope="col">Calendar</th>
            <th scope="col">Primary</th>
            <th scope="col">Check for conflicts</th>
            <th scope="col" title="How long ago Tandem last read the calendar: how stale its busy time can be">
              Last synced (lag)
            </th>
          </tr>
        </thead>
        <tbody>
          {connection.calendars.map((calendar) => (
            <CalendarRow
              key={calendar.id}
              calendar={calendar}
              config={config}
              disabled={needsReconnect}
              serverName={connection.provider === 'icloud' ? 'iCloud' : 'the server'}
              onPrimary={props.onPrimary}
              onConflict={props.onConflict}
            />
          ))}
        </tbody>
      </table>
      {connection.calendars.length === 0 && <p className="muted small">No calendars found in this account.</p>}
    </section>
  );
}

function CalendarRow({
  calendar,
  config,
  disabled,
  serverName,
  onPrimary,
  onConflict,
}: {
  calendar: RemoteCalendar;
  config: Config | null;
  disabled: boolean;
  serverName: string;
  onPrimary: (id: string) => void;
  onConflict: (id: string, on: boolean) => void;
}) {
  const isPrimary = config?.primaryCalendarId === calendar.id;
  const isConflict = isPrimary || (config?.conflictCalendarIds.includes(calendar.id) ?? false);
  const canBePrimary = calendar.writable && calendar.connectable;
  const error = remoteErrorText(calendar.lastError);
  const name = calendar.displayName || 'Untitled calendar';
  const inUse = isPrimary || isConflict;
  // "Sync now" and the answer to the empty-calendar warning: both ask the server and say so here;
  // the result shows in "Last synced" on the next load.
  const [action, setAction] = useState<string | null>(null);
  const ask = (label: string, call: (id: string) => Promise<unknown>) => {
    setAction(`${label}…`);
    call(calendar.id).then(
      () => setAction(`${label} requested`),
      (e: unknown) => setAction(messageOf(e)),
    );
  };
  return (
    <tr className={calendar.connectable ? '' : 'not-connectable'}>
      <th scope="row">
        <span className="dot" style={{ background: calendar.color ?? '#9aa5b1' }} aria-hidden="true" />
        {name}
        {!calendar.writable && calendar.connectable && <span className="tag">read-only</span>}
        {calendar.removedAt && (
          <span className="tag" title={`Found deleted on ${new Date(calendar.removedAt).toLocaleString()}: no longer synced`}>
            deleted
          </span>
        )}
        {!calendar.connectable && (
          <div className="muted small reason">{calendar.notConnectableReason ?? 'This calendar cannot be connected'}</div>
        )}
        {calendar.warning && (
          <div className="warn small">
            {calendar.warning}{' '}
            {inUse && !disabled && (
              <button type="button" className="link-button small" onClick={() => ask('Removal', staffApi.confirmEmpty)}>
                It really is empty
              </button>
            )}
          </div>
        )}
      </th>
      <td>
        <input
          type="radio"
          name="primary-calendar"
          aria-label={`Primary: ${name}`}
          checked={isPrimary}
          disabled={disabled || !canBePrimary || !config}
          title={
            canBePrimary
              ? 'Tandem reads its events and writes your appointments to it'
              : calendar.connectable
                ? 'Read-only calendars cannot be primary'
                : undefined
          }
          onChange={() => onPrimary(calendar.id)}
        />
      </td>
      <td>
        <input
          type="checkbox"
          aria-label={`Check for conflicts: ${name}`}
          checked={isConflict}
          disabled={disabled || !calendar.connectable || isPrimary || !config}
          title={isPrimary ? 'The primary calendar always counts for conflicts' : undefined}
          onChange={(e) => onConflict(calendar.id, e.target.checked)}
        />
        {calendar.connectable && isConflict && (
          <div>
            <CalendarBlockingSwitch calendar={calendar} disabled={disabled} serverName={serverName} />
          </div>
        )}
      </td>
      <td className="small">
        {calendar.connectable ? (
          inUse ? (
            formatRelative(calendar.lastSyncedAt)
          ) : (
            <span className="muted">not in use</span>
          )
        ) : (
          <span className="muted">—</span>
        )}
        {inUse && !disabled && (
          <div>
            <button type="button" className="link-button small" onClick={() => ask('Sync', staffApi.syncNow)}>
              Sync now
            </button>
          </div>
        )}
        {action && (
          <div className="muted small" role="status">
            {action}
          </div>
        )}
        {error && <div className="error small">{error}</div>}
      </td>
    </tr>
  );
}

function AppPasswordSteps() {
  return (
    <ol className="steps">
      <li>
        Sign in at{' '}
        <a href={APPLE_ID_URL} target="_blank" rel="noreferrer">
          appleid.apple.com
        </a>{' '}
        (two-factor authentication must be on for your Apple ID).
      </li>
      <li>
        Open <strong>Sign-In and Security</strong> → <strong>App-Specific Passwords</strong>.
      </li>
      <li>
        Create one named “Tandem” and copy it — it looks like <code>abcd-efgh-ijkl-mnop</code>.
      </li>
    </ol>
  );
}

function ConnectDialog({ onClose, onConnected }: { onClose: () => void; onConnected: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!looksLikeAppPassword(password)) {
      setError(
        'That does not look like an app-specific password: it is four groups of four letters, like abcd-efgh-ijkl-mnop. Your normal Apple ID password will not work.',
      );
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await staffApi.connect(email.trim(), password.trim());
      onConnected();
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.status === 404
          ? 'Calendar connections are not available on this server yet.'
          : messageOf(failure),
      );
      setBusy(false);
    }
  };
  return (
    <Dialog title="Connect iCloud" onClose={onClose}>
      <form onSubmit={(event) => void submit(event)} className="connect-form">
        <p>
          Tandem connects with an <strong>app-specific password</strong>, never your Apple ID password. To make one:
        </p>
        <AppPasswordSteps />
        <div className="field">
          <label htmlFor="apple-id">Apple ID email</label>
          <input id="apple-id" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="app-password">App-specific password</label>
          <input
            id="app-password"
            type="password"
            autoComplete="off"
            spellCheck={false}
            required
            placeholder="xxxx-xxxx-xxxx-xxxx"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <p className="muted small">Stored encrypted; never shown again. You can revoke it at appleid.apple.com at any time.</p>
        </div>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Connecting… (finding your calendars)' : 'Connect'}
          </button>
          <button type="button" className="secondary" onClick={onClose} disabled={busy}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

/** "iCloud" only for iCloud; any other server is named by its host. */
function providerLabel(connection: Connection): string {
  if (connection.provider === 'icloud') return 'iCloud';
  try {
    return connection.serverUrl ? `CalDAV (${new URL(connection.serverUrl).hostname})` : 'CalDAV';
  } catch {
    return 'CalDAV';
  }
}

function CalDavConnectDialog({ onClose, onConnected }: { onClose: () => void; onConnected: () => void }) {
  const [serverUrl, setServerUrl] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const connect = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/connections', { body: { provider: 'caldav', serverUrl: serverUrl.trim(), username: username.trim(), password } }),
      ),
    onSuccess: onConnected,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    connect.mutate();
  };
  return (
    <Dialog title="Connect a CalDAV server" onClose={onClose}>
      <form onSubmit={(event) => void submit(event)} className="connect-form">
        <div className="field">
          <label htmlFor="caldav-url">Server URL</label>
          <input
            id="caldav-url"
            type="url"
            required
            placeholder="https://caldav.example.com/"
            value={serverUrl}
            onChange={(e) => setServerUrl(e.target.value)}
            aria-describedby="caldav-url-hints"
          />
          <ul id="caldav-url-hints" className="muted small hints">
            <li>
              Fastmail: <code>https://caldav.fastmail.com/</code> with an app password (Settings → Privacy &amp; Security → App passwords).
            </li>
            <li>
              Nextcloud: <code>https://your-cloud.example/remote.php/dav/</code> with an app password (Personal settings → Security).
            </li>
          </ul>
        </div>
        <div className="field">
          <label htmlFor="caldav-user">User name</label>
          <input id="caldav-user" autoComplete="username" required value={username} onChange={(e) => setUsername(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="caldav-password">Password</label>
          <input
            id="caldav-password"
            type="password"
            autoComplete="off"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <p className="muted small">Stored encrypted; never shown again. Prefer an app password where the server offers one.</p>
        </div>
        {connect.error && (
          <p className="error" role="alert">
            {messageOf(connect.error)}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="primary" disabled={connect.isPending}>
            {connect.isPending ? 'Connecting… (finding your calendars)' : 'Connect'}
          </button>
          <button type="button" className="secondary" onClick={onClose} disabled={connect.isPending}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}

function ReconnectForm({ connection, onReconnected }: { connection: Connection; onReconnected: (connection: Connection) => void }) {
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const reason = remoteErrorText(connection.lastError);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const icloud = connection.provider === 'icloud';
    if (icloud && !looksLikeAppPassword(password)) {
      setError('An app-specific password is four groups of four letters, like abcd-efgh-ijkl-mnop.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      onReconnected(
        icloud
          ? await staffApi.reauthenticate(connection.id, password.trim())
          : ((await unwrap(
              api.POST('/api/connections/{id}/reauthenticate', { params: { path: { id: connection.id } }, body: { password } }),
            )) as Connection),
      );
      setPassword('');
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };
  return connection.provider !== 'icloud' ? (
    <form className="notice warn reconnect" onSubmit={(event) => void submit(event)} aria-label="Reconnect">
      <p>
        <strong>The server no longer accepts the password of this connection</strong>
        {reason ? ` (${reason})` : ''}. Sync is paused; nothing was deleted.
      </p>
      <div className="field inline">
        <label htmlFor={`reconnect-${connection.id}`}>New password</label>
        <input
          id={`reconnect-${connection.id}`}
          type="password"
          autoComplete="off"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Reconnecting…' : 'Reconnect'}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  ) : (
    <form className="notice warn reconnect" onSubmit={(event) => void submit(event)} aria-label="Reconnect">
      <p>
        <strong>Apple no longer accepts the password of this connection</strong>
        {reason ? ` (${reason})` : ''}. Sync is paused; nothing was deleted.
      </p>
      <p className="small">
        Create a new app-specific password at{' '}
        <a href={APPLE_ID_URL} target="_blank" rel="noreferrer">
          appleid.apple.com
        </a>{' '}
        (Sign-In and Security → App-Specific Passwords) and enter it here.
      </p>
      <div className="field inline">
        <label htmlFor={`reconnect-${connection.id}`}>New app-specific password</label>
        <input
          id={`reconnect-${connection.id}`}
          type="password"
          autoComplete="off"
          spellCheck={false}
          required
          placeholder="xxxx-xxxx-xxxx-xxxx"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Reconnecting…' : 'Reconnect'}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </form>
  );
}

function RemoveDialog({ connection, onClose, onRemoved }: { connection: Connection; onClose: () => void; onRemoved: () => void }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const remove = async () => {
    setBusy(true);
    try {
      await staffApi.disconnect(connection.id);
      onRemoved();
    } catch (failure) {
      setError(messageOf(failure));
      setBusy(false);
    }
  };
  return (
    <Dialog title="Remove this connection?" onClose={onClose}>
      <p>
        Tandem stops syncing <strong>{connection.username}</strong>: its events no longer block your availability, and new appointments are
        no longer written to it.
      </p>
      <p className="muted small">Your appointments stay in Tandem, and events already in iCloud stay there.</p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" className="danger" onClick={() => void remove()} disabled={busy}>
          {busy ? 'Removing…' : 'Remove connection'}
        </button>
        <button type="button" className="secondary" onClick={onClose} disabled={busy}>
          Keep it
        </button>
      </div>
    </Dialog>
  );
}
