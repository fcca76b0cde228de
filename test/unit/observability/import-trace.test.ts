import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';

describe('traceImport', () => {
  const dir = mkdtempSync(join(tmpdir(), 'import-trace-'));
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("appends one line per event (wall-clock ms, thread, event, the thread's memory) to the file TANDEM_TRACE names", async () => {
    const file = join(dir, 'trace.log');
    vi.stubEnv('TANDEM_TRACE', file);
    const { traceImport } = await import('../../../src/observability/import-trace.ts');
    traceImport('listing sent');
    traceImport('multiget arrived 500');
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const memory = String.raw`\[rss \d+\.\d heap \d+\.\d\/\d+\.\d ext \d+\.\d ab \d+\.\d\]`;
    expect(lines[0]).toMatch(new RegExp(String.raw`^\d+\.\d t0 listing sent ${memory}$`));
    expect(lines[1]).toMatch(new RegExp(String.raw`^\d+\.\d t0 multiget arrived 500 ${memory}$`));
    // Epoch ms (not ms since this process started), so the bench's lines and Radicale's samples, written by
    // another process, lie on the same axis.
    expect(Number(lines[0]!.split(' ')[0])).toBeGreaterThan(Date.UTC(2020, 0, 1));
  });
});
