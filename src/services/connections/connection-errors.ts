/** How a CalDavError becomes one of the connection error codes (connection-error-codes.ts). */
import { CalDavError, type CalDavErrorKind } from '../../caldav/index.ts';
import { describeFor } from '../../caldav/providers/classify-failure.ts';
import { AppError } from '../app-error.ts';
import { connectionErrorCodes } from './connection-error-codes.ts';
import type { ConnectionProvider } from './connection-view.ts';

export { connectionErrorCodes };

export type ConnectionErrorCode = keyof typeof connectionErrorCodes;

/**
 * Kinds whose provider wording promises a background retry ("Tandem will try again"). While
 * connecting nothing is retried — nothing is even stored — so the table's wording is used instead.
 */
const CONNECT_TIME_WORDING: ReadonlySet<CalDavErrorKind> = new Set(['server_error', 'rate_limited', 'invalid_response']);

function isConnectionErrorCode(code: string): code is ConnectionErrorCode {
  return Object.hasOwn(connectionErrorCodes, code);
}

function retryAfterHint(error: CalDavError): string {
  if (error.retryAfterMs === null) return '';
  const minutes = Math.max(1, Math.ceil(error.retryAfterMs / 60_000));
  return ` The server asked to wait about ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}

/**
 * A CalDavError as the AppError a person reads: the classifier's code and wording (one source for
 * the connect dialog, the sync status and the outbox), without the background-retry consequences.
 */
export function connectionErrorFrom(error: CalDavError, provider: ConnectionProvider): AppError {
  const described = describeFor(error, provider);
  const prefix = provider === 'icloud' ? 'icloud' : 'caldav';
  const candidate = described.code;
  // Kinds that cannot come from discovery or listing (e.g. a 412) still get a code a client knows.
  const code: ConnectionErrorCode = isConnectionErrorCode(candidate) ? candidate : `${prefix}_invalid_response`;
  const message = CONNECT_TIME_WORDING.has(error.kind) ? connectionErrorCodes[code].message + retryAfterHint(error) : described.message;
  return new AppError(code, { message, cause: error });
}

/** Anything thrown while talking to the server: CalDAV failures become AppErrors, the rest passes. */
export function toConnectionError(error: unknown, provider: ConnectionProvider): unknown {
  return error instanceof CalDavError ? connectionErrorFrom(error, provider) : error;
}
