import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { messageOf } from '../api.ts';
import { api, keys, unwrap } from '../api/client.ts';
import { formatRelative } from '../time.ts';

/** Polled, so status, last synced, lag, errors and the first import's progress change without a reload. */
const POLL_MS = 5_000;

/** Sync state of the calendars Tandem reads and writes for me: live, with "Sync now". */
export function SyncStatusPanel() {
  const queryClient = useQueryClient();
  const status = useQuery({
    queryKey: keys.syncStatus,
    queryFn: () => unwrap(api.GET('/api/sync/status', { params: { query: {} } })),
    refetchInterval: POLL_MS,
  });
  const syncNow = useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/remote-calendars/{id}/sync', { params: { path: { id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.syncStatus }),
  });
  if (!status.data || status.data.length === 0) return null;
  return (
    <section className="card sync-status" aria-labelledby="sync-status-h">
      <h2 id="sync-status-h">Sync status</h2>
      <ul className="plain-list">
        {status.data.map((s) => (
          <li key={s.calendarId} className="sync-row" data-calendar-id={s.calendarId}>
            <div>
              <strong>{s.displayName}</strong> <span className="muted small">({s.role === 'primary' ? 'primary' : 'conflicts'})</span>
              <div className="small">
                {s.connectionStatus === 'needs_reconnect' ? (
                  <span className="status status-warn">Needs reconnect</span>
                ) : (
                  <span className="status status-ok">Connected</span>
                )}{' '}
                <span className="muted">
                  Last synced {formatRelative(s.lastSyncedAt)}
                  {s.lagSeconds !== null ? ` · ${Math.round(s.lagSeconds)} s behind` : ''}
                </span>
              </div>
              {s.importProgress && s.importProgress.total > 0 && s.importProgress.done < s.importProgress.total && (
                <div className="small">
                  <progress max={s.importProgress.total} value={s.importProgress.done} aria-label={`Importing ${s.displayName}`} />{' '}
                  {s.importProgress.done.toLocaleString()} of {s.importProgress.total.toLocaleString()} events imported
                </div>
              )}
              {s.lastError && <p className="error small">{s.lastError.message}</p>}
              {s.warning && <p className="notice small">{s.warning}</p>}
            </div>
            <button type="button" className="secondary small" disabled={syncNow.isPending} onClick={() => syncNow.mutate(s.calendarId)}>
              Sync now
            </button>
          </li>
        ))}
      </ul>
      {syncNow.error && (
        <p className="error small" role="alert">
          {messageOf(syncNow.error)}
        </p>
      )}
    </section>
  );
}

/** Across the staff app: a connection whose password stopped working, with the way to fix it. */
export function ReconnectBanner() {
  const connections = useQuery({
    queryKey: keys.connections,
    queryFn: () => unwrap(api.GET('/api/connections', { params: { query: {} } })),
    refetchInterval: 60_000,
    retry: false,
  });
  const broken = connections.data?.filter((c) => c.status === 'needs_reconnect') ?? [];
  if (broken.length === 0) return null;
  return (
    <div className="notice warn reconnect-banner" role="alert">
      <span>
        {broken.map((c) => `${c.provider === 'icloud' ? 'iCloud' : 'CalDAV'} (${c.username})`).join(', ')} needs reconnecting: sync is
        paused.
      </span>
      <a className="button primary small" href="/app/settings/calendars">
        Reconnect
      </a>
    </div>
  );
}
