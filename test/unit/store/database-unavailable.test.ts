import { describe, expect, it } from 'vitest';
import { isDatabaseUnavailable, isUniqueViolation } from '../../../src/store/pg-errors.ts';
import { createReachability, type ReachabilityEvent } from '../../../src/store/reachability.ts';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('isDatabaseUnavailable', () => {
  it('recognises a stopped, restarting or unreachable server', () => {
    for (const error of [
      pgError('57P01', 'terminating connection due to administrator command'),
      pgError('57P02'),
      pgError('57P03', 'the database system is starting up'),
      pgError('08006'),
      pgError('08001'),
      pgError('ECONNREFUSED'),
      pgError('ECONNRESET'),
      pgError('ETIMEDOUT'),
      new Error('Connection terminated unexpectedly'),
      new Error('Connection terminated due to connection timeout'),
      new Error('timeout exceeded when trying to connect'),
      new Error('Client has encountered a connection error and is not queryable'),
      // Node reports `localhost` refused on both ::1 and 127.0.0.1 as one AggregateError.
      new AggregateError([pgError('ECONNREFUSED'), pgError('ECONNREFUSED')], ''),
      new Error('store call failed', { cause: pgError('57P01') }),
    ])
      expect(isDatabaseUnavailable(error), String(error)).toBe(true);
  });

  it('leaves every other failure alone: constraint violations, syntax errors, bugs', () => {
    for (const error of [
      pgError('23505'),
      pgError('23P01'),
      pgError('22P02'),
      pgError('42601'),
      pgError('40001'),
      new TypeError('x is undefined'),
      'text',
      null,
      undefined,
      42,
    ]) {
      expect(isDatabaseUnavailable(error), String(error)).toBe(false);
    }
    expect(isUniqueViolation(pgError('23505'))).toBe(true);
  });
});

describe('reachability', () => {
  it('reports an outage once and its end once, however many calls fail or succeed', () => {
    let clock = 1_000;
    const reachability = createReachability(() => clock);
    const events: ReachabilityEvent[] = [];
    reachability.subscribe((event) => events.push(event));
    reachability.succeeded();
    expect(events).toEqual([]);
    const first = new Error('refused');
    for (let i = 0; i < 5; i++) reachability.failed(i === 0 ? first : new Error('again'));
    expect(reachability.up).toBe(false);
    clock += 7_000;
    reachability.succeeded();
    reachability.succeeded();
    expect(reachability.up).toBe(true);
    expect(events).toEqual([
      { state: 'down', error: first },
      { state: 'up', downForMs: 7_000 },
    ]);
  });
});
