import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

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

  it("the listing's entries are not held while the batches are fetched", async () => {
    const h = createHarness();
    for (let i = 0; i < 5; i++) h.userEvent('cal-primary', `e${i}`, i);
    const remote = h.remotes['cal-primary'];
    let listed: WeakRef<object> | null = null;
    const listedAlive: boolean[] = [];
    const syncCollection = remote.syncCollection.bind(remote);
    const multiget = remote.multiget.bind(remote);
    remote.syncCollection = async (token) => {
      const page = await syncCollection(token);
      listed = new WeakRef(page.changed);
      return page;
    };
    remote.multiget = async (hrefs, options) => {
      // A WeakRef's target is kept until the current job ends: let it end before collecting.
      await new Promise((resolve) => setImmediate(resolve));
      collectGarbage();
      listedAlive.push(listed?.deref() !== undefined);
      return multiget(hrefs, options);
    };
    const report = await h.sync('cal-primary', { batchSize: 2, batchesPerRequest: 1 });
    expect(report.counts).toEqual({ ImportItem: 5 });
    expect(listedAlive).toEqual([false, false, false]);
  });
});
