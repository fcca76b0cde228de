import { describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/observability/metrics.ts';

describe('a scrape while the database or Redis is down', () => {
  it('still answers, with the gauges whose source failed left empty', async () => {
    const down = () => Promise.reject(new Error('Connection terminated unexpectedly'));
    const metrics = createMetrics({ queueDepth: down, outboxRows: down }, { processMetrics: false });
    metrics.syncs.inc({ provider: 'icloud', mode: 'incremental', outcome: 'ok' });
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/^tandem_syncs_total\{provider="icloud",mode="incremental",outcome="ok"\} 1$/m);
    expect(text).not.toMatch(/^tandem_sync_queue_depth\{/m);
    expect(text).not.toMatch(/^tandem_outbox_rows\{/m);
  });

  it('a process that cannot count the queue (a consume-only worker) leaves the queue depth empty, not 0', async () => {
    const metrics = createMetrics({ queueDepth: async () => null, outboxRows: async () => [] }, { processMetrics: false });
    expect(await metrics.registry.metrics()).not.toMatch(/^tandem_sync_queue_depth\{/m);
    const counted = createMetrics(
      { queueDepth: async () => ({ waiting: 3, running: 1 }), outboxRows: async () => [] },
      { processMetrics: false },
    );
    expect(await counted.registry.metrics()).toMatch(/^tandem_sync_queue_depth\{state="waiting"\} 3$/m);
  });
});
