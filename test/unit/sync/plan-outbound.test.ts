import { describe, expect, it } from 'vitest';
import { appointmentEventUid, appointmentIdFromUid, eventResourceName } from '../../../src/domain/sync/appointment-uid.ts';
import { desiredSnapshot } from '../../../src/domain/sync/desired-event.ts';
import { planOutbound, type OutboundPlanInput } from '../../../src/domain/sync/plan-outbound.ts';
import { reconcileConflict } from '../../../src/domain/sync/reconcile-conflict.ts';
import { appointment, hours, link } from './builders.ts';

const PRIMARY_HREF = '/cal/primary/tandem-a1-tandem.ics';

function input(overrides: Partial<OutboundPlanInput> = {}): OutboundPlanInput {
  return {
    userId: 'u1',
    appointmentId: 'a1',
    appointment: appointment(),
    primaryCalendarId: 'cal-primary',
    primaryHref: PRIMARY_HREF,
    link: null,
    ...overrides,
  };
}

describe('planOutbound (SPEC §5: booked / rescheduled / cancelled → create / update / delete)', () => {
  it('booked → CreateRemote (If-None-Match: *) at the href derived from the stable UID', () => {
    expect(planOutbound(input())).toEqual({
      type: 'CreateRemote',
      calendarId: 'cal-primary',
      href: PRIMARY_HREF,
      sequence: 0,
      snapshot: desiredSnapshot(appointment()),
      reason: 'no event written yet',
    });
  });

  it('rescheduled → UpdateRemote with If-Match: the recorded etag, and a higher SEQUENCE', () => {
    const before = appointment();
    const after = { ...before, start: hours(3), end: hours(4), version: 'v2' };
    const action = planOutbound(input({ appointment: after, link: link(before, { sequence: 2 }) }));
    expect(action).toMatchObject({ type: 'UpdateRemote', href: link(before).href, ifMatch: '"w1"', sequence: 3 });
  });

  it('contact details changed (description) → UpdateRemote too', () => {
    const before = appointment();
    expect(planOutbound(input({ appointment: { ...before, description: 'new phone' }, link: link(before) })).type).toBe('UpdateRemote');
  });

  it('nothing changed since our last write → Noop (a duplicate row is harmless)', () => {
    expect(planOutbound(input({ link: link(appointment()) })).type).toBe('Noop');
  });

  it('cancelled → DeleteRemote with If-Match', () => {
    const a = appointment();
    expect(planOutbound(input({ appointment: { ...a, status: 'cancelled' }, link: link(a) }))).toMatchObject({
      type: 'DeleteRemote',
      href: link(a).href,
      ifMatch: '"w1"',
    });
  });

  it('cancelled with no recorded write → looks at the derived href (a crashed create may have left an event)', () => {
    expect(planOutbound(input({ appointment: { ...appointment(), status: 'cancelled' } }))).toMatchObject({
      type: 'DeleteRemote',
      href: PRIMARY_HREF,
      ifMatch: null,
    });
  });

  it('a user no longer assigned (reassigned) → their event is deleted', () => {
    const a = appointment();
    expect(planOutbound(input({ appointment: { ...a, assignedUserIds: ['u2'] }, link: link(a) })).type).toBe('DeleteRemote');
  });

  it('the row says delete but the appointment is confirmed again → state wins, nothing is deleted', () => {
    const a = appointment();
    expect(planOutbound(input({ appointment: a, link: link(a) })).type).toBe('Noop');
  });

  it('Simple and Event calendar types are never written to iCloud', () => {
    expect(planOutbound(input({ appointment: appointment({ writesToCalendar: false }) }))).toMatchObject({ type: 'Noop' });
  });

  it('the user has no primary calendar → Noop', () => {
    expect(planOutbound(input({ primaryCalendarId: null, primaryHref: null })).reason).toMatch(/no primary calendar/);
  });

  it('the user deleted the event in iCloud (flagged) → Noop: never silently recreated', () => {
    const a = appointment();
    const action = planOutbound(
      input({ appointment: { ...a, start: hours(5), end: hours(6) }, link: link(a, { removedRemotely: true, etag: null }) }),
    );
    expect(action).toMatchObject({ type: 'Noop', reason: expect.stringMatching(/not recreated/) });
  });

  it('the primary calendar changed → created in the new one', () => {
    const a = appointment();
    expect(planOutbound(input({ link: link(a, { calendarId: 'cal-old', sequence: 4 }) }))).toMatchObject({
      type: 'CreateRemote',
      calendarId: 'cal-primary',
      sequence: 5,
    });
  });

  it('the primary calendar changed and the former one still takes writes → the old copy is deleted first (issue 12.3)', () => {
    const a = appointment();
    const old = link(a, { calendarId: 'cal-old', sequence: 4 });
    expect(planOutbound(input({ link: old, formerCalendar: { cannotDelete: null } }))).toMatchObject({
      type: 'DeleteRemote',
      calendarId: 'cal-old',
      href: old.href,
      ifMatch: old.etag,
      moving: true,
    });
    // Once it is gone (link forgotten), the event is created in the new primary.
    expect(planOutbound(input({ link: null, formerCalendar: { cannotDelete: null } }))).toMatchObject({
      type: 'CreateRemote',
      calendarId: 'cal-primary',
    });
  });

  it('the former calendar was deleted or is read-only → created in the new one, saying why the copy stays', () => {
    const a = appointment();
    const action = planOutbound(
      input({
        link: link(a, { calendarId: 'cal-old' }),
        formerCalendar: { cannotDelete: 'the former calendar was deleted on the server' },
      }),
    );
    expect(action).toMatchObject({
      type: 'CreateRemote',
      calendarId: 'cal-primary',
      reason: expect.stringMatching(/stays: the former calendar was deleted/),
    });
  });

  it('an unknown etag (server sent none) → UpdateRemote with ifMatch null (the executor fetches it first)', () => {
    const a = appointment();
    expect(planOutbound(input({ appointment: { ...a, title: 'x' }, link: link(a, { etag: null }) }))).toMatchObject({
      type: 'UpdateRemote',
      ifMatch: null,
    });
  });
});

describe('reconcileConflict (a conditional write answered 412)', () => {
  const a = appointment();
  const l = link(a);
  const base = { appointment: a, userId: 'u1', calendarId: 'cal-primary', href: l.href };

  it('remote time/title differ from what we last wrote → the iCloud edit wins (back-flow)', () => {
    const outcome = reconcileConflict({
      ...base,
      appointment: { ...a, start: hours(10), end: hours(11) },
      link: l,
      remote: { etag: '"r"', event: { start: hours(4), end: hours(5), title: a.title, sequence: 1 } },
    });
    expect(outcome.remoteEdit).toEqual({ start: hours(4), end: hours(5), title: a.title });
    expect(outcome.link).toMatchObject({ etag: '"r"', written: { start: hours(4), end: hours(5) }, sequence: 1 });
  });

  it('remote time/title as we wrote them (another field changed, or a flaky etag) → write again under the new etag', () => {
    const outcome = reconcileConflict({
      ...base,
      link: l,
      remote: { etag: '"r"', event: { start: a.start, end: a.end, title: a.title, sequence: 0 } },
    });
    expect(outcome.remoteEdit).toBeNull();
    expect(outcome.link).toEqual({ ...l, etag: '"r"' });
  });

  it('create that found the event already there with what we want → adopted, nothing to write', () => {
    const outcome = reconcileConflict({
      ...base,
      link: null,
      remote: { etag: '"r"', event: { start: a.start, end: a.end, title: a.title, sequence: 0 } },
    });
    expect(outcome.link.written).toEqual(desiredSnapshot(a));
    expect(planOutbound(input({ link: outcome.link })).type).toBe('Noop');
  });

  it('create that found an outdated copy (rescheduled since the crash) → adopted, then updated under its etag', () => {
    const outcome = reconcileConflict({
      ...base,
      link: null,
      remote: { etag: '"r"', event: { start: hours(-5), end: hours(-4), title: a.title, sequence: 0 } },
    });
    expect(outcome.remoteEdit).toBeNull();
    expect(planOutbound(input({ link: outcome.link }))).toMatchObject({ type: 'UpdateRemote', ifMatch: '"r"' });
  });

  it('an event that no longer reads as one event is rewritten, not followed', () => {
    const outcome = reconcileConflict({ ...base, link: l, remote: { etag: '"r"', event: null } });
    expect(outcome.remoteEdit).toBeNull();
    expect(planOutbound(input({ link: outcome.link }))).toMatchObject({ type: 'UpdateRemote', ifMatch: '"r"' });
  });
});

describe('stable UIDs and hrefs', () => {
  it('round-trips the appointment id and derives a URL-safe file name', () => {
    const uid = appointmentEventUid('5f0c/9');
    expect(appointmentIdFromUid(uid)).toBe('5f0c/9');
    expect(appointmentIdFromUid('someone-else@icloud.com')).toBeNull();
    expect(eventResourceName(uid)).toBe('tandem-5f0c-9-tandem.ics');
  });
});
