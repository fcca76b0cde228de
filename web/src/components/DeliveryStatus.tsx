import { useEffect, useState } from 'react';
import { notificationsApi, type MessageDelivery, type WebhookDelivery } from '../notifications-api.ts';

const KIND_LABELS: Record<string, string> = {
  client_confirmed: 'Confirmation',
  client_rescheduled: 'Moved',
  client_cancelled: 'Cancellation',
  client_reminder: 'Reminder',
  staff_new_booking: 'New booking (staff)',
  staff_client_cancelled: 'Cancelled by client (staff)',
  staff_client_rescheduled: 'Moved by client (staff)',
  staff_client_moved_away: 'Moved away by client (staff)',
};

/** In the appointment's details: which e-mails and webhooks went out, and whether they arrived. */
export function DeliveryStatus({ appointmentId }: { appointmentId: string }) {
  const [data, setData] = useState<{ messages: MessageDelivery[]; webhooks: WebhookDelivery[] } | null>(null);
  useEffect(() => {
    notificationsApi.deliveries(appointmentId).then(setData, () => setData(null));
  }, [appointmentId]);
  if (!data || (data.messages.length === 0 && data.webhooks.length === 0)) return null;
  return (
    <details className="delivery-status small">
      <summary>
        Messages: {data.messages.filter((m) => m.status === 'sent').length} sent
        {data.messages.some((m) => m.status === 'failed') ? ', some failed' : ''}
      </summary>
      <ul className="plain">
        {data.messages.map((m) => (
          <li key={m.id}>
            {KIND_LABELS[m.kind] ?? m.kind} → {m.recipient}: {m.status}
            {m.status === 'pending' ? ` (due ${new Date(m.dueAt).toLocaleString()})` : ''}
            {m.lastError && m.status !== 'sent' ? ` — ${m.lastError}` : ''}
          </li>
        ))}
        {data.webhooks.map((w) => (
          <li key={w.id}>
            Webhook {w.event}: {w.status} ({w.attempts} attempt{w.attempts === 1 ? '' : 's'}
            {w.lastStatusCode ? `, HTTP ${w.lastStatusCode}` : ''})
          </li>
        ))}
      </ul>
    </details>
  );
}
