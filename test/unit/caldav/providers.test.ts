import { describe, expect, it } from 'vitest';
import { CalDavError, type CalDavErrorKind, redactUrl } from '../../../src/caldav/errors.ts';
import { parseRetryAfter } from '../../../src/domain/retry-policy.ts';
import { describeCalDavError } from '../../../src/caldav/providers/generic.ts';
import { checkAppSpecificPassword, describeICloudError, ICLOUD_DEFAULT_BASE_URL } from '../../../src/caldav/providers/icloud.ts';

const error = (kind: CalDavErrorKind, extra: Partial<{ status: number; retryAfterMs: number; method: string }> = {}) =>
  new CalDavError({ kind, url: 'https://p1-caldav.icloud.com/1/calendars/', message: kind, ...extra });

describe('checkAppSpecificPassword', () => {
  it.each([
    ['abcd-efgh-ijkl-mnop', 'abcd-efgh-ijkl-mnop'],
    ['ABCD-EFGH-IJKL-MNOP', 'abcd-efgh-ijkl-mnop'],
    ['abcd efgh ijkl mnop', 'abcd-efgh-ijkl-mnop'],
    ['  abcd - efgh - ijkl - mnop  ', 'abcd-efgh-ijkl-mnop'],
    ['Abcd-Efgh ijkl  MNOP', 'abcd-efgh-ijkl-mnop'],
    ['abcdefghijklmnop', 'abcd-efgh-ijkl-mnop'],
  ])('accepts %j as %s', (raw, password) => {
    expect(checkAppSpecificPassword(raw)).toEqual({ ok: true, password });
  });

  it.each(['abcd-efgh-ijkl', 'abcd-efgh-ijkl-mnopq', 'abc-defgh-ijkl-mnop', 'abcd-1234-ijkl-mnop', 'short', ''])(
    'rejects %j for its shape',
    (raw) => {
      const result = checkAppSpecificPassword(raw);
      expect(result).toMatchObject({ ok: false, code: 'app_password_shape' });
      if (!result.ok) expect(result.message).toContain('https://appleid.apple.com');
    },
  );

  it.each(['Summer2024!', 'CorrectHorseBattery9', 'MyAppleIdPassword'])(
    'recognises %j as an Apple ID password and never echoes it',
    (raw) => {
      const result = checkAppSpecificPassword(raw);
      expect(result).toMatchObject({ ok: false, code: 'main_password_used' });
      if (result.ok) return;
      expect(result.message).toContain('https://appleid.apple.com');
      expect(result.message).toContain('App-Specific Passwords');
      expect(result.message).not.toContain(raw);
    },
  );
});

describe('describeICloudError', () => {
  it.each([
    ['unauthorized', 'icloud_auth_failed', /app-specific password/],
    ['forbidden', 'icloud_forbidden', /two-factor/i],
    ['network', 'icloud_unreachable', /could not be reached/],
    ['timeout', 'icloud_unreachable', /in time/],
    ['server_error', 'icloud_server_error', /server problem/],
    ['rate_limited', 'icloud_server_error', /busy/],
    ['not_found', 'icloud_not_found', /no calendar/],
    ['invalid_response', 'icloud_invalid_response', /could not use/],
    ['insufficient_storage', 'icloud_storage_full', /storage is full/],
    ['precondition_failed', 'icloud_conflict', /changed/],
    ['blocked_address', 'icloud_blocked_address', /private or local/],
    ['sync_token_invalid', 'icloud_sync_token_invalid', /resynchronisation/],
  ] as const)('%s → %s', (kind, code, message) => {
    const described = describeICloudError(error(kind));
    expect(described.code).toBe(code);
    expect(described.message).toMatch(message);
  });

  it('gives every kind its own code where the user must act differently', () => {
    const codes = (['unauthorized', 'forbidden', 'network', 'server_error'] as const).map((k) => describeICloudError(error(k)).code);
    expect(new Set(codes).size).toBe(4);
  });

  it('says when iCloud asked us to come back', () => {
    expect(describeICloudError(error('rate_limited', { status: 503, retryAfterMs: 120_000 })).message).toMatch(/about 2 minutes/);
  });

  it('explains a 404 to a PUT as a rejected event, not a missing account', () => {
    expect(describeICloudError(error('not_found', { status: 404, method: 'PUT' })).code).toBe('icloud_event_rejected');
  });

  it('uses the documented base URL', () => {
    expect(ICLOUD_DEFAULT_BASE_URL).toBe('https://caldav.icloud.com');
  });
});

describe('describeCalDavError', () => {
  it('has a generic code for every kind', () => {
    const kinds: CalDavErrorKind[] = [
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
    for (const kind of kinds) {
      const described = describeCalDavError(error(kind));
      expect(described.code).toMatch(/^caldav_/);
      expect(described.message.length).toBeGreaterThan(10);
    }
    expect(describeCalDavError(error('unauthorized')).code).toBe('caldav_auth_failed');
  });
});

describe('errors', () => {
  it('parses Retry-After as seconds or as an HTTP date', () => {
    const now = new Date('2026-03-01T12:00:00Z');
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 01 Mar 2026 11:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter('-5', now)).toBeNull();
    expect(parseRetryAfter(null, now)).toBeNull();
  });

  it('never keeps user-info in a URL', () => {
    expect(redactUrl('https://me%40icloud.com:abcd-efgh-ijkl-mnop@caldav.icloud.com/x')).toBe('https://caldav.icloud.com/x');
    const e = new CalDavError({ kind: 'network', url: 'https://u:secret-pw@host.example/', message: 'failed' });
    expect(e.url).not.toContain('secret-pw');
  });
});
