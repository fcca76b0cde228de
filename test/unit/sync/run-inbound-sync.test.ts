import { describe, expect, it } from 'vitest';
import { appointmentEventUid } from '../../../src/domain/sync/appointment-uid.ts';
import { defaultSyncWindow } from '../../../src/domain/sync/sync-window.ts';
import { RemoteAccessDenied } from '../../../src/services/sync/remote-errors.ts';
import { LOG_LINES } from '../../../src/services/sync/run-inbound-sync.ts';
import { InjectedCrash, simpleEvent } from '../../support/in-memory-sync.ts';
import { at, createHarness } from './harness.ts';

const occurrenceStarts = (h: ReturnType<typeof createHarness>, calendarId: 'cal-primary' | 'cal-conflict', href: string) =>
  (h.store.calendar(calendarId).occurrences.get(href) ?? []).map((o) => o.start.toISOString());

describe('runInboundSync — token flow', () => {
  it('first sync imports every event and saves a token; an idle poll is exactly ONE remote call and changes nothing', async () => {
    const h = createHarness();
    const e1 = h.userEvent('cal-primary', 'e1', 0);
    const e2 = h.userEvent('cal-primary', 'e2', 3, 2);
    const first = await h.sync('cal-primary');
    expect(first.path).toBe('listing');
    expect(first.counts).toEqual({ ImportItem: 2 });
    expect(occurrenceStarts(h, 'cal-primary', e1)).toEqual([at(0).toISOString()]);
    expect(h.store.calendar('cal-primary').occurrences.get(e2)?.[0]?.end).toEqual(at(5));
    expect(h.store.calendar('cal-primary').token).not.toBeNull();

    const before = h.store.snapshot();
    h.remotes['cal-primary'].resetCalls();
    const idle = await h.sync('cal-primary');
    expect(h.remotes['cal-primary'].calls).toEqual(['syncCollection']);
    expect(idle.counts).toEqual({});
    expect(h.store.snapshot()).toBe(before);
    expect(h.store.calendar('cal-primary').lastSyncedAt).toEqual(h.clock.now);
  });

  it('incremental: a created, an edited and a deleted event cost one sync-collection and one multiget', async () => {
    const h = createHarness();
    const keep = h.userEvent('cal-primary', 'keep', 0);
    const edit = h.userEvent('cal-primary', 'edit', 1);
    const gone = h.userEvent('cal-primary', 'gone', 2);
    await h.sync('cal-primary');
    h.userEvent('cal-primary', 'edit', 6);
    h.remotes['cal-primary'].userDelete(gone);
    const added = h.userEvent('cal-primary', 'new', 8);
    h.remotes['cal-primary'].resetCalls();

    const report = await h.sync('cal-primary');
    expect(h.remotes['cal-primary'].calls).toEqual(['syncCollection', 'multiget']);
    expect(report.counts).toEqual({ UpdateImportedItem: 1, ImportItem: 1, RemoveImportedItem: 1 });
    expect(occurrenceStarts(h, 'cal-primary', edit)).toEqual([at(6).toISOString()]);
    expect(occurrenceStarts(h, 'cal-primary', added)).toEqual([at(8).toISOString()]);
    expect(h.store.calendar('cal-primary').items.has(gone)).toBe(false);
    expect(h.store.calendar('cal-primary').occurrences.has(gone)).toBe(false);
    expect(h.store.calendar('cal-primary').items.has(keep)).toBe(true);
  });

  it('a flaky etag (same content) is fetched once and only its etag is recorded', async () => {
    const h = createHarness();
    const e1 = h.userEvent('cal-primary', 'e1', 0);
    await h.sync('cal-primary');
    const occurrencesBefore = h.store.calendar('cal-primary').occurrences.get(e1);
    h.remotes['cal-primary'].flakeEtag(e1);
    const report = await h.sync('cal-primary');
    expect(report.counts).toEqual({ SkipUnchanged: 1 });
    expect(h.store.calendar('cal-primary').items.get(e1)?.etag).toBe(h.remotes['cal-primary'].object(e1)?.etag);
    expect(h.store.calendar('cal-primary').occurrences.get(e1)).toEqual(occurrencesBefore);
  });

  it('a refused token falls back to a complete listing: changes and deletions made meanwhile are found, a new token is saved', async () => {
    const h = createHarness();
    const e1 = h.userEvent('cal-primary', 'e1', 0);
    const e2 = h.userEvent('cal-primary', 'e2', 1);
    await h.sync('cal-primary');
    h.remotes['cal-primary'].userDelete(e1);
    h.userEvent('cal-primary', 'e2', 5);
    h.userEvent('cal-primary', 'e3', 7);
    h.remotes['cal-primary'].invalidateTokens();
    h.remotes['cal-primary'].resetCalls();

    const report = await h.sync('cal-primary');
    expect(report.tokenRefused).toBe(true);
    expect(report.path).toBe('listing');
    expect(h.remotes['cal-primary'].calls).toEqual(['syncCollection', 'syncCollection', 'multiget']);
    expect(report.counts).toEqual({ UpdateImportedItem: 1, ImportItem: 1, RemoveImportedItem: 1 });
    expect(occurrenceStarts(h, 'cal-primary', e2)).toEqual([at(5).toISOString()]);
    expect([...h.store.calendar('cal-primary').items.keys()].sort()).toEqual(['/cal/primary/e2.ics', '/cal/primary/e3.ics']);

    h.remotes['cal-primary'].resetCalls();
    await h.sync('cal-primary');
    expect(h.remotes['cal-primary'].calls).toEqual(['syncCollection']);
  });

  it('a truncated answer (507) is applied and continued from the returned token in the same run', async () => {
    const h = createHarness();
    await h.sync('cal-primary');
    for (let i = 0; i < 5; i++) h.userEvent('cal-primary', `e${i}`, i);
    h.remotes['cal-primary'].pageSize = 2;
    const report = await h.sync('cal-primary');
    expect(report.pages).toBe(3);
    expect(report.complete).toBe(true);
    expect(h.store.calendar('cal-primary').items.size).toBe(5);
    h.remotes['cal-primary'].resetCalls();
    await h.sync('cal-primary');
    expect(h.remotes['cal-primary'].calls).toEqual(['syncCollection']);
  });

  it('the page loop is bounded; the next run continues where it stopped', async () => {
    const h = createHarness();
    await h.sync('cal-primary');
    for (let i = 0; i < 5; i++) h.userEvent('cal-primary', `e${i}`, i);
    h.remotes['cal-primary'].pageSize = 2;
    const first = await h.sync('cal-primary', { maxPages: 1 });
    expect(first.complete).toBe(false);
    expect(h.store.calendar('cal-primary').items.size).toBe(2);
    const second = await h.sync('cal-primary', { maxPages: 5 });
    expect(second.complete).toBe(true);
    expect(h.store.calendar('cal-primary').items.size).toBe(5);
  });

  it('a truncated initial listing infers deletions only once every page has been read', async () => {
    const h = createHarness();
    const hrefs = [0, 1, 2, 3].map((i) => h.userEvent('cal-primary', `e${i}`, i));
    await h.sync('cal-primary');
    h.remotes['cal-primary'].userDelete(hrefs[3]!);
    h.remotes['cal-primary'].invalidateTokens();
    h.remotes['cal-primary'].pageSize = 1;
    const report = await h.sync('cal-primary');
    // Three members one per page, then the continuation reports the deletion itself.
    expect(report.pages).toBe(4);
    expect(report.counts).toEqual({ RemoveImportedItem: 1 });
    expect(report.log.at(-1)?.type).toBe('RemoveImportedItem');
    expect(h.store.calendar('cal-primary').items.size).toBe(3);
  });

  it('changed objects are fetched in multiget batches', async () => {
    const h = createHarness();
    for (let i = 0; i < 7; i++) h.userEvent('cal-primary', `e${i}`, i);
    await h.sync('cal-primary', { batchSize: 3, batchesPerRequest: 1 });
    expect(h.remotes['cal-primary'].calls.filter((c) => c === 'multiget')).toHaveLength(3);
    expect(h.store.calendar('cal-primary').items.size).toBe(7);
  });

  it('several batches share one multiget request, each still applied on its own', async () => {
    const h = createHarness();
    for (let i = 0; i < 7; i++) h.userEvent('cal-primary', `e${i}`, i);
    const progress: number[] = [];
    await h.sync('cal-primary', { batchSize: 3, batchesPerRequest: 2, onProgress: ({ done }) => void progress.push(done) });
    // 3 + 3 in the first request, 1 in the second; three transactions, each reported.
    expect(h.remotes['cal-primary'].calls.filter((c) => c === 'multiget')).toHaveLength(2);
    expect(progress).toEqual([3, 6, 7]);
    expect(h.store.calendar('cal-primary').items.size).toBe(7);
  });

  it('a first import applies larger transactions after its first batch; later runs go back to batchSize', async () => {
    const h = createHarness();
    for (let i = 0; i < 13; i++) h.userEvent('cal-primary', `e${i}`, i);
    const progress: number[] = [];
    const options = {
      batchSize: 2,
      batchesPerRequest: 3,
      firstImportBatchSize: 6,
      onProgress: ({ done }: { done: number }) => void progress.push(done),
    };
    await h.sync('cal-primary', options);
    // The first request holds the first transaction only (2 objects), then requests of 6: transactions of 2, 6, 5.
    expect(h.remotes['cal-primary'].calls.filter((c) => c === 'multiget')).toHaveLength(3);
    expect(progress).toEqual([2, 8, 13]);
    expect(h.store.calendar('cal-primary').items.size).toBe(13);

    // Not a first import any more: 5 changed objects are transactions of batchSize.
    for (let i = 13; i < 18; i++) h.userEvent('cal-primary', `e${i}`, i);
    progress.length = 0;
    await h.sync('cal-primary', options);
    expect(progress).toEqual([2, 4, 5]);
    expect(h.store.calendar('cal-primary').items.size).toBe(18);
  });

  it('multigets go out at most two at a time, a bounded number ahead of the store; after a failed one no other is sent', async () => {
    const h = createHarness();
    for (let i = 0; i < 20; i++) h.userEvent('cal-primary', `e${i}`, i);
    const remote = h.remotes['cal-primary'];
    const multiget = remote.multiget.bind(remote);
    let inFlight = 0;
    let mostInFlight = 0;
    let applied = 0;
    const sentAfterApplied: number[] = [];
    remote.multiget = async (hrefs) => {
      sentAfterApplied.push(applied);
      inFlight++;
      mostInFlight = Math.max(mostInFlight, inFlight);
      try {
        // A few turns of the event loop, so a second request could start meanwhile if the engine sent one.
        for (let turn = 0; turn < 3; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
        return await multiget(hrefs);
      } finally {
        inFlight--;
      }
    };
    const onProgress = (): void => void applied++;
    // Requests of 2 objects, transactions of 2: 10 requests, 10 transactions.
    await h.sync('cal-primary', { batchSize: 2, batchesPerRequest: 1, onProgress });
    expect(h.store.calendar('cal-primary').items.size).toBe(20);
    expect(mostInFlight).toBe(2);
    expect(sentAfterApplied).toHaveLength(10);
    // Request k is sent before transaction k is stored (fetched ahead), never more than four requests ahead.
    sentAfterApplied.forEach((appliedBefore, k) => {
      expect(appliedBefore).toBeLessThanOrEqual(k);
      expect(appliedBefore).toBeGreaterThanOrEqual(k - 3);
    });

    // A failure in the third request of the next import: the run fails, and no request after it goes out.
    for (let i = 20; i < 40; i++) h.userEvent('cal-primary', `e${i}`, i);
    remote.calls.length = 0;
    let requests = 0;
    remote.multiget = async (hrefs) => {
      requests++;
      if (requests === 3) throw new Error('injected multiget failure');
      return multiget(hrefs);
    };
    await expect(h.sync('cal-primary', { batchSize: 2, batchesPerRequest: 1 })).rejects.toThrow(/injected multiget failure/);
    expect(requests).toBe(3);
    expect(h.store.calendar('cal-primary').items.size).toBe(24);

    // A store that fails ends the run: requests queued ahead of it are not sent afterwards.
    remote.multiget = async (hrefs) => {
      requests++;
      for (let turn = 0; turn < 3; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
      return multiget(hrefs);
    };
    requests = 0;
    h.store.armCrash('applyInboundBatch', 1);
    await expect(h.sync('cal-primary', { batchSize: 2, batchesPerRequest: 1 })).rejects.toBeInstanceOf(InjectedCrash);
    const sentByTheFailure = requests;
    for (let turn = 0; turn < 50; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(requests).toBe(sentByTheFailure);
    expect(requests).toBeLessThan(8);
  });

  it('the first multiget goes alone; each next one once the server has sent its answer to the one two before, while that answer is still being read', async () => {
    const h = createHarness();
    for (let i = 0; i < 12; i++) h.userEvent('cal-primary', `e${i}`, i);
    const remote = h.remotes['cal-primary'];
    const multiget = remote.multiget.bind(remote);
    // Per request: 'sent', 'received' (the server's answer is all here), 'read' (returned to the engine).
    const events: string[] = [];
    let atServer = 0;
    let mostAtServer = 0;
    remote.multiget = async (hrefs, options) => {
      const request = events.filter((e) => e.startsWith('sent')).length;
      events.push(`sent ${request}`);
      atServer++;
      mostAtServer = Math.max(mostAtServer, atServer);
      // The server answers over a few turns of the event loop…
      for (let turn = 0; turn < 2; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
      const answer = await multiget(hrefs);
      atServer--;
      events.push(`received ${request}`);
      options?.onReceived?.();
      // …and reading the answer takes a few more.
      for (let turn = 0; turn < 3; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
      events.push(`read ${request}`);
      return answer;
    };
    // Requests of 2 objects: 6 requests.
    await h.sync('cal-primary', { batchSize: 2, batchesPerRequest: 1 });
    expect(h.store.calendar('cal-primary').items.size).toBe(12);
    // Never more than two requests at the server at once, and the first alone…
    expect(mostAtServer).toBe(2);
    expect(events.indexOf('sent 1')).toBeGreaterThan(events.indexOf('received 0'));
    for (let k = 1; k < 6; k++) {
      const sent = events.indexOf(`sent ${k}`);
      // …each sent after the server answered the one two before (the first for the second), and
      // before that answer was read.
      const before = Math.max(0, k - 2);
      expect(sent).toBeGreaterThan(events.indexOf(`received ${before}`));
      expect(sent).toBeLessThan(events.indexOf(`read ${before}`));
    }

    // A request that fails after its answer arrived (the answer could not be read): no request goes
    // out after the one already sent.
    for (let i = 12; i < 24; i++) h.userEvent('cal-primary', `e${i}`, i);
    let requests = 0;
    remote.multiget = async (hrefs, options) => {
      const request = ++requests;
      // The third takes the server longer than reading the second takes this side.
      if (request === 3) for (let turn = 0; turn < 6; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
      const answer = await multiget(hrefs);
      options?.onReceived?.();
      for (let turn = 0; turn < 3; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
      if (request === 2) throw new Error('injected unreadable answer');
      return answer;
    };
    await expect(h.sync('cal-primary', { batchSize: 2, batchesPerRequest: 1 })).rejects.toThrow(/injected unreadable answer/);
    for (let turn = 0; turn < 20; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
    // The third went out with the second (when the first's answer arrived), the fourth when the
    // second's answer arrived, before it was read; none after the failure, known before the third's answer came.
    expect(requests).toBe(4);
    expect(h.store.calendar('cal-primary').items.size).toBe(14);
  });
});

describe('runInboundSync — faults', () => {
  it('a crash inside the transaction leaves everything as it was (old token); the next run redoes the work', async () => {
    const h = createHarness();
    h.userEvent('cal-primary', 'e1', 0);
    await h.sync('cal-primary');
    const before = h.store.snapshot();
    h.userEvent('cal-primary', 'e2', 1);
    h.userEvent('cal-primary', 'e3', 2);
    h.store.armCrash('applyInboundBatch');
    await expect(h.sync('cal-primary')).rejects.toBeInstanceOf(InjectedCrash);
    expect(h.store.snapshot()).toBe(before);
    const retry = await h.sync('cal-primary');
    expect(retry.counts).toEqual({ ImportItem: 2 });
    expect(h.store.calendar('cal-primary').items.size).toBe(3);
  });

  it('a crash between two multiget batches of one page: the token goes only with the last batch, so nothing is skipped', async () => {
    const h = createHarness();
    h.userEvent('cal-primary', 'e0', 0);
    await h.sync('cal-primary');
    const token = h.store.calendar('cal-primary').token;
    for (let i = 1; i <= 4; i++) h.userEvent('cal-primary', `e${i}`, i);
    h.store.armCrash('applyInboundBatch', 1);
    await expect(h.sync('cal-primary', { batchSize: 2 })).rejects.toBeInstanceOf(InjectedCrash);
    // The first batch is in, under the old token.
    expect(h.store.calendar('cal-primary').items.size).toBe(3);
    expect(h.store.calendar('cal-primary').token).toBe(token);
    const retry = await h.sync('cal-primary', { batchSize: 2 });
    expect(retry.counts).toEqual({ ImportItem: 2 });
    expect(h.store.calendar('cal-primary').items.size).toBe(5);
  });

  it('a crash in a large first-import transaction: the listing starts again without a token, nothing is doubled', async () => {
    const h = createHarness();
    for (let i = 0; i < 9; i++) h.userEvent('cal-primary', `e${i}`, i);
    const options = { batchSize: 2, batchesPerRequest: 2, firstImportBatchSize: 4 };
    h.store.armCrash('applyInboundBatch', 1);
    await expect(h.sync('cal-primary', options)).rejects.toBeInstanceOf(InjectedCrash);
    // The first transaction (2 objects) is in; the second (4) is not, and no token was stored.
    expect(h.store.calendar('cal-primary').items.size).toBe(2);
    expect(h.store.calendar('cal-primary').token).toBeNull();
    const retry = await h.sync('cal-primary', options);
    expect(retry.counts).toEqual({ ImportItem: 7 });
    expect(h.store.calendar('cal-primary').items.size).toBe(9);
  });

  it('a failing remote read aborts the run without losing anything', async () => {
    const h = createHarness();
    await h.sync('cal-primary');
    const token = h.store.calendar('cal-primary').token;
    h.userEvent('cal-primary', 'e1', 0);
    h.remotes['cal-primary'].failReads = 2;
    await expect(h.sync('cal-primary')).rejects.toThrow(/injected failure/);
    expect(h.store.calendar('cal-primary').token).toBe(token);
    await expect(h.sync('cal-primary')).rejects.toThrow(/injected failure/);
    expect((await h.sync('cal-primary')).counts).toEqual({ ImportItem: 1 });
  });

  it('revoked access (401) stops the run with RemoteAccessDenied and deletes nothing (the caller marks the connection)', async () => {
    const h = createHarness();
    h.userEvent('cal-primary', 'e1', 0);
    await h.sync('cal-primary');
    const before = h.store.snapshot();
    h.remotes['cal-primary'].readFailure = 'access_denied';
    h.remotes['cal-primary'].failReads = 1;
    await expect(h.sync('cal-primary')).rejects.toBeInstanceOf(RemoteAccessDenied);
    expect(h.store.snapshot()).toBe(before);
  });

  it('an unreadable event is recorded with its error and does not stop the others', async () => {
    const h = createHarness();
    h.remotes['cal-primary'].userPut(
      '/cal/primary/bad.ics',
      'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:bad\r\nSUMMARY:no dates\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n',
    );
    h.userEvent('cal-primary', 'ok', 0);
    const report = await h.sync('cal-primary');
    expect(report.counts).toEqual({ RecordUnreadableItem: 1, ImportItem: 1 });
    expect(h.store.calendar('cal-primary').items.get('/cal/primary/bad.ics')).toMatchObject({
      kind: 'unreadable',
      error: expect.stringMatching(/DTSTART/),
    });
    expect(h.store.calendar('cal-primary').occurrences.has('/cal/primary/bad.ics')).toBe(false);
    // Unchanged, it is not fetched again.
    h.remotes['cal-primary'].resetCalls();
    await h.sync('cal-primary');
    expect(h.remotes['cal-primary'].calls).toEqual(['syncCollection']);
  });
});

describe('runInboundSync — the empty-calendar guard', () => {
  it('a calendar that suddenly lists nothing keeps its slots, keeps its token and shows a warning', async () => {
    const h = createHarness();
    const hrefs = [h.userEvent('cal-conflict', 'e1', 0), h.userEvent('cal-conflict', 'e2', 1)];
    await h.sync('cal-conflict');
    const token = h.store.calendar('cal-conflict').token;
    for (const href of hrefs) h.remotes['cal-conflict'].userDelete(href);
    h.remotes['cal-conflict'].resetCalls();

    const report = await h.sync('cal-conflict');
    // The partial (incremental) verdict is checked against a complete listing before refusing.
    expect(h.remotes['cal-conflict'].calls).toEqual(['syncCollection', 'listEtags']);
    expect(report.refusedEmpty).toBe(true);
    expect(h.store.calendar('cal-conflict').items.size).toBe(2);
    expect(h.store.calendar('cal-conflict').occurrences.size).toBe(2);
    expect(h.store.calendar('cal-conflict').token).toBe(token);
    expect(h.store.calendar('cal-conflict').warning).toMatchObject({ code: 'empty_calendar_refused', heldItems: 2 });
  });

  it('once the user confirms, the slots go and the warning clears', async () => {
    const h = createHarness();
    const href = h.userEvent('cal-conflict', 'e1', 0);
    await h.sync('cal-conflict');
    h.remotes['cal-conflict'].userDelete(href);
    await h.sync('cal-conflict');
    const report = await h.sync('cal-conflict', { allowEmpty: true });
    expect(report.counts).toEqual({ RemoveImportedItem: 1 });
    expect(h.store.calendar('cal-conflict').items.size).toBe(0);
    expect(h.store.calendar('cal-conflict').warning).toBeNull();
  });

  it('a calendar that refills after looking empty simply syncs, and the warning clears', async () => {
    const h = createHarness();
    const href = h.userEvent('cal-conflict', 'e1', 0);
    await h.sync('cal-conflict');
    h.remotes['cal-conflict'].userDelete(href);
    await h.sync('cal-conflict');
    h.userEvent('cal-conflict', 'e2', 4);
    const report = await h.sync('cal-conflict');
    expect(report.counts).toEqual({ ImportItem: 1, RemoveImportedItem: 1 });
    expect(h.store.calendar('cal-conflict').warning).toBeNull();
  });

  it('an incremental answer that deletes all held items while the listing is not empty is applied normally', async () => {
    const h = createHarness();
    const old = h.userEvent('cal-conflict', 'old', 0);
    await h.sync('cal-conflict');
    h.remotes['cal-conflict'].userDelete(old);
    h.remotes['cal-conflict'].pageSize = 1;
    h.userEvent('cal-conflict', 'new', 2);
    // Page 1 carries only the deletion; the complete listing shows the calendar is not empty.
    const report = await h.sync('cal-conflict');
    expect(report.refusedEmpty).toBe(false);
    expect([...h.store.calendar('cal-conflict').items.keys()]).toEqual(['/cal/conflict/new.ics']);
  });
});

describe('runInboundSync — our appointments (SPEC §5)', () => {
  it("an appointment's event moved in iCloud → the appointment follows; a collective's other member is re-queued", async () => {
    const h = createHarness();
    h.store.book({ id: 'a1', userIds: ['u1', 'u2'], start: at(0), end: at(1), title: 'Team sync with Ada' });
    await h.dispatch();
    await h.sync('cal-primary');
    const href = h.store.link('a1', 'u1')!.href;
    h.remotes['cal-primary'].userPut(
      href,
      simpleEvent({ uid: appointmentEventUid('a1'), start: at(2), end: at(3), summary: 'Team sync with Ada' }),
    );

    const report = await h.sync('cal-primary');
    expect(report.counts).toEqual({ UpdateAppointmentFromRemote: 1 });
    expect(h.store.appointment('a1')).toMatchObject({ start: at(2), end: at(3), status: 'confirmed', remoteEdits: 1 });
    const pending = h.store.outboxRows().filter((r) => r.status === 'pending');
    expect(pending.map((r) => [r.appointmentId, r.userId, r.op])).toEqual([['a1', 'u2', 'upsert']]);
    await h.dispatch();
    expect(h.remotes['cal-u2'].objectList().map((o) => h.codec.readAppointmentEvent(o.ics).start)).toEqual([at(2)]);
    // u1's own event is not rewritten: it already says what the appointment says.
    expect(h.remotes['cal-primary'].object(href)?.ics).toContain('DTSTART:20300304T110000Z');
  });

  it('moved onto another booking → kept and flagged', async () => {
    const h = createHarness();
    h.store.book({ id: 'a1', userIds: ['u1'], start: at(0), end: at(1), title: 'A' });
    h.store.book({ id: 'a2', userIds: ['u1'], start: at(4), end: at(5), title: 'B' });
    await h.dispatch();
    await h.sync('cal-primary');
    h.remotes['cal-primary'].userPut(
      h.store.link('a1', 'u1')!.href,
      simpleEvent({ uid: appointmentEventUid('a1'), start: at(4), end: at(5), summary: 'A' }),
    );
    await h.sync('cal-primary');
    expect(h.store.appointment('a1')).toMatchObject({ start: at(4), overlapFlagged: true, overlapsWith: ['a2'] });
  });

  it("an appointment's event deleted in iCloud → kept, flagged, and the dispatcher does not recreate it", async () => {
    const h = createHarness();
    h.store.book({ id: 'a1', userIds: ['u1'], start: at(0), end: at(1), title: 'A' });
    h.userEvent('cal-primary', 'mine', 6);
    await h.dispatch();
    await h.sync('cal-primary');
    h.remotes['cal-primary'].userDelete(h.store.link('a1', 'u1')!.href);
    const report = await h.sync('cal-primary');
    expect(report.counts).toEqual({ MarkAppointmentRemovedRemotely: 1 });
    expect(h.store.appointment('a1').status).toBe('confirmed');
    expect(h.store.link('a1', 'u1')?.removedRemotely).toBe(true);

    h.store.reschedule('a1', at(2), at(3));
    const dispatched = await h.dispatch();
    expect(dispatched.rows[0]?.steps.map((s) => s.type)).toEqual(['Noop']);
    expect(h.remotes['cal-primary'].objectList()).toHaveLength(1);
  });

  it('the echo of our own write costs nothing: the dispatcher recorded its etag, so it is not even fetched', async () => {
    const h = createHarness();
    h.store.book({ id: 'a1', userIds: ['u1'], start: at(0), end: at(1), title: 'A' });
    await h.sync('cal-primary');
    await h.dispatch();
    const version = h.store.appointment('a1').version;
    h.remotes['cal-primary'].resetCalls();
    const report = await h.sync('cal-primary');
    expect(h.remotes['cal-primary'].calls).toEqual(['syncCollection']);
    expect(report.counts).toEqual({});
    expect(h.store.calendar('cal-primary').items.get(h.store.link('a1', 'u1')!.href)).toMatchObject({
      kind: 'appointment',
      etag: h.store.link('a1', 'u1')!.etag,
    });
    expect(h.store.appointment('a1').version).toBe(version);
    expect(h.store.calendar('cal-primary').occurrences.size).toBe(0);
  });

  it('our write whose etag the server did not return is fetched once and tracked, and the link adopts the etag', async () => {
    const h = createHarness();
    h.remotes['cal-primary'].etagOnWrite = false;
    h.store.book({ id: 'a1', userIds: ['u1'], start: at(0), end: at(1), title: 'A' });
    await h.dispatch();
    const report = await h.sync('cal-primary');
    expect(report.counts).toEqual({ TrackAppointmentEvent: 1 });
    expect(h.store.link('a1', 'u1')?.etag).toBe(h.remotes['cal-primary'].objectList()[0]!.etag);
  });

  it('our event deleted in iCloud before any inbound sync saw it is still noticed (the dispatcher recorded it)', async () => {
    const h = createHarness();
    h.userEvent('cal-primary', 'mine', 6);
    h.store.book({ id: 'a1', userIds: ['u1'], start: at(0), end: at(1), title: 'A' });
    await h.dispatch();
    h.remotes['cal-primary'].userDelete(h.store.link('a1', 'u1')!.href);
    const report = await h.sync('cal-primary');
    expect(report.counts).toEqual({ ImportItem: 1, MarkAppointmentRemovedRemotely: 1 });
    expect(h.store.link('a1', 'u1')?.removedRemotely).toBe(true);
  });
});

describe('runInboundSync — the first sync of a newly configured calendar', () => {
  it('uses sync-collection even when asked for a full sync, stores the token, and the next poll is one sync-collection', async () => {
    const h = createHarness();
    h.userEvent('cal-primary', 'e1', 0);
    h.userEvent('cal-primary', 'e2', 2);
    // The scheduler asks for 'full' when a calendar has never had a full sync: a new calendar.
    const first = await h.sync('cal-primary', { mode: 'full' });
    expect(h.remotes['cal-primary'].calls).toEqual(['syncCollection', 'multiget']);
    expect([first.path, first.counts]).toEqual(['listing', { ImportItem: 2 }]);
    expect(h.store.calendar('cal-primary').token).not.toBeNull();

    h.remotes['cal-primary'].resetCalls();
    const reads = h.store.savedItemReads;
    const second = await h.sync('cal-primary');
    expect(h.remotes['cal-primary'].calls).toEqual(['syncCollection']);
    expect([second.path, second.fetched]).toEqual(['incremental', 0]);
    // An idle poll reads no item rows: its one REPORT said nothing changed.
    expect(h.store.savedItemReads).toBe(reads);
  });

  it('reads the saved items once something did change', async () => {
    const h = createHarness();
    h.userEvent('cal-primary', 'e1', 0);
    await h.sync('cal-primary');
    const reads = h.store.savedItemReads;
    h.userEvent('cal-primary', 'e2', 2);
    expect((await h.sync('cal-primary')).counts).toEqual({ ImportItem: 1 });
    expect(h.store.savedItemReads).toBe(reads + 1);
  });
});

describe('runInboundSync — the daily full reconciliation', () => {
  it('lists etags (not the token), re-expands items whose occurrences no longer cover the window, and keeps the token', async () => {
    const h = createHarness();
    const href = h.userEvent('cal-primary', 'e1', 0);
    await h.sync('cal-primary');
    const token = h.store.calendar('cal-primary').token;
    const expandedUntil = h.store.calendar('cal-primary').items.get(href)!.expandedUntil!;
    h.advance(31 * 24 * 3_600_000);
    h.remotes['cal-primary'].resetCalls();

    const report = await h.sync('cal-primary', { mode: 'full' });
    expect(h.remotes['cal-primary'].calls).toEqual(['listEtags', 'multiget']);
    expect(report.counts).toEqual({ UpdateImportedItem: 1 });
    expect(h.store.calendar('cal-primary').items.get(href)!.expandedUntil!.getTime()).toBeGreaterThan(expandedUntil.getTime());
    expect(h.store.calendar('cal-primary').token).toBe(token);
    expect(h.store.calendar('cal-primary').items.get(href)!.expandedUntil!.getTime()).toBeGreaterThanOrEqual(
      defaultSyncWindow(h.clock.now).to.getTime(),
    );
  });

  it('finds what the incremental path missed (status out of step with the server)', async () => {
    const h = createHarness();
    const href = h.userEvent('cal-primary', 'e1', 0);
    await h.sync('cal-primary');
    // Lose the item locally, as a server that never reported a change would leave us.
    h.store.calendar('cal-primary').items.delete(href);
    h.store.calendar('cal-primary').occurrences.delete(href);
    expect((await h.sync('cal-primary')).counts).toEqual({});
    const report = await h.sync('cal-primary', { mode: 'full' });
    expect(report.counts).toEqual({ ImportItem: 1 });
    expect(h.store.calendar('cal-primary').occurrences.get(href)).toHaveLength(1);
  });
});

describe('runInboundSync — the sync log', () => {
  const unreadable = (h: ReturnType<typeof createHarness>, name: string) =>
    h.remotes['cal-primary'].userPut(
      `/cal/primary/${name}.ics`,
      `BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:${name}\r\nSUMMARY:no dates\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`,
    );

  it('keeps a line for what is worth a look, not for each event imported, updated or unchanged', async () => {
    const h = createHarness();
    unreadable(h, 'bad');
    const events = [0, 1, 2, 3].map((i) => h.userEvent('cal-primary', `e${i}`, i));
    const first = await h.sync('cal-primary');
    expect(first.counts).toEqual({ RecordUnreadableItem: 1, ImportItem: 4 });
    expect(first.log).toEqual([{ type: 'RecordUnreadableItem', href: '/cal/primary/bad.ics', reason: expect.any(String) }]);

    h.userEvent('cal-primary', 'e1', 6);
    h.remotes['cal-primary'].userDelete(events[2]!);
    const second = await h.sync('cal-primary');
    expect(second.counts).toEqual({ UpdateImportedItem: 1, RemoveImportedItem: 1 });
    expect(second.log.map((line) => [line.type, line.href])).toEqual([['RemoveImportedItem', events[2]]]);
    expect(second.logOmitted).toBe(0);
  });

  it('holds at most LOG_LINES lines and counts the rest', async () => {
    const h = createHarness();
    for (let i = 0; i < LOG_LINES + 7; i++) unreadable(h, `bad-${i}`);
    h.userEvent('cal-primary', 'ok', 0);
    const report = await h.sync('cal-primary');
    expect(report.counts).toEqual({ RecordUnreadableItem: LOG_LINES + 7, ImportItem: 1 });
    expect(report.log).toHaveLength(LOG_LINES);
    expect(report.log.every((line) => line.type === 'RecordUnreadableItem')).toBe(true);
    expect(report.logOmitted).toBe(7);
  });
});
