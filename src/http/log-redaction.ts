import type { FastifyRequest } from 'fastify';

/**
 * Secrets that travel in URLs, replaced before a URL reaches a log line: a client's manage link
 * (`/api/public/bookings/<token>/…`, `/manage/<token>`), and — wherever they appear, path or
 * query — anything shaped like a manage token (`<uuid>.<secret>`) or a session/API token
 * (`tds_…`, `tdk_…`), plus query parameters named like a secret.
 */
const SECRET_PATHS = /(\/api\/public\/bookings\/|\/manage\/)[^/?#]+/g;
const TOKEN_SHAPES = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?:\.|%2E)[A-Za-z0-9_-]+|\btd[sk]_[A-Za-z0-9_-]+/gi;
const SECRET_QUERY = /([?&](?:token|manageToken|secret|password|key)=)[^&#]*/gi;
export const REDACTED = '[redacted]';

export function redactUrl(url: string): string {
  return url.replace(SECRET_PATHS, `$1${REDACTED}`).replace(TOKEN_SHAPES, REDACTED).replace(SECRET_QUERY, `$1${REDACTED}`);
}

/** Headers that carry secrets, or URLs that may (a Referer from a manage page). */
const SECRET_HEADERS = new Set(['authorization', 'cookie', 'set-cookie', 'idempotency-key', 'x-api-key', 'proxy-authorization']);
const URL_HEADERS = new Set(['referer', 'origin', 'location']);

export function redactHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => {
      const lower = name.toLowerCase();
      if (SECRET_HEADERS.has(lower)) return [name, REDACTED];
      if (URL_HEADERS.has(lower) && typeof value === 'string') return [name, redactUrl(value)];
      return [name, value];
    }),
  );
}

/** pino serializers for Fastify's request/response log lines: the same fields, secrets removed. */
export const logSerializers = {
  req(request: FastifyRequest) {
    return {
      method: request.method,
      url: redactUrl(request.url),
      host: request.host,
      remoteAddress: request.ip,
      remotePort: request.socket?.remotePort,
    };
  },
};
