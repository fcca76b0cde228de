import { InMemorySyncStore } from '../../support/in-memory-sync.ts';
import { describeSyncStoreContract } from './sync-store-contract.ts';

describeSyncStoreContract('in-memory', async () => {
  const store = new InMemorySyncStore();
  store.addUser('u1', 'cal-primary');
  store.addUser('u2', 'cal-u2');
  store.addCalendar({ calendarId: 'cal-primary', userId: 'u1', isPrimary: true, zone: 'Europe/London' });
  store.addCalendar({ calendarId: 'cal-u2', userId: 'u2', isPrimary: true, zone: 'Europe/London' });
  return {
    store,
    book: async (input) => store.book(input),
    reschedule: async (id, start, end) => store.reschedule(id, start, end),
    appointment: async (id) => store.appointment(id),
    link: async (appointmentId, userId) => store.link(appointmentId, userId),
    occurrences: async (calendarId, href) => store.calendar(calendarId).occurrences.get(href) ?? [],
    calendar: async (calendarId) => store.calendar(calendarId),
    outbox: async () =>
      store.outboxRows().map(({ appointmentId, userId, op, attempt, status }) => ({ appointmentId, userId, op, attempt, status })),
    close: async () => undefined,
  };
});
