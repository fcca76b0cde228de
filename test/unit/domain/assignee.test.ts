import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chooseAssignee, type AssigneeCandidate } from '../../../src/domain/assignee.ts';

const c = (userId: string, priority: number, freeMinutesThatDay: number, recentAppointments: number): AssigneeCandidate => ({
  userId,
  priority,
  freeMinutesThatDay,
  recentAppointments,
});

describe('chooseAssignee', () => {
  const team = [c('ann', 1, 120, 5), c('bob', 0, 300, 9), c('cy', 2, 60, 2)];

  it('availability: the member with the most free time that day', () => {
    expect(chooseAssignee(team, 'availability')).toBe('bob');
  });

  it('equal: the member with the fewest recent appointments', () => {
    expect(chooseAssignee(team, 'equal')).toBe('cy');
  });

  it('ties go to the higher priority, then to the smaller userId', () => {
    expect(chooseAssignee([c('ann', 1, 100, 3), c('bob', 5, 100, 3)], 'availability')).toBe('bob');
    expect(chooseAssignee([c('ann', 1, 100, 3), c('bob', 5, 100, 3)], 'equal')).toBe('bob');
    expect(chooseAssignee([c('zed', 1, 100, 3), c('amy', 1, 100, 3)], 'availability')).toBe('amy');
    expect(chooseAssignee([c('zed', 1, 100, 3), c('amy', 1, 100, 3)], 'equal')).toBe('amy');
  });

  it('each mode ignores the other mode’s measure', () => {
    expect(chooseAssignee([c('a', 0, 100, 0), c('b', 0, 200, 50)], 'availability')).toBe('b');
    expect(chooseAssignee([c('a', 0, 100, 0), c('b', 0, 200, 50)], 'equal')).toBe('a');
  });

  it('needs a candidate', () => {
    expect(() => chooseAssignee([], 'equal')).toThrow(RangeError);
  });

  it('property: the choice does not depend on input order and is never beaten', () => {
    const candidate = fc.record({
      userId: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
      priority: fc.integer({ min: 0, max: 3 }),
      freeMinutesThatDay: fc.integer({ min: 0, max: 10 }).map((n) => n * 30),
      recentAppointments: fc.integer({ min: 0, max: 5 }),
    });
    const unique = fc.uniqueArray(candidate, { minLength: 1, maxLength: 6, selector: (x) => x.userId });
    fc.assert(
      fc.property(
        unique,
        fc.constantFrom('availability', 'equal') as fc.Arbitrary<'availability' | 'equal'>,
        fc.nat(),
        (xs, mode, seed) => {
          const chosen = chooseAssignee(xs, mode);
          const shuffled = [...xs].sort((p, q) => ((p.userId.charCodeAt(0) * 31 + seed) % 7) - ((q.userId.charCodeAt(0) * 31 + seed) % 7));
          expect(chooseAssignee(shuffled, mode)).toBe(chosen);
          const winner = xs.find((x) => x.userId === chosen)!;
          const key = (x: AssigneeCandidate): number[] => [
            mode === 'availability' ? -x.freeMinutesThatDay : x.recentAppointments,
            -x.priority,
          ];
          for (const x of xs) {
            const [k1, k2] = key(x);
            const [w1, w2] = key(winner);
            const better = k1! < w1! || (k1 === w1 && (k2! < w2! || (k2 === w2 && x.userId < winner.userId)));
            expect(better, `${x.userId} should have won over ${chosen}`).toBe(false);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
