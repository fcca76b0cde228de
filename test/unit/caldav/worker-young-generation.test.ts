/**
 * The worker threads of the import (listing, multiget and parse pools) start with a capped young
 * generation, so that their resident memory does not depend on how long an import lasts
 * (worker-script.ts, decision 0020, seventh session).
 */
import { once } from 'node:events';
import { afterAll, describe, expect, it } from 'vitest';
import { closeMultistatusPool, holdListingReader, listingReaderThreads } from '../../../src/caldav/read-multistatus-off-thread.ts';
import { WORKER_YOUNG_GENERATION_MB, workerScript } from '../../../src/worker-script.ts';

/** V8's own maximum young generation for a thread on 64 bits (two 16 MiB semi-spaces and the large-object nursery). */
const V8_DEFAULT_YOUNG_GENERATION_MB = 48;

afterAll(async () => {
  await closeMultistatusPool();
});

describe('worker threads of an import', () => {
  it('cap the young generation below V8 default', () => {
    expect(WORKER_YOUNG_GENERATION_MB).toBeLessThan(V8_DEFAULT_YOUNG_GENERATION_MB);
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
