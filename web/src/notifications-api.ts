/** Notifications and webhooks (issue 11) as the web app uses them; shapes mirror src/http/routes/notification-routes.ts and webhook-routes.ts. */
import { request } from './api.ts';

export interface NotificationSettings {
  clientConfirmation: boolean;
  clientRescheduled: boolean;
  clientCancelled: boolean;
  clientReminder: boolean;
  staffNewBooking: boolean;
  staffClientCancelled: boolean;
  reminderOffsetsMin: number[];
  clientChangeDeadlineMin: number | null;
}
export interface MailFile {
  name: string;
  subject: string;
  to: string;
  date: string;
  size: number;
}
export interface MessageDelivery {
  id: string;
  kind: string;
  recipient: string;
  status: 'pending' | 'sent' | 'failed' | 'skipped';
  attempts: number;
  lastError: string | null;
  dueAt: string;
  sentAt: string | null;
}
export interface WebhookDelivery {
  id: string;
  endpointId: string;
  url: string;
  event: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatusCode: number | null;
  lastError: string | null;
  createdAt: string;
  nextAttemptAt: string | null;
  deliveredAt: string | null;
}
export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  status: 'active' | 'disabled';
  disabledReason: string | null;
  failingSince: string | null;
  createdAt: string;
}

export const WEBHOOK_EVENTS = [
  'appointment.created',
  'appointment.rescheduled',
  'appointment.cancelled',
  'appointment.moved_in_calendar',
  'appointment.removed_from_calendar',
  'appointment.reminder_sent',
  'connection.needs_reconnect',
];

export const notificationsApi = {
  settings: (calendarId: string) =>
    request<NotificationSettings>('GET', `/api/calendars/${calendarId}/notification-settings`, { auth: true }),
  saveSettings: (calendarId: string, settings: Partial<NotificationSettings>) =>
    request<NotificationSettings>('PUT', `/api/calendars/${calendarId}/notification-settings`, { auth: true, body: settings }),
  mail: () => request<{ smtpConfigured: boolean; from: string; files: MailFile[] }>('GET', '/api/notifications/mail', { auth: true }),
  deliveries: (appointmentId: string) =>
    request<{ messages: MessageDelivery[]; webhooks: WebhookDelivery[] }>('GET', `/api/appointments/${appointmentId}/deliveries`, {
      auth: true,
    }),
  webhooks: () => request<WebhookEndpoint[]>('GET', '/api/webhooks', { auth: true }),
  addWebhook: (url: string, events: string[]) =>
    request<{ endpoint: WebhookEndpoint; secret: string }>('POST', '/api/webhooks', { auth: true, body: { url, events } }),
  rotateWebhook: (id: string) =>
    request<{ endpoint: WebhookEndpoint; secret: string }>('POST', `/api/webhooks/${id}/rotate`, { auth: true }),
  enableWebhook: (id: string) => request<WebhookEndpoint>('POST', `/api/webhooks/${id}/enable`, { auth: true }),
  deleteWebhook: (id: string) => request<null>('DELETE', `/api/webhooks/${id}`, { auth: true }),
  webhookDeliveries: (id: string) => request<WebhookDelivery[]>('GET', `/api/webhooks/${id}/deliveries`, { auth: true }),
  policy: (token: string) =>
    request<{ changeDeadline: string | null; canChange: boolean }>('GET', `/api/public/bookings/${encodeURIComponent(token)}/policy`),
};
