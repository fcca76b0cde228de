/**
 * The errors a RemoteCalendar throws. The engine branches on these classes only; the adapter over the
 * CalDAV client maps its CalDavError kinds onto them (see the table in ports.ts). Anything else a
 * remote call throws is treated as transient.
 */

abstract class RemoteCalendarError extends Error {
  readonly href: string | null;

  constructor(message: string, options: { href?: string | null; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.href = options.href ?? null;
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

/** 401/403 (and blocked addresses): retrying will not help until the user reconnects. */
export class RemoteAccessDenied extends RemoteCalendarError {
  override readonly name = 'RemoteAccessDenied';
}

/** Busy, rate-limited, timed out, unreachable, or answered nonsense: retry later. */
export class RemoteUnavailable extends RemoteCalendarError {
  override readonly name = 'RemoteUnavailable';
  readonly retryAfterMs: number | null;

  constructor(message: string, options: { href?: string | null; cause?: unknown; retryAfterMs?: number | null } = {}) {
    super(message, options);
    this.retryAfterMs = options.retryAfterMs ?? null;
  }
}
