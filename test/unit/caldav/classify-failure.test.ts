/**
 * The one classifier of remote failures (issue 7.8): each case says what happened truthfully and
 * whether retrying can help — and the sync jobs and the outbox dispatcher act on the same verdict.
 */
import { describe, expect, it } from 'vitest';
import { CalDavError, type CalDavErrorKind } from '../../../src/caldav/errors.ts';
import { classifyCalDavFailure } from '../../../src/caldav/providers/classify-failure.ts';
import { parseMultistatus } from '../../../src/caldav/xml.ts';
import { HALT_RECHECK_MS, nextRunAfter } from '../../../src/domain/sync/schedule.ts';
import { outcomeOf } from '../../../src/jobs/calendar-sync-work.ts';
import { remoteError } from '../../../src/services/sync/caldav-remote-calendar.ts';

const url = 'https://dav.example.com/cal/';
const error = (kind: CalDavErrorKind, extra: Partial<{ status: number; retryAfterMs: number; target: string }> = {}) =>
  new CalDavError({ kind, url, method: 'REPORT', message: `${kind} happened`, ...extra });

function thrown(run: () => unknown): CalDavError {
  try {
    run();
  } catch (e) {
    return e as CalDavError;
  }
  throw new Error('expected a throw');
}

describe('classifyCalDavFailure', () => {
  it('calls a refused DOCTYPE an answer Tandem will not accept, and stops retrying it', () => {
    const doctype = thrown(() => parseMultistatus({ body: '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x/>', url }));
    for (const provider of ['caldav', 'icloud'] as const) {
      const failure = classifyCalDavFailure(doctype, provider);
      expect(failure.action).toBe('stop');
      expect(failure.code).toBe(`${provider}_refused_response`);
      expect(failure.message).toMatch(/will not accept/);
      expect(failure.message).not.toMatch(/busy|unreachable|will try again/i);
    }
  });

  it('treats an over-size answer the same way', () => {
    const failure = classifyCalDavFailure(error('refused_response', { status: 207 }), 'caldav');
    expect([failure.action, failure.code]).toEqual(['stop', 'caldav_refused_response']);
    expect(failure.message).toMatch(/larger than/);
  });

  it('does not talk about app-specific passwords for a 401 from a non-iCloud server', () => {
    const failure = classifyCalDavFailure(error('unauthorized', { status: 401 }), 'caldav');
    expect([failure.action, failure.code]).toEqual(['reconnect', 'caldav_auth_failed']);
    expect(failure.message).not.toMatch(/app-specific|apple/i);
    expect(failure.message).toMatch(/username and password/);
  });

  it('says for an iCloud 401 that resetting the Apple ID password revokes every app-specific password', () => {
    const failure = classifyCalDavFailure(error('unauthorized', { status: 401 }), 'icloud');
    expect([failure.action, failure.code]).toEqual(['reconnect', 'icloud_auth_failed']);
    expect(failure.message).toMatch(/Resetting or changing the Apple ID password revokes every app-specific password/);
  });

  it('calls a blocked address a configuration problem, not "needs reconnect"', () => {
    const failure = classifyCalDavFailure(error('blocked_address'), 'caldav');
    expect([failure.action, failure.code]).toEqual(['stop', 'caldav_blocked_address']);
    expect(failure.message).toMatch(/setting of the Tandem installation/);
    expect(failure.message).not.toMatch(/password|reconnect/i);
  });

  it('names the other server of a refused cross-origin redirect', () => {
    const failure = classifyCalDavFailure(error('cross_origin', { target: 'http://127.0.0.1:9999' }), 'caldav');
    expect([failure.action, failure.code]).toEqual(['stop', 'caldav_cross_origin_refused']);
    expect(failure.message).toContain('http://127.0.0.1:9999');
  });

  it('retries what is passing, with the server’s Retry-After', () => {
    for (const kind of ['rate_limited', 'server_error', 'network', 'timeout', 'invalid_response'] as const) {
      const failure = classifyCalDavFailure(error(kind, { retryAfterMs: 60_000 }), 'caldav');
      expect(failure.action, kind).toBe('retry');
      expect(failure.message, kind).toMatch(/will try again/i);
      expect(failure.retryAfterMs).toBe(60_000);
    }
  });
});

describe('the sync jobs act on the verdict', () => {
  const now = new Date('2026-03-01T10:00:00Z');
  const next = (kind: CalDavErrorKind, provider: 'caldav' | 'icloud' = 'caldav') => {
    const outcome = outcomeOf(remoteError(error(kind, { status: 400 }), null, provider));
    return { outcome, at: nextRunAfter(outcome, 0, { pollMs: 60_000, random: () => 0.5, now }).at };
  };

  it('a refused answer or blocked address halts the calendar (daily recheck), leaving the connection alone', () => {
    for (const kind of ['refused_response', 'blocked_address', 'cross_origin'] as const) {
      const { outcome, at } = next(kind);
      expect(outcome.status, kind).toBe('halt');
      expect(at?.getTime()).toBe(now.getTime() + HALT_RECHECK_MS);
    }
  });

  it('a 401 stops polling until the account is reconnected, worded per provider', () => {
    const generic = next('unauthorized');
    expect(generic.outcome).toMatchObject({ status: 'stop', error: { code: 'caldav_auth_failed' } });
    expect(generic.at).toBeNull();
    expect(next('unauthorized', 'icloud').outcome).toMatchObject({ status: 'stop', error: { code: 'icloud_auth_failed' } });
  });

  it('a busy server is retried with backoff', () => {
    const { outcome } = next('server_error');
    expect(outcome).toMatchObject({ status: 'retry', error: { code: 'caldav_server_error' } });
  });
});
