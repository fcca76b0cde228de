import { AppError } from './app-error.ts';
import { DAY_MS } from '../domain/time.ts';

/** A query window: valid dates, end after start, and no longer than `maxDays` (each its own code). */
export function checkRange(from: Date, to: Date, maxDays: number): void {
  if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()))
    throw new AppError('validation_failed', { message: 'from and to must be ISO-8601 dates.' });
  if (to.getTime() <= from.getTime()) throw new AppError('invalid_range');
  if (to.getTime() - from.getTime() > maxDays * DAY_MS)
    throw new AppError('range_too_long', { message: `The time range may span at most ${maxDays} days.` });
}
