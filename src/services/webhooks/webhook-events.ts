/** The events a webhook endpoint can subscribe to (issue 11, SPEC §7). Stable API: never rename. */
export const WEBHOOK_EVENTS = [
  'appointment.created',
  'appointment.rescheduled',
  'appointment.cancelled',
  'appointment.moved_in_calendar',
  'appointment.removed_from_calendar',
  'appointment.reminder_sent',
  'connection.needs_reconnect',
] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];
