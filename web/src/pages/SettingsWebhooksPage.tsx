import { useCallback, useEffect, useState } from 'react';
import { messageOf } from '../api.ts';
import { Dialog } from '../components/Dialog.tsx';
import { WEBHOOK_EVENTS, notificationsApi, type WebhookDelivery, type WebhookEndpoint } from '../notifications-api.ts';

function DeliveryLog({ endpointId }: { endpointId: string }) {
  const [log, setLog] = useState<WebhookDelivery[] | null>(null);
  useEffect(() => {
    notificationsApi.webhookDeliveries(endpointId).then(setLog, () => setLog([]));
  }, [endpointId]);
  if (!log) return <p className="muted small">Loading…</p>;
  if (log.length === 0) return <p className="muted small">No deliveries yet.</p>;
  return (
    <table className="delivery-log small">
      <thead>
        <tr>
          <th>When</th>
          <th>Event</th>
          <th>Status</th>
          <th>Attempts</th>
          <th>Last response</th>
        </tr>
      </thead>
      <tbody>
        {log.map((d) => (
          <tr key={d.id}>
            <td>{new Date(d.createdAt).toLocaleString()}</td>
            <td>{d.event}</td>
            <td>
              {d.status}
              {d.nextAttemptAt ? ` (next try ${new Date(d.nextAttemptAt).toLocaleTimeString()})` : ''}
            </td>
            <td>{d.attempts}</td>
            <td>{d.lastStatusCode ?? d.lastError ?? '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** Settings → Webhooks: add (secret shown once), rotate, re-enable, delete, and each endpoint's delivery log. */
export function SettingsWebhooksPage() {
  const [endpoints, setEndpoints] = useState<WebhookEndpoint[]>([]);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(WEBHOOK_EVENTS);
  const [secret, setSecret] = useState<{ url: string; secret: string } | null>(null);
  const [open, setOpen] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState<WebhookEndpoint | null>(null);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => notificationsApi.webhooks().then(setEndpoints, (e: unknown) => setError(messageOf(e))), []);
  useEffect(() => {
    document.title = 'Webhooks · Tandem';
    void reload();
  }, [reload]);
  const run = async (action: () => Promise<void>) => {
    setError(null);
    try {
      await action();
      await reload();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <div className="settings-webhooks">
      <div className="page-header">
        <h1>Webhooks</h1>
      </div>
      <p className="muted small">
        Signed per Standard Webhooks (headers webhook-id, webhook-timestamp, webhook-signature). Failed deliveries are retried for two days.
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {secret && (
        <p className="notice ok" data-testid="webhook-secret">
          Signing secret for {secret.url} — shown only now, copy it: <code>{secret.secret}</code>
        </p>
      )}
      <form
        className="card"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            const created = await notificationsApi.addWebhook(url, events);
            setSecret({ url: created.endpoint.url, secret: created.secret });
            setUrl('');
          });
        }}
      >
        <label>
          Endpoint URL{' '}
          <input type="url" required value={url} onChange={(e) => setUrl(e.target.value)} placeholder="https://example.com/tandem-hooks" />
        </label>
        <fieldset>
          <legend>Events</legend>
          {WEBHOOK_EVENTS.map((event) => (
            <label key={event} className="checkbox">
              <input
                type="checkbox"
                checked={events.includes(event)}
                onChange={(e) => setEvents(e.target.checked ? [...events, event] : events.filter((x) => x !== event))}
              />{' '}
              {event}
            </label>
          ))}
        </fieldset>
        <button type="submit" className="primary" disabled={events.length === 0}>
          Add endpoint
        </button>
      </form>
      <ul className="plain">
        {endpoints.map((endpoint) => (
          <li key={endpoint.id} className="card" data-webhook-id={endpoint.id}>
            <h2 className="small">{endpoint.url}</h2>
            <p className="small muted">{endpoint.events.join(', ')}</p>
            {endpoint.status === 'disabled' && <p className="notice danger">Disabled: {endpoint.disabledReason}</p>}
            <div className="actions">
              <button type="button" onClick={() => setOpen(open === endpoint.id ? null : endpoint.id)}>
                {open === endpoint.id ? 'Hide log' : 'Delivery log'}
              </button>
              <button
                type="button"
                onClick={() =>
                  void run(async () => {
                    const rotated = await notificationsApi.rotateWebhook(endpoint.id);
                    setSecret({ url: endpoint.url, secret: rotated.secret });
                  })
                }
              >
                Rotate secret
              </button>
              {endpoint.status === 'disabled' && (
                <button
                  type="button"
                  onClick={() =>
                    void run(async () => {
                      await notificationsApi.enableWebhook(endpoint.id);
                    })
                  }
                >
                  Enable again
                </button>
              )}
              <button type="button" className="danger-outline" onClick={() => setConfirmDelete(endpoint)}>
                Delete
              </button>
            </div>
            {open === endpoint.id && <DeliveryLog endpointId={endpoint.id} />}
          </li>
        ))}
      </ul>
      {confirmDelete && (
        <Dialog title="Delete this endpoint?" onClose={() => setConfirmDelete(null)}>
          <p>{confirmDelete.url} receives nothing more, and deliveries still waiting to be retried are dropped with its delivery log.</p>
          <div className="actions">
            <button
              type="button"
              className="danger"
              onClick={() => {
                // Closed first: a refusal is then shown on the page, not behind the modal.
                const { id } = confirmDelete;
                setConfirmDelete(null);
                void run(async () => {
                  await notificationsApi.deleteWebhook(id);
                });
              }}
            >
              Delete endpoint
            </button>
            <button type="button" className="secondary" onClick={() => setConfirmDelete(null)}>
              Keep it
            </button>
          </div>
        </Dialog>
      )}
    </div>
  );
}
