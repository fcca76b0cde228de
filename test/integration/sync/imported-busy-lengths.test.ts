import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImportedOccurrence } from '../../../src/domain/sync/types.ts';
import { recordAppointmentNotice } from '../../../src/services/notifications/record-appointment-notice.ts';
import { recordConnectionNotice } from '../../../src/services/notifications/record-connection-notice.ts';
import { importedBusyFromStore } from '../../../src/store/imported-busy.ts';
import { createSyncStore } from '../../../src/store/sync-store.ts';
import { createTestDatabase, databaseKinds } from '../../support/db.ts';
import { seedRemoteCalendar, seedUser, seedWorkspace } from '../../support/seed-rows.ts';

/**
 * The busy read finds short occurrences (at most 26 hours) by the (user_id, start_at) btree, from
 * 26 hours before the window, and long ones by the partial GiST index of migration 0021
 * (store/imported-busy.ts). Occurrences on both sides of that length and of the window's edges must
 * come back exactly as one overlap test over all of them would return them.
 */
describe.each(databaseKinds)('imported busy time by occurrence length on %s', (kind) => {
  let handle: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    handle = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await handle?.close();
  });

  const HOUR = 3_600_000;
  const from = Date.parse('2026-11-24T00:00:00Z');
  const to = Date.parse('2026-11-25T00:00:00Z');
  const at = (ms: number, lengthMs: number, summary: string): ImportedOccurrence => ({
    recurrenceId: null,
    start: new Date(ms),
    end: new Date(ms + lengthMs),
    allDay: false,
    blocks: true,
    summary,
    status: null,
  });

  it('returns short and long occurrences that overlap the window, and nothing else', async () => {
    const { db } = handle;
    const workspaceId = await seedWorkspace(db);
    const occurrences = [
      // Exactly 26 hours (still short), from 26 hours before the window: ends at its start, touches only.
      at(from - 26 * HOUR, 26 * HOUR, 'short, ends at the window'),
      // Exactly 26 hours, starting a minute later: overlaps the window's first minute.
      at(from - 26 * HOUR + 60_000, 26 * HOUR, 'short, overlaps the start'),
      // 25 hours, from 25 hours before.
      at(from - 25 * HOUR + 1, 25 * HOUR, 'short, overlaps the start by a millisecond'),
      // A millisecond over 26 hours (long): overlaps the first hour.
      at(from - 25 * HOUR, 26 * HOUR + 1, 'long, overlaps the start'),
      // Long, around the whole window.
      at(from - 3 * 24 * HOUR, 7 * 24 * HOUR, 'long, over the window'),
      // Long, ended before the window; short, starting at its end: neither overlaps.
      at(from - 5 * 24 * HOUR, 2 * 24 * HOUR, 'long, before'),
      at(to, HOUR, 'short, at the end'),
      // Short inside, and one starting just before the end.
      at(from + 10 * HOUR, HOUR, 'short, inside'),
      at(to - 60_000, HOUR, 'short, over the end'),
      // An end before the start: an empty range, never busy.
      at(from + 5 * HOUR, -HOUR, 'inverted'),
    ];
    const store = createSyncStore(db, {
      publicUrl: 'http://tandem.test',
      now: () => new Date(from),
      recordNotice: recordAppointmentNotice,
      recordConnectionNotice,
    });
    // One user each: a range that one occurrence misses is not hidden by another's.
    const userIds: string[] = [];
    for (const [i, occurrence] of occurrences.entries()) {
      const userId = await seedUser(db, workspaceId, { timezone: 'UTC', email: `lengths-${i}@example.test` });
      const calendarId = await seedRemoteCalendar(db, {
        workspaceId,
        userId,
        url: `https://caldav.example/lengths-${i}/`,
        role: 'primary',
      });
      await store.applyInboundBatch({
        calendarId,
        actions: [
          {
            type: 'ImportItem',
            reason: 'test',
            href: `${i}.ics`,
            etag: `"${i}"`,
            contentHash: null,
            uid: `${i}`,
            occurrences: [occurrence],
            expandedUntil: new Date('2027-12-01T00:00:00Z'),
          },
        ],
      });
      userIds.push(userId);
    }

    const busy = await importedBusyFromStore().importedBusy(db, userIds, { start: from, end: to });
    const found = occurrences.map((o, i) => ({ summary: o.summary, busy: busy.get(userIds[i]!) }));
    const overlaps = (o: ImportedOccurrence): boolean => o.start < o.end && o.start.getTime() < to && o.end.getTime() > from;
    expect(found).toEqual(
      occurrences.map((o) => ({ summary: o.summary, busy: overlaps(o) ? [{ start: o.start.getTime(), end: o.end.getTime() }] : [] })),
    );
    expect(found.filter((f) => f.busy?.length === 1)).toHaveLength(6);
  });
});
