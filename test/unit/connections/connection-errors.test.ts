import { describe, expect, it } from 'vitest';
import { CalDavError, type CalDavErrorKind } from '../../../src/caldav/index.ts';
import { describeErrorCode } from '../../../src/services/app-error.ts';
import { connectionErrorCodes, connectionErrorFrom } from '../../../src/services/connections/connection-errors.ts';

const KINDS: CalDavErrorKind[] = [
  'unauthorized',
  'forbidden',
  'not_found',
  'precondition_failed',
  'rate_limited',
  'server_error',
  'network',
  'timeout',
  'invalid_response',
  'blocked_address',
  'sync_token_invalid',
  'insufficient_storage',
  'refused_response',
  'cross_origin',
];
const failure = (kind: CalDavErrorKind, extra: { retryAfterMs?: number } = {}) =>
  new CalDavError({
    kind,
    url: 'https://user:pw@p42-caldav.icloud.com/1/calendars/',
    method: 'PROPFIND',
    message: `${kind} happened`,
    ...extra,
  });

describe('connection errors', () => {
  it.each(['icloud', 'caldav'] as const)('turn every CalDAV failure into a registered %s code, never 401/403/500', (provider) => {
    for (const kind of KINDS) {
      const error = connectionErrorFrom(failure(kind), provider);
      expect(Object.hasOwn(connectionErrorCodes, error.code), `${kind} → ${error.code}`).toBe(true);
      expect(error.code.startsWith(`${provider}_`)).toBe(true);
      expect(describeErrorCode(error.code).status).toBe(error.status);
      expect([400, 422, 502, 504], `${kind} → ${error.status}`).toContain(error.status);
      expect(error.message).not.toContain('pw@');
    }
  });

  it('tells credentials, two-factor, server trouble, unreachable and slow apart', () => {
    const codes = (['unauthorized', 'forbidden', 'server_error', 'network', 'timeout'] as const).map((kind) =>
      connectionErrorFrom(failure(kind), 'icloud'),
    );
    expect(codes.map((e) => [e.code, e.status])).toEqual([
      ['icloud_auth_failed', 422],
      ['icloud_forbidden', 422],
      ['icloud_server_error', 502],
      ['icloud_unreachable', 504],
      ['icloud_timeout', 504],
    ]);
    expect(new Set(codes.map((e) => e.message)).size).toBe(5);
  });

  it('does not promise a background retry while connecting, and passes on Retry-After', () => {
    const busy = connectionErrorFrom(failure('rate_limited', { retryAfterMs: 90_000 }), 'icloud');
    expect(busy.message).not.toMatch(/Tandem will try again/);
    expect(busy.message).toContain('Nothing was saved');
    expect(busy.message).toContain('about 2 minutes');
  });
});
