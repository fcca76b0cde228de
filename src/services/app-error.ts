/**
 * One error class for every failure a caller may see, and one closed table of codes: the HTTP
 * status and the message a person reads. Codes are stable API — clients switch on them, so never
 * rename one. The table is assembled here from each area's part, so `AppErrorCode` is the union of
 * every known code and `new AppError('unknown_code')` does not compile. GET /api/errors and the
 * OpenAPI document are generated from it.
 *
 * To add a code: add a line to `coreErrorCodes` below, or — for an area with many codes — export a
 * `const … = { … } as const satisfies ErrorCodeTable` from a file of that area that imports nothing
 * of ours (see connections/connection-error-codes.ts) and spread it into `errorCodes`.
 */
import type { ErrorCodeEntry, ErrorCodeTable } from './error-code-table.ts';
import { connectionErrorCodes } from './connections/connection-error-codes.ts';
import { notificationErrorCodes } from './notifications/notification-errors.ts';
import { teamErrorCodes } from './team/team-errors.ts';
import { syncItemErrorCodes } from './sync/sync-limits.ts';

const coreErrorCodes = {
  validation_failed: { status: 400, message: 'The request is not valid.' },
  malformed_json: { status: 400, message: 'The request body is not valid JSON.' },
  bad_request: { status: 400, message: 'The request is not valid HTTP.' },
  forbidden_json_key: {
    status: 400,
    message: 'The request body contains a key that is not allowed ("__proto__" or "constructor.prototype").',
  },
  invalid_timezone: { status: 400, message: 'That is not a known IANA time zone (e.g. "Europe/London").' },
  invalid_range: { status: 400, message: 'The time range is not valid: its end must come after its start.' },
  range_too_long: { status: 400, message: 'The time range is too long.' },
  unauthenticated: { status: 401, message: 'Sign in or send a valid API token.' },
  invalid_credentials: { status: 401, message: 'Wrong email or password.' },
  forbidden: { status: 403, message: 'Your role does not allow this.' },
  not_found: { status: 404, message: 'Not found.' },
  request_timeout: { status: 408, message: 'The request took too long to arrive.' },
  email_taken: { status: 409, message: 'A user with that email already exists.' },
  slug_taken: { status: 409, message: 'That address is already used in this workspace.' },
  slot_taken: { status: 409, message: 'That time was just taken. Please pick another slot.' },
  appointment_cancelled: { status: 409, message: 'This appointment has been cancelled.' },
  calendar_has_appointments: {
    status: 409,
    message: 'This calendar still has upcoming appointments. Cancel them first (so clients are told), then delete it.',
  },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  uri_too_long: { status: 414, message: 'The request address (path and query string) is too long.' },
  unsupported_media_type: { status: 415, message: 'Send the request body as JSON, with Content-Type: application/json.' },
  idempotency_key_reused: { status: 422, message: 'This Idempotency-Key was already used for a different request.' },
  slot_unavailable: { status: 422, message: 'That time is not a bookable slot of this calendar.' },
  in_past: { status: 422, message: 'That time is in the past.' },
  too_soon: { status: 422, message: 'That time is too soon: this calendar needs more notice.' },
  beyond_booking_window: { status: 422, message: 'That time is too far ahead for this calendar.' },
  daily_limit_reached: { status: 422, message: 'No more appointments can be booked on that day.' },
  service_required: { status: 422, message: 'Pick a service of this calendar.' },
  service_not_offered: { status: 422, message: 'This calendar does not offer that service.' },
  calendar_misconfigured: { status: 422, message: 'This calendar has no members, so nothing can be booked.' },
  rate_limited: { status: 429, message: 'Too many requests. Try again shortly.' },
  headers_too_large: { status: 431, message: 'The request headers are too large.' },
  database_unavailable: { status: 503, message: 'Tandem cannot reach its database at the moment. Please try again in a minute.' },
  internal_error: { status: 500, message: 'Something went wrong on our side. Nothing was changed.' },
} as const satisfies ErrorCodeTable;

export const errorCodes = {
  ...coreErrorCodes,
  ...connectionErrorCodes,
  ...notificationErrorCodes,
  ...teamErrorCodes,
  ...syncItemErrorCodes,
} as const satisfies ErrorCodeTable;

export type AppErrorCode = keyof typeof errorCodes;

export const errorCodeList = Object.keys(errorCodes) as [AppErrorCode, ...AppErrorCode[]];

export function isAppErrorCode(code: string): code is AppErrorCode {
  return Object.hasOwn(errorCodes, code);
}

export function describeErrorCode(code: AppErrorCode): ErrorCodeEntry {
  return errorCodes[code];
}

export function allErrorCodes(): Array<{ code: AppErrorCode; status: number; message: string }> {
  return errorCodeList.map((code) => ({ code, ...describeErrorCode(code) }));
}

export class AppError extends Error {
  readonly code: AppErrorCode;
  readonly status: number;
  readonly details: unknown;

  constructor(code: AppErrorCode, options: { message?: string; details?: unknown; cause?: unknown } = {}) {
    const entry = describeErrorCode(code);
    super(options.message ?? entry.message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = entry.status;
    this.details = options.details;
  }
}
