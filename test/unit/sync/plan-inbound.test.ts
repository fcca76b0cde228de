import { describe, expect, it } from 'vitest';
import { appointmentEventUid } from '../../../src/domain/sync/appointment-uid.ts';
import { savedItemsAfter, type InboundAction } from '../../../src/domain/sync/inbound-actions.ts';
import { diffCompleteListing, hrefsToFetch } from '../../../src/domain/sync/listing-diff.ts';
import { planInbound } from '../../../src/domain/sync/plan-inbound.ts';
import { isPacked, type ImportedOccurrence, type ItemOccurrences } from '../../../src/domain/sync/types.ts';
import { appointment, fetchedEvent, hours, link, occurrence, planInput, savedItem, SPAN_END, unreadable, WINDOW } from './builders.ts';

/** The planner passes occurrences on as they came; these tests give them listed. */
function listed(occurrences: ItemOccurrences): ImportedOccurrence[] {
  if (isPacked(occurrences)) throw new Error('packed occurrences in a planner test');
  return occurrences;
}

const types = (actions: InboundAction[]): string[] => actions.map((a) => a.type);

function only<T extends InboundAction['type']>(actions: InboundAction[], type: T): Extract<InboundAction, { type: T }> {
  expect(types(actions)).toEqual([type]);
  return actions[0] as Extract<InboundAction, { type: T }>;
}

describe('planInbound — events of the user (SPEC §5)', () => {
  it('event created in iCloud (primary calendar) → an imported blocked slot with its occurrences', () => {
    const occurrences = [occurrence(hours(2), hours(3)), occurrence(hours(26), hours(27))];
    const action = only(planInbound(planInput({ fetched: [fetchedEvent('/p/e1.ics', { occurrences })] })), 'ImportItem');
    expect(action).toMatchObject({
      href: '/p/e1.ics',
      etag: '"s2"',
      contentHash: 'h2',
      uid: 'uid-/p/e1.ics',
      occurrences,
      expandedUntil: SPAN_END,
    });
    expect(action.reason).toMatch(/new remote event/);
  });

  it('event created in a conflict calendar → an imported blocked slot too', () => {
    const input = planInput({ calendar: { id: 'cal-conflict', userId: 'u1', isPrimary: false }, fetched: [fetchedEvent('/c/e1.ics')] });
    expect(listed(only(planInbound(input), 'ImportItem').occurrences)[0]!.blocks).toBe(true);
  });

  it('no action of an inbound plan creates a contact, whatever the event carries', () => {
    const actions = planInbound(planInput({ fetched: [fetchedEvent('/p/e1.ics'), fetchedEvent('/p/e2.ics')] }));
    const known = new Set([
      'ImportItem',
      'UpdateImportedItem',
      'SkipUnchanged',
      'RemoveImportedItem',
      'TrackAppointmentEvent',
      'UpdateAppointmentFromRemote',
      'MarkAppointmentRemovedRemotely',
      'RecordUnreadableItem',
      'ForgetItem',
      'RefuseEmptyCalendar',
    ]);
    for (const action of actions) {
      expect(known.has(action.type)).toBe(true);
      expect(JSON.stringify(action)).not.toMatch(/contact/i);
    }
  });

  it('imported event edited in iCloud (content hash changed) → the blocked slot follows', () => {
    const occurrences = [occurrence(hours(5), hours(6))];
    const input = planInput({ savedItems: [savedItem('/p/e1.ics')], fetched: [fetchedEvent('/p/e1.ics', { occurrences })] });
    const action = only(planInbound(input), 'UpdateImportedItem');
    expect(action.occurrences).toEqual(occurrences);
    expect(action.reason).toMatch(/changed/);
  });

  it('etag changed but the content hash did not → SkipUnchanged (only the etag is recorded)', () => {
    const input = planInput({
      savedItems: [savedItem('/p/e1.ics', { contentHash: 'h2' })],
      fetched: [fetchedEvent('/p/e1.ics', { contentHash: 'h2', etag: '"flaky"' })],
    });
    expect(only(planInbound(input), 'SkipUnchanged')).toEqual({
      type: 'SkipUnchanged',
      href: '/p/e1.ics',
      etag: '"flaky"',
      reason: expect.any(String),
    });
  });

  it('same content but the stored expansion no longer covers the window → re-expanded', () => {
    const input = planInput({
      savedItems: [savedItem('/p/e1.ics', { contentHash: 'h2', expandedUntil: new Date(WINDOW.to.getTime() - 1) })],
      fetched: [fetchedEvent('/p/e1.ics', { contentHash: 'h2' })],
    });
    expect(only(planInbound(input), 'UpdateImportedItem').reason).toMatch(/window moved/);
  });

  it('imported event deleted in iCloud → the blocked slot is removed', () => {
    const input = planInput({ savedItems: [savedItem('/p/e1.ics'), savedItem('/p/e2.ics')], deleted: ['/p/e1.ics'] });
    expect(only(planInbound(input), 'RemoveImportedItem').href).toBe('/p/e1.ics');
  });

  it('a deletion of something we never held is nothing to do', () => {
    const input = planInput({ savedItems: [savedItem('/p/e1.ics')], deleted: ['/p/unknown.ics'] });
    expect(planInbound(input)).toEqual([]);
  });

  it('a calendar that suddenly lists nothing never wipes its slots (StorageEmpty guard)', () => {
    const input = planInput({ savedItems: [savedItem('/p/e1.ics'), savedItem('/p/e2.ics')], deleted: ['/p/e1.ics', '/p/e2.ics'] });
    const action = only(planInbound(input), 'RefuseEmptyCalendar');
    expect(action.heldItems).toBe(2);
  });

  it('…unless the user confirmed it is empty', () => {
    const input = planInput({ savedItems: [savedItem('/p/e1.ics')], deleted: ['/p/e1.ics'], allowEmpty: true });
    expect(types(planInbound(input))).toEqual(['RemoveImportedItem']);
  });

  it('deleting everything while something new arrives is not an empty calendar', () => {
    const input = planInput({ savedItems: [savedItem('/p/e1.ics')], deleted: ['/p/e1.ics'], fetched: [fetchedEvent('/p/e2.ics')] });
    expect(types(planInbound(input))).toEqual(['ImportItem', 'RemoveImportedItem']);
  });

  it('free, cancelled and declined events are stored but flagged non-blocking (the flag comes from expansion)', () => {
    const occurrences = [occurrence(hours(2), hours(3), { blocks: false, status: 'CANCELLED' })];
    expect(only(planInbound(planInput({ fetched: [fetchedEvent('/p/e1.ics', { occurrences })] })), 'ImportItem').occurrences).toEqual(
      occurrences,
    );
  });

  it('an event expanding to no occurrence in the window is still held (it exists remotely)', () => {
    const action = only(planInbound(planInput({ fetched: [fetchedEvent('/p/far.ics', { occurrences: [] })] })), 'ImportItem');
    expect(action.occurrences).toEqual([]);
  });

  it('an unreadable event is recorded with its error; the others are planned as usual', () => {
    const actions = planInbound(planInput({ fetched: [unreadable('/p/bad.ics'), fetchedEvent('/p/ok.ics')] }));
    expect(types(actions)).toEqual(['RecordUnreadableItem', 'ImportItem']);
    expect(actions[0]).toMatchObject({ href: '/p/bad.ics', error: 'DTSTART missing' });
  });

  it('an imported event that becomes unreadable stops blocking (recorded as unreadable)', () => {
    const input = planInput({ savedItems: [savedItem('/p/e1.ics')], fetched: [unreadable('/p/e1.ics')] });
    expect(only(planInbound(input), 'RecordUnreadableItem').reason).toMatch(/cannot read/);
  });

  it('an unreadable object deleted remotely is forgotten', () => {
    const input = planInput({
      savedItems: [savedItem('/p/bad.ics', { kind: 'unreadable' }), savedItem('/p/ok.ics')],
      deleted: ['/p/bad.ics'],
    });
    expect(only(planInbound(input), 'ForgetItem').href).toBe('/p/bad.ics');
  });
});

describe('planInbound — events of our appointments (SPEC §5)', () => {
  const a = appointment();
  const l = link(a);
  const uid = appointmentEventUid(a.id);
  const ours = (event: { start: Date; end: Date; title: string }, etag = '"w2"') =>
    fetchedEvent(l.href, { uid, etag, contentHash: 'hw2', event });

  it('our event as we wrote it (echo of our own PUT) → tracked, the link adopts the etag, the appointment is untouched', () => {
    const action = only(planInbound(planInput({ fetched: [ours(a)], linked: [{ appointment: a, link: l }] })), 'TrackAppointmentEvent');
    expect(action.link).toEqual({ appointmentId: a.id, userId: 'u1', expectedEtag: '"w1"', etag: '"w2"', written: l.written });
  });

  it('appointment event moved in iCloud → the appointment follows', () => {
    const moved = { start: hours(4), end: hours(5), title: a.title };
    const action = only(
      planInbound(planInput({ fetched: [ours(moved)], linked: [{ appointment: a, link: l }] })),
      'UpdateAppointmentFromRemote',
    );
    expect(action).toMatchObject({
      appointmentId: a.id,
      userId: 'u1',
      expectedVersion: 'v1',
      start: hours(4),
      end: hours(5),
      title: a.title,
      overlapFlagged: false,
    });
    expect(action.link.written).toMatchObject({ start: hours(4), end: hours(5), detailsHash: l.written.detailsHash });
    expect(action.reason).toMatch(/moved in iCloud/);
  });

  it('appointment event retitled in iCloud → the appointment takes the title', () => {
    const action = only(
      planInbound(planInput({ fetched: [ours({ ...a, title: 'Haircut (bring photos)' })], linked: [{ appointment: a, link: l }] })),
      'UpdateAppointmentFromRemote',
    );
    expect(action.title).toBe('Haircut (bring photos)');
    expect(action.reason).toMatch(/retitled/);
  });

  it('moved onto another booking → kept, and the overlap is flagged (not refused)', () => {
    const moved = { start: hours(4), end: hours(5), title: a.title };
    const input = planInput({
      fetched: [ours(moved)],
      linked: [{ appointment: a, link: l }],
      otherAppointments: [
        { id: a.id, start: hours(4), end: hours(5) },
        { id: 'a2', start: hours(4.5), end: hours(6) },
        { id: 'a3', start: hours(5), end: hours(6) },
      ],
    });
    const action = only(planInbound(input), 'UpdateAppointmentFromRemote');
    expect(action.overlapFlagged).toBe(true);
    expect(action.overlapsWith).toEqual(['a2']);
  });

  it('a local reschedule still waiting in the outbox is not mistaken for an iCloud edit', () => {
    const rescheduled = { ...a, start: hours(7), end: hours(8), version: 'v2' };
    const action = only(
      planInbound(planInput({ fetched: [ours(a)], linked: [{ appointment: rescheduled, link: l }] })),
      'TrackAppointmentEvent',
    );
    expect(action.link?.written).toEqual(l.written);
  });

  it("remote already shows the appointment's current time (our unrecorded write) → tracked, the link records it", () => {
    const rescheduled = { ...a, start: hours(7), end: hours(8), version: 'v2' };
    const action = only(
      planInbound(planInput({ fetched: [ours(rescheduled)], linked: [{ appointment: rescheduled, link: l }] })),
      'TrackAppointmentEvent',
    );
    expect(action.link?.written).toMatchObject({ start: hours(7), end: hours(8) });
  });

  it('our event before the dispatcher recorded it (crash after the PUT) → tracked without touching the appointment or link', () => {
    const action = only(planInbound(planInput({ fetched: [ours(a)], linked: [{ appointment: a, link: null }] })), 'TrackAppointmentEvent');
    expect(action.link).toBeNull();
  });

  it('the event of a cancelled appointment is tracked, never followed (the outbox deletes it)', () => {
    const cancelled = { ...a, status: 'cancelled' as const };
    const action = only(
      planInbound(
        planInput({ fetched: [ours({ start: hours(9), end: hours(10), title: 'x' })], linked: [{ appointment: cancelled, link: l }] }),
      ),
      'TrackAppointmentEvent',
    );
    expect(action.link).toBeNull();
  });

  it('our event whose content did not change → SkipUnchanged', () => {
    const input = planInput({
      savedItems: [savedItem(l.href, { kind: 'appointment', contentHash: 'hw2', uid })],
      fetched: [ours(a, '"flaky"')],
      linked: [{ appointment: a, link: l }],
    });
    expect(only(planInbound(input), 'SkipUnchanged').etag).toBe('"flaky"');
  });

  it('our event that no longer reads as one event → unreadable, the appointment is unchanged', () => {
    const input = planInput({ fetched: [fetchedEvent(l.href, { uid, event: null })], linked: [{ appointment: a, link: l }] });
    expect(only(planInbound(input), 'RecordUnreadableItem').reason).toMatch(/appointment is unchanged/);
  });

  it("appointment's event deleted in iCloud → the appointment is kept and flagged (not recreated)", () => {
    const input = planInput({
      savedItems: [savedItem(l.href, { kind: 'appointment', uid }), savedItem('/p/other.ics')],
      deleted: [l.href],
      linked: [{ appointment: a, link: l }],
    });
    expect(only(planInbound(input), 'MarkAppointmentRemovedRemotely')).toMatchObject({
      appointmentId: a.id,
      userId: 'u1',
      expectedLinkEtag: '"w1"',
    });
  });

  it('our own delete of a cancelled appointment coming back as a deletion → forgotten, nothing flagged', () => {
    const cancelled = { ...a, status: 'cancelled' as const };
    const input = planInput({
      savedItems: [savedItem(l.href, { kind: 'appointment', uid }), savedItem('/p/other.ics')],
      deleted: [l.href],
      linked: [{ appointment: cancelled, link: null }],
    });
    expect(only(planInbound(input), 'ForgetItem').href).toBe(l.href);
  });

  it('our appointment in a conflict calendar → shown as an imported slot that does not block (it is the appointment)', () => {
    const input = planInput({
      calendar: { id: 'cal-conflict', userId: 'u1', isPrimary: false },
      fetched: [fetchedEvent('/c/copy.ics', { uid, event: a })],
      linked: [{ appointment: a, link: l }],
    });
    const action = only(planInbound(input), 'ImportItem');
    expect(listed(action.occurrences).every((o) => !o.blocks)).toBe(true);
  });

  it('an appointment UID of an appointment this user is not assigned to is an ordinary imported event', () => {
    const input = planInput({ fetched: [fetchedEvent('/p/foreign.ics', { uid: appointmentEventUid('not-ours'), event: a })] });
    expect(listed(only(planInbound(input), 'ImportItem').occurrences)[0]!.blocks).toBe(true);
  });
});

describe('savedItemsAfter (the status the store holds after a batch)', () => {
  it('follows each action: import, skip keeps the rest of the item, remove deletes', () => {
    const saved = new Map([
      ['/p/a.ics', savedItem('/p/a.ics')],
      ['/p/b.ics', savedItem('/p/b.ics')],
    ]);
    const after = savedItemsAfter(saved, [
      {
        type: 'ImportItem',
        href: '/p/c.ics',
        etag: '"c"',
        contentHash: 'hc',
        uid: 'c',
        occurrences: [],
        expandedUntil: SPAN_END,
        reason: '',
      },
      { type: 'SkipUnchanged', href: '/p/a.ics', etag: '"a2"', reason: '' },
      { type: 'RemoveImportedItem', href: '/p/b.ics', reason: '' },
    ]);
    expect([...after.keys()].sort()).toEqual(['/p/a.ics', '/p/c.ics']);
    expect(after.get('/p/a.ics')).toEqual({ ...savedItem('/p/a.ics'), etag: '"a2"' });
    expect(after.get('/p/c.ics')).toMatchObject({ kind: 'imported', etag: '"c"', contentHash: 'hc' });
  });
});

describe('listing diffs', () => {
  const saved = new Map([
    ['/p/same.ics', savedItem('/p/same.ics', { etag: '"1"' })],
    ['/p/changed.ics', savedItem('/p/changed.ics', { etag: '"1"' })],
    ['/p/gone.ics', savedItem('/p/gone.ics', { etag: '"1"' })],
    ['/p/stale.ics', savedItem('/p/stale.ics', { etag: '"1"', expandedUntil: hours(0) })],
  ]);

  it('an incremental answer fetches only new, changed or etag-less members', () => {
    expect(
      hrefsToFetch(saved, [
        { href: '/p/same.ics', etag: '"1"' },
        { href: '/p/changed.ics', etag: '"2"' },
        { href: '/p/new.ics', etag: '"1"' },
        { href: '/p/same.ics', etag: null },
      ]),
    ).toEqual(['/p/changed.ics', '/p/new.ics']);
  });

  it('a complete listing also yields deletions, and stale expansions on request', () => {
    const listing = [
      { href: '/p/same.ics', etag: '"1"' },
      { href: '/p/changed.ics', etag: '"2"' },
      { href: '/p/stale.ics', etag: '"1"' },
    ];
    expect(diffCompleteListing(saved, listing)).toEqual({ toFetch: ['/p/changed.ics'], deleted: ['/p/gone.ics'] });
    expect(diffCompleteListing(saved, listing, { refreshStale: WINDOW })).toEqual({
      toFetch: ['/p/changed.ics', '/p/stale.ics'],
      deleted: ['/p/gone.ics'],
    });
  });
});
