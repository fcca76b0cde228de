import type { DateValue, Wall } from './values.ts';

/**
 * The shapes a recurrence rule is read into and expanded with: shared by the reader/expander
 * (recurrence.ts) and the candidate sources it delegates to (calendar-period-rule.ts,
 * fixed-period-rule.ts), kept apart so those sources need not import the module that imports them.
 */

export type Frequency = 'SECONDLY' | 'MINUTELY' | 'HOURLY' | 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';

export type NumericPart = 'bysecond' | 'byminute' | 'byhour' | 'bymonthday' | 'byyearday' | 'byweekno' | 'bymonth';

/** One RRULE, checked. BYSETPOS is kept apart because we apply it ourselves (see below). */
export interface RecurrenceRule {
  readonly freq: Frequency;
  readonly interval: number;
  readonly count: number | null;
  readonly until: DateValue | null;
  /** Week start, 0 = SU … 6 = SA. */
  readonly wkst: number;
  readonly byday: readonly string[];
  readonly numeric: Readonly<Partial<Record<NumericPart, readonly number[]>>>;
  readonly bysetpos: readonly number[];
}

/** How far a candidate source may run. */
export interface CandidateLimits {
  /** No candidate after this is needed. */
  readonly end: Wall;
  /** Safety valve for pathological rules (e.g. SECONDLY with a huge COUNT from years back). */
  readonly maxIterations: number;
  readonly onLimit: (message: string) => void;
}
