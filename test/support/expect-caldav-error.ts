import { expect } from 'vitest';
import { CalDavError } from '../../src/caldav/errors.ts';

/** Awaits a promise that must reject with a CalDavError, and returns that error for closer checks. */
export async function failure(promise: Promise<unknown>): Promise<CalDavError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CalDavError);
  return error as CalDavError;
}
