/**
 * Round Robin / Service assignment: which of the members free at a slot gets the appointment.
 */
export type Distribution = 'availability' | 'equal';

export interface AssigneeCandidate {
  userId: string;
  priority: number;
  /** Free (bookable) minutes the member has left on the slot's local day. */
  freeMinutesThatDay: number;
  /** Appointments of this calendar in the recent period the caller counts over. */
  recentAppointments: number;
}

/**
 * availability: most free minutes that day first (spreads load toward whoever has room);
 * equal: fewest recent appointments first (evens out the count over time).
 * Ties: higher priority, then userId, so the choice never depends on input order.
 */
export function chooseAssignee(candidates: AssigneeCandidate[], distribution: Distribution): string {
  let best: AssigneeCandidate | undefined;
  for (const c of candidates) {
    if (best === undefined || compare(c, best, distribution) < 0) best = c;
  }
  if (best === undefined) throw new RangeError('chooseAssignee needs at least one candidate');
  return best.userId;
}

/** Negative when a should be chosen before b. */
function compare(a: AssigneeCandidate, b: AssigneeCandidate, distribution: Distribution): number {
  const primary =
    distribution === 'availability' ? b.freeMinutesThatDay - a.freeMinutesThatDay : a.recentAppointments - b.recentAppointments;
  if (primary !== 0) return primary;
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0;
}
