import { afterEach, describe, expect, it, vi } from 'vitest';
import * as inboundActions from '../../../src/domain/sync/inbound-actions.ts';
import { createHarness } from './harness.ts';

// The run's record of what it applied (`saved`) is what grew with the calendar on a first import
// (decision 0020, eighth session): the spy sees whether the run keeps it up to date.
vi.mock('../../../src/domain/sync/inbound-actions.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof inboundActions>();
  return { ...actual, applyToSavedItems: vi.fn(actual.applyToSavedItems) };
});
const recorded = vi.mocked(inboundActions.applyToSavedItems);

afterEach(() => recorded.mockClear());

describe('runInboundSync — what a first import keeps while it runs', () => {
  it("a first import's only listing page imports every batch without recording them in the run's saved status", async () => {
    const h = createHarness();
    for (let i = 0; i < 7; i++) h.userEvent('cal-primary', `e${i}`, i);
    const report = await h.sync('cal-primary', { batchSize: 2, batchesPerRequest: 1 });
    expect(report.counts).toEqual({ ImportItem: 7 });
    expect(h.store.calendar('cal-primary').items.size).toBe(7);
    expect(recorded).not.toHaveBeenCalled();

    // The next run reads the saved status from the store, as every run does: an edit is an update.
    h.userEvent('cal-primary', 'e3', 9);
    const next = await h.sync('cal-primary', { batchSize: 2 });
    expect(next.counts).toEqual({ UpdateImportedItem: 1 });
    expect(recorded).toHaveBeenCalled();
  });

  it('a listing of several pages records what its earlier pages applied: a later page may delete it', async () => {
    const h = createHarness();
    const hrefs = [0, 1, 2].map((i) => h.userEvent('cal-primary', `e${i}`, i));
    h.remotes['cal-primary'].pageSize = 2;
    const report = await h.sync('cal-primary');
    expect(report.pages).toBeGreaterThan(1);
    expect(report.counts).toEqual({ ImportItem: 3 });
    expect(recorded).toHaveBeenCalled();
    expect([...h.store.calendar('cal-primary').items.keys()].sort()).toEqual([...hrefs].sort());
  });

  it('a refused token relists a calendar that holds items: deletions are still found', async () => {
    const h = createHarness();
    const gone = h.userEvent('cal-primary', 'gone', 0);
    h.userEvent('cal-primary', 'kept', 1);
    await h.sync('cal-primary');
    h.remotes['cal-primary'].userDelete(gone);
    h.userEvent('cal-primary', 'new', 2);
    h.remotes['cal-primary'].invalidateTokens();
    const report = await h.sync('cal-primary');
    expect(report.counts).toEqual({ ImportItem: 1, RemoveImportedItem: 1 });
    expect(h.store.calendar('cal-primary').items.has(gone)).toBe(false);
  });
});
