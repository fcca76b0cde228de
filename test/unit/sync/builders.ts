import { appointmentEventUid } from '../../../src/domain/sync/appointment-uid.ts';
import { desiredSnapshot } from '../../../src/domain/sync/desired-event.ts';
import type { FetchedItem, InboundPlanInput, LinkedAppointment } from '../../../src/domain/sync/plan-inbound.ts';
import type { AppointmentForSync, ImportedOccurrence, RemoteLink, SavedItem, TimeAndTitle } from '../../../src/domain/sync/types.ts';

/** Small builders for planner tests: every field has a plain default, tests override what matters. */

export const T0 = new Date('2030-03-04T09:00:00Z');
export const hours = (n: number): Date => new Date(T0.getTime() + n * 3_600_000);
export const WINDOW = { from: new Date('2030-02-01T00:00:00Z'), to: new Date('2031-04-08T00:00:00Z') };
export const SPAN_END = new Date('2031-05-08T00:00:00Z');

export function appointment(overrides: Partial<AppointmentForSync> = {}): AppointmentForSync {
  return {
    id: 'a1',
    version: 'v1',
    status: 'confirmed',
    start: hours(0),
    end: hours(1),
    title: 'Haircut with Ada',
    description: 'Ada Lovelace, +44 20 7946 0000',
    location: 'Salon',
    url: 'https://tandem.example/a/a1',
    timezone: 'Europe/London',
    assignedUserIds: ['u1'],
    writesToCalendar: true,
    ...overrides,
  };
}

export function link(a: AppointmentForSync, overrides: Partial<RemoteLink> = {}): RemoteLink {
  return {
    appointmentId: a.id,
    userId: 'u1',
    calendarId: 'cal-primary',
    href: `/cal/primary/${appointmentEventUid(a.id).replace('@', '-')}.ics`,
    etag: '"w1"',
    written: desiredSnapshot(a),
    sequence: 0,
    removedRemotely: false,
    createPending: false,
    pendingWrites: [],
    ...overrides,
  };
}

export function occurrence(start: Date, end: Date, overrides: Partial<ImportedOccurrence> = {}): ImportedOccurrence {
  return { recurrenceId: null, start, end, allDay: false, blocks: true, summary: 'Dentist', status: null, ...overrides };
}

export function savedItem(href: string, overrides: Partial<SavedItem> = {}): SavedItem {
  return {
    href,
    etag: '"s1"',
    contentHash: 'h1',
    uid: `uid-${href}`,
    kind: 'imported',
    expandedUntil: SPAN_END,
    error: null,
    ...overrides,
  };
}

export function fetchedEvent(
  href: string,
  overrides: Partial<Omit<FetchedItem, 'content'>> & { occurrences?: ImportedOccurrence[]; event?: TimeAndTitle | null } = {},
): FetchedItem {
  const { occurrences, event, ...rest } = overrides;
  return {
    href,
    etag: '"s2"',
    contentHash: 'h2',
    uid: `uid-${href}`,
    ...rest,
    content: { ok: true, occurrences: occurrences ?? [occurrence(hours(2), hours(3))], expandedUntil: SPAN_END, event: event ?? null },
  };
}

export function unreadable(href: string, error = 'DTSTART missing'): FetchedItem {
  return { href, etag: '"bad"', contentHash: 'hbad', uid: null, content: { ok: false, error } };
}

export function planInput(
  overrides: Partial<InboundPlanInput> & { savedItems?: SavedItem[]; linked?: LinkedAppointment[] } = {},
): InboundPlanInput {
  const { savedItems, linked, ...rest } = overrides;
  return {
    calendar: { id: 'cal-primary', userId: 'u1', isPrimary: true },
    saved: new Map((savedItems ?? []).map((item) => [item.href, item])),
    fetched: [],
    deleted: [],
    appointments: new Map((linked ?? []).map((entry) => [entry.appointment.id, entry])),
    otherAppointments: [],
    window: WINDOW,
    ...rest,
  };
}
