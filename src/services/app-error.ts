/**
 * One error class for every failure a caller may see, and one table of codes: the HTTP status and
 * the message a person reads. Codes are stable API: clients switch on them, so never rename one.
 */
export const appErrorCodes = {
  validation_failed: { status: 400, message: 'The request is not valid.' },
  malformed_json: { status: 400, message: 'The request body is not valid JSON.' },
  invalid_timezone: { status: 400, message: 'That is not a known IANA time zone (e.g. "Europe/London").' },
  invalid_range: { status: 400, message: 'The time range is not valid: its end must come after its start.' },
  range_too_long: { status: 400, message: 'The time range is too long.' },
  unauthenticated: { status: 401, message: 'Sign in or send a valid API token.' },
  invalid_credentials: { status: 401, message: 'Wrong email or password.' },
  forbidden: { status: 403, message: 'Your role does not allow this.' },
  not_found: { status: 404, message: 'Not found.' },
  email_taken: { status: 409, message: 'A user with that email already exists.' },
  slug_taken: { status: 409, message: 'That address is already used in this workspace.' },
  slot_taken: { status: 409, message: 'That time was just taken. Please pick another slot.' },
  appointment_cancelled: { status: 409, message: 'This appointment has been cancelled.' },
  calendar_has_appointments: { status: 409, message: 'This calendar still has upcoming appointments. Cancel them first (so clients are told), then delete it.' },
  idempotency_key_reused: { status: 422, message: 'This Idempotency-Key was already used for a different request.' },
  slot_unavailable: { status: 422, message: 'That time is not a bookable slot of this calendar.' },
  in_past: { status: 422, message: 'That time is in the past.' },
  too_soon: { status: 422, message: 'That time is too soon: this calendar needs more notice.' },
  beyond_booking_window: { status: 422, message: 'That time is too far ahead for this calendar.' },
  daily_limit_reached: { status: 422, message: 'No more appointments can be booked on that day.' },
  service_required: { status: 422, message: 'Pick a service of this calendar.' },
  calendar_misconfigured: { status: 422, message: 'This calendar has no members, so nothing can be booked.' },
  payload_too_large: { status: 413, message: 'The request body is too large.' },
  rate_limited: { status: 429, message: 'Too many requests. Try again shortly.' },
  internal_error: { status: 500, message: 'Something went wrong on our side. Nothing was changed.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type AppErrorCode = keyof typeof appErrorCodes;

/** Codes other modules register (connections, sync) join the table at start-up through this. */
const extraCodes = new Map<string, { status: number; message: string }>();
export function registerErrorCodes(codes: Record<string, { status: number; message: string }>): void {
  for (const [code, entry] of Object.entries(codes)) extraCodes.set(code, entry);
}

export function describeErrorCode(code: string): { status: number; message: string } {
  return (appErrorCodes as Record<string, { status: number; message: string }>)[code] ?? extraCodes.get(code) ?? appErrorCodes.internal_error;
}

export function allErrorCodes(): Array<{ code: string; status: number; message: string }> {
  const all = { ...appErrorCodes, ...Object.fromEntries(extraCodes) } as Record<string, { status: number; message: string }>;
  return Object.entries(all).map(([code, { status, message }]) => ({ code, status, message }));
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;

  constructor(code: AppErrorCode | (string & {}), options: { message?: string; details?: unknown; cause?: unknown } = {}) {
    const entry = describeErrorCode(code);
    super(options.message ?? entry.message, { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = entry.status;
    this.details = options.details;
  }
}
