/**
 * The worker threads of the import (listing, multiget and parse pools) start with a capped young
 * generation, so that their resident memory does not depend on how long an import lasts
 * (worker-script.ts, decision 0020, seventh session).
 */
import { once } from 'node:events';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { closeMultistatusPool, holdListingReader, listingReaderThreads } from '../../../src/caldav/read-multistatus-off-thread.ts';
import { WORKER_YOUNG_GENERATION_MB, workerScript } from '../../../src/worker-script.ts';

/** V8's own maximum young generation for a thread on 64 bits (two 16 MiB semi-spaces and the large-object nursery). */
const V8_DEFAULT_YOUNG_GENERATION_MB = 48;

/**
 * A thread that allocates and keeps tens of thousands of small objects alive for a while (what makes V8
 * grow a thread's semi-spaces), answering with the largest its new space (both semi-spaces) became, in MiB.
 */
const SEMI_SPACE_GROWER = `
const { getHeapSpaceStatistics } = require('node:v8');
const { parentPort } = require('node:worker_threads');
const newSpace = () => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size;
let max = 0;
const kept = [];
for (let round = 0; round < 40; round++) {
  for (let i = 0; i < 20000; i++) kept.push({ value: [i, round] });
  if (kept.length > 60000) kept.splice(0, 20000);
  max = Math.max(max, newSpace());
}
parentPort.postMessage(max / 1048576);
`;

async function largestNewSpaceMb(resourceLimits: ResourceLimits | undefined): Promise<number> {
  const thread = new Worker(SEMI_SPACE_GROWER, { eval: true, ...(resourceLimits === undefined ? {} : { resourceLimits }) });
  try {
    const [largest] = (await once(thread, 'message')) as [number];
    return largest;
  } finally {
    await thread.terminate();
  }
}

afterAll(async () => {
  await closeMultistatusPool();
});

describe('worker threads of an import', () => {
  it('cap the young generation below V8 default', () => {
    expect(WORKER_YOUNG_GENERATION_MB).toBeLessThan(V8_DEFAULT_YOUNG_GENERATION_MB);
  });

  it('keeps the semi-spaces of a thread at 4 MiB where V8 grows them to 16 (decision 0020, ninth session)', async () => {
    const { resourceLimits } = workerScript(import.meta.url, 'no-such-worker');
    // Without a cap the same thread's new space grows to V8's maximum: the loop does grow it.
    expect(await largestNewSpaceMb(undefined)).toBeGreaterThan(16);
    expect(await largestNewSpaceMb(resourceLimits)).toBeLessThanOrEqual(2 * 4);
  });

  it('the listing reader thread runs with the cap', async () => {
    const release = holdListingReader();
    try {
      const [thread] = listingReaderThreads();
      expect(thread).toBeDefined();
      await once(thread!, 'online');
      expect(thread!.resourceLimits?.maxYoungGenerationSizeMb).toBe(WORKER_YOUNG_GENERATION_MB);
    } finally {
      release();
    }
  });

  it('the built server passes the cap too (piscina hands resourceLimits to every thread of both pools)', () => {
    // `node dist/main.js serve` loads .js workers; the test above ran from the .ts sources.
    const script = workerScript('file:///srv/tandem/dist/caldav/read-multistatus-off-thread.js', 'multistatus-worker');
    expect(script.resourceLimits.maxYoungGenerationSizeMb).toBe(WORKER_YOUNG_GENERATION_MB);
  });
});
