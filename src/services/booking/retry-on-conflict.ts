import { isExclusionViolation, isRetryableTransactionError } from '../../store/pg-errors.ts';
import { AppError } from '../app-error.ts';

/**
 * Runs a booking transaction again when the database refused it because another booking won the
 * same member first: the retry re-reads availability, so a Round Robin booking moves on to the
 * next free member, and when nobody is left the caller hears `slot_taken`.
 */
export async function retryOnConflict<T>(attempts: number, run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      const conflict = isExclusionViolation(error) || isRetryableTransactionError(error);
      if (!conflict) throw error;
      if (attempt >= attempts) throw new AppError('slot_taken', { cause: error });
    }
  }
}
