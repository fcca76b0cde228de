import { computeSlots, type Slot, type SlotQuery } from '../../domain/slots.ts';
import { AppError } from '../app-error.ts';
import { DAY_MS, MINUTE_MS } from '../../domain/time.ts';

/**
 * Finds the slot that starts at `start`, or says precisely why there is none: a time someone else
 * holds is `slot_taken` (409, pick another); a time that was never offered gets its own 422 code.
 */
export function checkBookable(query: SlotQuery, start: number): Slot {
  const { rules, now } = query;
  if (start < now) throw new AppError('in_past');
  if (start < now + rules.minNoticeMin * MINUTE_MS) throw new AppError('too_soon');
  if (start >= now + rules.windowDays * DAY_MS) throw new AppError('beyond_booking_window');
  const at = (q: SlotQuery) => computeSlots({ ...q, range: { start, end: start + 1 } }).find((slot) => slot.start === start);

  const slot = at(query);
  if (slot) return slot;
  const free = (q: SlotQuery): SlotQuery => ({
    ...q,
    members: q.members.map((m) => ({ ...m, busy: { appointments: [], blocked: [], imported: [] } })),
    sessions: (q.sessions ?? []).map((s) => ({ ...s, seatsTaken: 0 })),
  });
  if (at(free(query))) throw new AppError('slot_taken');
  const unlimited = (q: SlotQuery): SlotQuery => ({
    ...q,
    rules: { ...q.rules, dailyLimit: null },
    members: q.members.map((m) => ({ ...m, appointmentStartsOnCalendar: [] })),
  });
  if (at(unlimited(free(query)))) throw new AppError('daily_limit_reached');
  throw new AppError('slot_unavailable');
}
