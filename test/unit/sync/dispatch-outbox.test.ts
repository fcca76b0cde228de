import { describe, expect, it } from 'vitest';
import { appointmentEventUid } from '../../../src/domain/sync/appointment-uid.ts';
import { InjectedCrash, simpleEvent } from '../../support/in-memory-sync.ts';
import { at, createHarness, type Harness } from './harness.ts';

const LEASE = 5 * 60_000;

function eventsOf(h: Harness, calendarId: keyof Harness['remotes']) {
  return h.remotes[calendarId].objectList().map((o) => ({ href: o.href, ...h.codec.readAppointmentEvent(o.ics) }));
}

function bookA1(h: Harness, userIds = ['u1']): void {
  h.store.book({ id: 'a1', userIds, start: at(0), end: at(1), title: 'Haircut with Ada' });
}

describe('dispatchOutbox — create / update / delete (SPEC §5)', () => {
  it('booked → one event with the stable UID in each assigned user’s primary calendar; the link and etag are recorded', async () => {
    const h = createHarness();
    bookA1(h, ['u1', 'u2']);
    const report = await h.dispatch();
    expect(report.rows.map((r) => r.result.status)).toEqual(['done', 'done']);
    for (const [calendarId, userId] of [
      ['cal-primary', 'u1'],
      ['cal-u2', 'u2'],
    ] as const) {
      const events = eventsOf(h, calendarId);
      expect(events).toMatchObject([{ uid: appointmentEventUid('a1'), start: at(0), end: at(1), summary: 'Haircut with Ada' }]);
      expect(h.store.link('a1', userId)).toMatchObject({
        href: events[0]!.href,
        etag: h.remotes[calendarId].object(events[0]!.href)!.etag,
      });
    }
    expect(h.remotes['cal-primary'].calls).toEqual(['put']);
    expect(eventsOf(h, 'cal-conflict')).toEqual([]);
  });

  it('rescheduled → the same event is updated under If-Match, with a higher SEQUENCE', async () => {
    const h = createHarness();
    bookA1(h);
    await h.dispatch();
    h.store.reschedule('a1', at(5), at(6));
    await h.dispatch();
    expect(eventsOf(h, 'cal-primary')).toMatchObject([{ start: at(5), end: at(6), sequence: 1 }]);
  });

  it('cancelled → the event is deleted and the link forgotten', async () => {
    const h = createHarness();
    bookA1(h);
    await h.dispatch();
    h.store.cancel('a1');
    await h.dispatch();
    expect(eventsOf(h, 'cal-primary')).toEqual([]);
    expect(h.store.link('a1', 'u1')).toBeUndefined();
  });

  it('Simple / Event calendar appointments are not written', async () => {
    const h = createHarness();
    h.store.book({ id: 'a1', userIds: ['u1'], start: at(0), end: at(1), title: 'x', writesToCalendar: false });
    await h.dispatch();
    expect(eventsOf(h, 'cal-primary')).toEqual([]);
    expect(h.remotes['cal-primary'].calls).toEqual([]);
  });

  it('a server that returns no etag on PUT: the next update fetches the etag first instead of writing blindly', async () => {
    const h = createHarness();
    h.remotes['cal-primary'].etagOnWrite = false;
    bookA1(h);
    await h.dispatch();
    expect(h.store.link('a1', 'u1')?.etag).toBeNull();
    h.store.reschedule('a1', at(2), at(3));
    h.remotes['cal-primary'].resetCalls();
    await h.dispatch();
    expect(h.remotes['cal-primary'].calls).toEqual(['get', 'put']);
    expect(eventsOf(h, 'cal-primary')).toMatchObject([{ start: at(2) }]);
  });
});

describe('dispatchOutbox — crashes never duplicate', () => {
  it('crash after a create PUT, before recording it → the retry hits 412, adopts the event, no duplicate', async () => {
    const h = createHarness();
    bookA1(h);
    h.store.armCrash('finishOutboxRow');
    await expect(h.dispatch()).rejects.toBeInstanceOf(InjectedCrash);
    expect(eventsOf(h, 'cal-primary')).toHaveLength(1);
    // Only the write-ahead record survived the crash.
    expect(h.store.link('a1', 'u1')).toMatchObject({ createPending: true, etag: null, pendingWrites: [{ start: at(0), end: at(1) }] });

    // The row is leased: invisible until the lease of the dead worker runs out.
    expect((await h.dispatch()).rows).toEqual([]);
    h.advance(LEASE);
    h.remotes['cal-primary'].resetCalls();
    const report = await h.dispatch();
    expect(report.rows[0]?.steps.map((s) => s.type)).toEqual(['CreateRemote', 'Reconcile', 'Noop']);
    expect(h.remotes['cal-primary'].calls).toEqual(['put', 'get']);
    expect(eventsOf(h, 'cal-primary')).toHaveLength(1);
    expect(h.store.link('a1', 'u1')).toMatchObject({
      createPending: false,
      pendingWrites: [],
      etag: h.remotes['cal-primary'].objectList()[0]!.etag,
    });
  });

  it('crash after a create, then the user moves the event in iCloud → the retry follows the edit instead of overwriting it', async () => {
    const h = createHarness();
    bookA1(h);
    h.store.armCrash('finishOutboxRow');
    await expect(h.dispatch()).rejects.toBeInstanceOf(InjectedCrash);
    const href = h.remotes['cal-primary'].objectList()[0]!.href;
    h.remotes['cal-primary'].userPut(
      href,
      simpleEvent({ uid: appointmentEventUid('a1'), start: at(6), end: at(7), summary: 'Haircut with Ada' }),
    );
    h.advance(LEASE);
    await h.dispatch();
    expect(h.store.appointment('a1')).toMatchObject({ start: at(6), end: at(7), remoteEdits: 1 });
    expect(eventsOf(h, 'cal-primary')).toMatchObject([{ start: at(6) }]);
  });

  it('crash after a create, then a reschedule → adopted and updated, still one event', async () => {
    const h = createHarness();
    bookA1(h);
    h.store.armCrash('finishOutboxRow');
    await expect(h.dispatch()).rejects.toBeInstanceOf(InjectedCrash);
    h.store.reschedule('a1', at(3), at(4));
    h.advance(LEASE);
    await h.dispatch();
    expect(eventsOf(h, 'cal-primary')).toMatchObject([{ start: at(3), end: at(4) }]);
    expect(h.store.appointment('a1')).toMatchObject({ start: at(3), remoteEdits: 0 });
  });

  it('crash after an update PUT → the retry sees its own write, adopts it, and is not mistaken for an iCloud edit', async () => {
    const h = createHarness();
    bookA1(h);
    await h.dispatch();
    h.store.reschedule('a1', at(3), at(4));
    h.store.armCrash('finishOutboxRow');
    await expect(h.dispatch()).rejects.toBeInstanceOf(InjectedCrash);
    h.advance(LEASE);
    await h.dispatch();
    expect(eventsOf(h, 'cal-primary')).toMatchObject([{ start: at(3), end: at(4) }]);
    expect(h.store.appointment('a1')).toMatchObject({ start: at(3), remoteEdits: 0 });
    expect(h.store.outboxRows().every((r) => r.status === 'done')).toBe(true);
  });

  it('crash after an update PUT, then another reschedule → the unrecorded write is recognised as ours, the newest time wins', async () => {
    const h = createHarness();
    bookA1(h);
    await h.dispatch();
    h.store.reschedule('a1', at(0), at(2));
    h.store.armCrash('finishOutboxRow');
    await expect(h.dispatch()).rejects.toBeInstanceOf(InjectedCrash);
    h.store.reschedule('a1', at(1), at(3));
    h.advance(LEASE);
    await h.dispatch();
    expect(h.store.appointment('a1')).toMatchObject({ start: at(1), end: at(3), remoteEdits: 0 });
    expect(eventsOf(h, 'cal-primary')).toMatchObject([{ start: at(1), end: at(3) }]);
  });

  it('crash while recording the write-ahead intent → nothing was sent, the retry simply writes', async () => {
    const h = createHarness();
    bookA1(h);
    h.store.armCrash('recordWriteIntent');
    await expect(h.dispatch()).rejects.toBeInstanceOf(InjectedCrash);
    expect(h.remotes['cal-primary'].calls).toEqual([]);
    h.advance(LEASE);
    await h.dispatch();
    expect(eventsOf(h, 'cal-primary')).toHaveLength(1);
  });

  it('cancelled after a crashed create (nothing recorded) → the event left at the derived href is deleted', async () => {
    const h = createHarness();
    bookA1(h);
    h.store.armCrash('finishOutboxRow');
    await expect(h.dispatch()).rejects.toBeInstanceOf(InjectedCrash);
    h.store.cancel('a1');
    h.advance(LEASE);
    await h.dispatch();
    expect(eventsOf(h, 'cal-primary')).toEqual([]);
  });
});

describe('dispatchOutbox — 412: edited in iCloud meanwhile (never blindly overwritten)', () => {
  function moveInICloud(h: Harness, startHour: number, title = 'Haircut with Ada'): void {
    h.remotes['cal-primary'].beforeNextWrite = (href) =>
      h.remotes['cal-primary'].userPut(
        href,
        simpleEvent({ uid: appointmentEventUid('a1'), start: at(startHour), end: at(startHour + 1), summary: title }),
      );
  }

  it('moved in iCloud while we rescheduled → the iCloud edit wins, the appointment follows, the remote is not overwritten', async () => {
    const h = createHarness();
    bookA1(h);
    await h.dispatch();
    h.store.reschedule('a1', at(5), at(6));
    moveInICloud(h, 8, 'Haircut (moved)');
    const report = await h.dispatch();
    expect(report.rows[0]?.steps.map((s) => s.type)).toEqual(['UpdateRemote', 'Reconcile', 'Noop']);
    expect(h.store.appointment('a1')).toMatchObject({ start: at(8), end: at(9), title: 'Haircut (moved)', remoteEdits: 1 });
    expect(eventsOf(h, 'cal-primary')).toMatchObject([{ start: at(8), summary: 'Haircut (moved)' }]);
  });

  it('a back-flow onto another booking is kept and flagged', async () => {
    const h = createHarness();
    bookA1(h);
    h.store.book({ id: 'a2', userIds: ['u1'], start: at(8), end: at(9), title: 'Other' });
    await h.dispatch();
    h.store.reschedule('a1', at(5), at(6));
    moveInICloud(h, 8);
    await h.dispatch();
    expect(h.store.appointment('a1')).toMatchObject({ start: at(8), overlapFlagged: true, overlapsWith: ['a2'] });
  });

  it('a 412 from a change outside time and title → written again under the new etag', async () => {
    const h = createHarness();
    bookA1(h);
    await h.dispatch();
    h.store.reschedule('a1', at(5), at(6));
    h.remotes['cal-primary'].beforeNextWrite = (href) => h.remotes['cal-primary'].flakeEtag(href);
    const report = await h.dispatch();
    expect(report.rows[0]?.steps.map((s) => s.type)).toEqual(['UpdateRemote', 'Reconcile', 'UpdateRemote']);
    expect(eventsOf(h, 'cal-primary')).toMatchObject([{ start: at(5) }]);
    expect(h.store.appointment('a1').remoteEdits).toBe(0);
  });

  it('deleted in iCloud before our update → the appointment is flagged and the event not recreated', async () => {
    const h = createHarness();
    bookA1(h);
    await h.dispatch();
    h.store.reschedule('a1', at(5), at(6));
    h.remotes['cal-primary'].beforeNextWrite = (href) => h.remotes['cal-primary'].userDelete(href);
    await h.dispatch();
    expect(eventsOf(h, 'cal-primary')).toEqual([]);
    expect(h.store.link('a1', 'u1')?.removedRemotely).toBe(true);
    expect(h.store.appointment('a1').status).toBe('confirmed');
  });

  it('edited in iCloud before our delete → deleted under the etag just seen', async () => {
    const h = createHarness();
    bookA1(h);
    await h.dispatch();
    h.store.cancel('a1');
    moveInICloud(h, 8);
    const report = await h.dispatch();
    expect(report.rows[0]?.steps.map((s) => s.type)).toEqual(['DeleteRemote', 'Reconcile', 'DeleteRemote']);
    expect(eventsOf(h, 'cal-primary')).toEqual([]);
  });
});

describe('dispatchOutbox — failures: retried with backoff, never dropped', () => {
  it('a failing write is retried later (Retry-After honoured) and then succeeds', async () => {
    const h = createHarness();
    bookA1(h);
    h.remotes['cal-primary'].failWrites = 1;
    const report = await h.dispatch();
    expect(report.rows[0]?.result).toMatchObject({ status: 'retry', attempt: 1, notBefore: new Date(h.clock.now.getTime() + 60_000) });
    expect(h.store.outboxRows()[0]).toMatchObject({ status: 'pending', attempt: 1 });
    expect((await h.dispatch()).rows).toEqual([]);
    h.advance(60_000);
    expect((await h.dispatch()).rows[0]?.result.status).toBe('done');
    expect(eventsOf(h, 'cal-primary')).toHaveLength(1);
  });

  it('revoked access (401) parks the row as failed — kept, not retried in a loop, nothing deleted', async () => {
    const h = createHarness();
    bookA1(h);
    await h.dispatch();
    h.store.cancel('a1');
    h.remotes['cal-primary'].writeFailure = 'access_denied';
    h.remotes['cal-primary'].failWrites = 1;
    const report = await h.dispatch();
    expect(report.rows[0]?.result).toMatchObject({ status: 'failed', attempt: 1, error: expect.stringMatching(/RemoteAccessDenied/) });
    expect(h.store.outboxRows().at(-1)).toMatchObject({ status: 'failed' });
    expect(eventsOf(h, 'cal-primary')).toHaveLength(1);
    h.advance(24 * 3_600_000);
    expect((await h.dispatch()).rows).toEqual([]);
  });

  it('an answer Tandem will not accept (hostile XML) parks the row as failed with the classifier’s words, not "busy, will retry"', async () => {
    const h = createHarness();
    bookA1(h);
    h.remotes['cal-primary'].writeFailure = 'refused';
    h.remotes['cal-primary'].failWrites = 1;
    const report = await h.dispatch();
    expect(report.rows[0]?.result).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: expect.stringMatching(/^caldav_refused_response: .*will not accept/),
    });
    expect(report.rows[0]?.result).not.toMatchObject({ error: expect.stringMatching(/busy|unreachable|will try again/i) });
    h.advance(24 * 3_600_000);
    expect((await h.dispatch()).rows).toEqual([]);
  });

  it('one failing user does not hold up the others', async () => {
    const h = createHarness();
    bookA1(h, ['u1', 'u2']);
    h.remotes['cal-primary'].failWrites = 5;
    const report = await h.dispatch();
    expect(report.rows.map((r) => r.result.status)).toEqual(['retry', 'done']);
    expect(eventsOf(h, 'cal-u2')).toHaveLength(1);
  });
});

describe('dispatchOutbox — the primary calendar changes (issue 12.3)', () => {
  const moved = async (h: Harness) => {
    bookA1(h);
    await h.dispatch();
    h.store.setPrimaryCalendar('u1', 'cal-conflict');
  };

  it('the copy leaves the former calendar before the event is written to the new one, once', async () => {
    const h = createHarness();
    await moved(h);
    h.remotes['cal-primary'].resetCalls();
    const report = await h.dispatch();
    expect(report.rows[0]?.steps.map((s) => s.type)).toEqual(['DeleteRemote', 'CreateRemote']);
    expect(eventsOf(h, 'cal-primary')).toEqual([]);
    expect(eventsOf(h, 'cal-conflict')).toMatchObject([{ uid: appointmentEventUid('a1') }]);
    expect(h.store.link('a1', 'u1')).toMatchObject({ calendarId: 'cal-conflict' });
  });

  it('a busy former calendar: the row is retried and the move waits, rather than leaving a copy behind', async () => {
    const h = createHarness();
    await moved(h);
    h.remotes['cal-primary'].failWrites = 1;
    expect((await h.dispatch()).rows[0]?.result).toMatchObject({ status: 'retry' });
    expect(h.store.link('a1', 'u1')).toMatchObject({ calendarId: 'cal-primary' });
    expect(eventsOf(h, 'cal-conflict')).toEqual([]);
    h.advance(60_000);
    expect((await h.dispatch()).rows[0]?.result.status).toBe('done');
    expect(eventsOf(h, 'cal-primary')).toEqual([]);
    expect(eventsOf(h, 'cal-conflict')).toHaveLength(1);
  });

  it('access to the former calendar refused, or read-only: the copy stays, the event is written to the new one, and the step says why', async () => {
    const denied = createHarness();
    await moved(denied);
    denied.remotes['cal-primary'].failWrites = 1;
    denied.remotes['cal-primary'].writeFailure = 'access_denied';
    const report = await denied.dispatch();
    expect(report.rows[0]?.result.status).toBe('done');
    expect(report.rows[0]?.steps.at(-1)?.reason).toMatch(/the copy in the former calendar stays: removing it failed/);
    expect(eventsOf(denied, 'cal-primary')).toHaveLength(1);
    expect(eventsOf(denied, 'cal-conflict')).toHaveLength(1);

    const readOnly = createHarness();
    await moved(readOnly);
    readOnly.store.readOnlyCalendars.add('cal-primary');
    readOnly.remotes['cal-primary'].resetCalls();
    const written = await readOnly.dispatch();
    expect(readOnly.remotes['cal-primary'].calls).toEqual([]);
    expect(written.rows[0]?.steps.at(-1)?.reason).toMatch(/stays: the former calendar is read-only/);
    expect(eventsOf(readOnly, 'cal-conflict')).toHaveLength(1);
  });
});
