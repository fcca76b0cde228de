import { parseRetryAfter } from '../domain/retry-policy.ts';

/**
 * The one error type the CalDAV module throws. Callers branch on `kind`, never on message text;
 * messages are for logs and never contain credentials (URLs are stripped of user-info first).
 */

export type CalDavErrorKind =
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'precondition_failed'
  | 'rate_limited'
  | 'server_error'
  | 'network'
  | 'timeout'
  | 'invalid_response'
  /** An answer refused on principle (DOCTYPE/ENTITY declarations, over the size cap): asking again gets the same. */
  | 'refused_response'
  | 'blocked_address'
  /** A redirect or href to an origin the credentials were not given for: refused before anything is sent. */
  | 'cross_origin'
  | 'sync_token_invalid'
  | 'insufficient_storage';

export interface CalDavErrorInit {
  kind: CalDavErrorKind;
  message: string;
  url: string;
  status?: number | null;
  retryAfterMs?: number | null;
  method?: string | null;
  /** For 'cross_origin': the origin Tandem refused to send the credentials to. */
  target?: string | null;
  cause?: unknown;
}

export class CalDavError extends Error {
  readonly kind: CalDavErrorKind;
  readonly status: number | null;
  readonly retryAfterMs: number | null;
  readonly url: string;
  /** The HTTP method of the failed request, when there was one (a 404 to a PUT means something else than to a GET). */
  readonly method: string | null;
  /** For 'cross_origin': the origin the credentials were not sent to (user-info removed). */
  readonly target: string | null;

  constructor(init: CalDavErrorInit) {
    const url = redactUrl(init.url);
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'CalDavError';
    this.kind = init.kind;
    this.status = init.status ?? null;
    this.retryAfterMs = init.retryAfterMs ?? null;
    this.url = url;
    this.method = init.method ?? null;
    this.target = init.target == null ? null : redactUrl(init.target);
  }
}

/** Removes user-info (`user:pass@`) so a URL can go into a message or a log line. */
export function redactUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.username === '' && url.password === '') return raw;
    url.username = '';
    url.password = '';
    return url.href;
  } catch {
    // Not a URL: drop anything that looks like user-info rather than echo it.
    return raw.replace(/\/\/[^/@]*@/, '//');
  }
}

export function kindForStatus(status: number): CalDavErrorKind {
  switch (status) {
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
    case 410:
      return 'not_found';
    case 412:
      return 'precondition_failed';
    case 429:
    case 503:
      return 'rate_limited';
    case 507:
      return 'insufficient_storage';
    default:
      // Other 4xx (400, 405, 409, 415…) mean the server could not use the request as made; the
      // kind list has no "rejected", and retrying such an answer is as useful as retrying garbage.
      return status >= 500 ? 'server_error' : 'invalid_response';
  }
}

/** The error for an HTTP answer the caller did not expect. */
export function errorForStatus(p: { status: number; url: string; method: string; headers: Headers }): CalDavError {
  const kind = kindForStatus(p.status);
  const retryAfterMs = kind === 'rate_limited' ? parseRetryAfter(p.headers.get('retry-after')) : null;
  return new CalDavError({
    kind,
    status: p.status,
    url: p.url,
    method: p.method,
    retryAfterMs,
    message: `${p.method} ${redactUrl(p.url)} answered HTTP ${p.status}`,
  });
}
