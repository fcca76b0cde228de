/**
 * `tandem ics expand … | wc -l` must count every line, however slowly the reader reads: the process
 * used to call process.exit while Node still held unwritten output for the pipe (581 of 3,000 lines
 * arrived). The real command runs as a child process whose stdout is a pipe this test reads slowly.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const OCCURRENCES = 3_000;

describe('tandem ics expand on a pipe', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tandem-ics-pipe-'));
    file = join(dir, 'hourly.ics');
    writeFileSync(
      file,
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//test//test//EN',
        'BEGIN:VEVENT',
        'UID:hourly@example.com',
        'DTSTAMP:20260101T000000Z',
        'DTSTART:20260101T000000Z',
        'DTEND:20260101T000500Z',
        `RRULE:FREQ=HOURLY;COUNT=${OCCURRENCES}`,
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r\n'),
    );
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('delivers every line to a slow reader, and exits 0', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/main.ts', 'ics', 'expand', file, '--from', '2026-01-01', '--to', '2027-01-01'],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    // The slow consumer: nothing is read until the command has produced all its output and is
    // waiting to exit, then one chunk at a time with a pause — like `… | (sleep 2; wc -l)`.
    let text = '';
    child.stdout.pause();
    await delay(1_000);
    for await (const chunk of child.stdout) {
      text += (chunk as Buffer).toString('utf8');
      await delay(20);
    }
    expect(await exited, stderr).toBe(0);
    const lines = text.split('\n').filter((line) => line !== '');
    expect(lines).toHaveLength(OCCURRENCES);
    expect(JSON.parse(lines[0]!)).toMatchObject({ uid: 'hourly@example.com', start: '2026-01-01T00:00:00.000Z' });
    expect(JSON.parse(lines.at(-1)!)).toMatchObject({
      start: new Date(Date.UTC(2026, 0, 1) + (OCCURRENCES - 1) * 3_600_000).toISOString(),
    });
  }, 60_000);
});
