import type { RemoteFailure } from '../../caldav/providers/classify-failure.ts';

/**
 * The errors a RemoteCalendar throws. The engine branches on these classes only; the adapter over the
 * CalDAV client maps its CalDavError kinds onto them (see the table in ports.ts). Anything else a
 * remote call throws is treated as transient.
 */

export interface RemoteErrorOptions {
  href?: string | null;
  cause?: unknown;
  /** The classifier's verdict (action, code, message for people), when the cause was a CalDAV failure. */
  failure?: RemoteFailure | null;
}

export abstract class RemoteCalendarError extends Error {
  readonly href: string | null;
  readonly failure: RemoteFailure | null;

  constructor(message: string, options: RemoteErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.href = options.href ?? null;
    this.failure = options.failure ?? null;
  }
}

/** The server refused the sync token (403 valid-sync-token; Xandikos: 500): fall back to a full listing. */
export class RemoteSyncTokenInvalid extends RemoteCalendarError {
  override readonly name = 'RemoteSyncTokenInvalid';
}

/** 412: a conditional write lost (the event exists, or its etag moved). */
export class RemotePreconditionFailed extends RemoteCalendarError {
  override readonly name = 'RemotePreconditionFailed';
}

/** 404 on a write or delete. */
export class RemoteNotFound extends RemoteCalendarError {
  override readonly name = 'RemoteNotFound';
}

/** 401/403: retrying will not help until the user reconnects. */
export class RemoteAccessDenied extends RemoteCalendarError {
  override readonly name = 'RemoteAccessDenied';
}

/**
 * Refused on principle (an answer Tandem will not accept, an address it may not contact, a
 * redirect to another server): asking again gets the same until the data or configuration
 * changes, and reconnecting would not help either.
 */
export class RemoteRefused extends RemoteCalendarError {
  override readonly name = 'RemoteRefused';
}

/** Busy, rate-limited, timed out, unreachable, or answered nonsense: retry later. */
export class RemoteUnavailable extends RemoteCalendarError {
  override readonly name = 'RemoteUnavailable';
  readonly retryAfterMs: number | null;

  constructor(message: string, options: RemoteErrorOptions & { retryAfterMs?: number | null } = {}) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}
