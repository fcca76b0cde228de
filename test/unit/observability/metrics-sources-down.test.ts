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
});
