import type { WeeklyHours } from '../../domain/schedule.ts';

/** Monday to Friday, nine to five: what a new team member works until they say otherwise. */
export const defaultWeeklyHours: WeeklyHours = {
  1: [{ start: '09:00', end: '17:00' }],
  2: [{ start: '09:00', end: '17:00' }],
  3: [{ start: '09:00', end: '17:00' }],
  4: [{ start: '09:00', end: '17:00' }],
  5: [{ start: '09:00', end: '17:00' }],
};
