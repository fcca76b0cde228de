import { describe, expect, it } from 'vitest';
import { runIcsExpand } from '../../../src/ical/expand-cli.ts';
import { calendar, vevent } from './helpers.ts';

const FILES: Record<string, string> = {
  'weekly.ics': calendar(
    vevent('UID:weekly\nDTSTART;TZID=Europe/Berlin:20260202T100000\nDTEND;TZID=Europe/Berlin:20260202T110000\nRRULE:FREQ=WEEKLY;COUNT=3'),
    vevent('UID:holiday\nDTSTART;VALUE=DATE:20260203\nTRANSP:TRANSPARENT'),
  ),
  'edge.ics': calendar(
    vevent('UID:early\nDTSTART:20260201T043000Z\nDTEND:20260201T044500Z'),
    vevent('UID:on-time\nDTSTART:20260201T050000Z\nDTEND:20260201T051500Z'),
  ),
  'mars.ics': calendar(vevent('UID:mars\nDTSTART;TZID=Mars/Olympus_Mons:20260201T100000')),
  'declined.ics': calendar(vevent('UID:d\nDTSTART:20260201T100000Z\nATTENDEE;PARTSTAT=DECLINED:mailto:me@example.com')),
  'broken.ics': 'BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:x\r\n',
};

function run(...argv: string[]) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = runIcsExpand(argv, {
    readFile: (path) => {
      const text = FILES[path];
      if (text === undefined) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
      return text;
    },
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
  });
  return { code, stdout, stderr, json: () => stdout.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

describe('tandem ics expand', () => {
  it('prints one JSON line per occurrence, sorted by start, in UTC', () => {
    const result = run('weekly.ics', '--from', '2026-02-01', '--to', '2026-02-20', '--zone', 'Europe/Berlin');
    expect(result.code).toBe(0);
    expect(result.stderr).toEqual([]);
    expect(result.stdout[0]).toBe(
      '{"uid":"weekly","start":"2026-02-02T09:00:00.000Z","end":"2026-02-02T10:00:00.000Z","allDay":false,"blocks":true}',
    );
    expect(result.json()).toEqual([
      { uid: 'weekly', start: '2026-02-02T09:00:00.000Z', end: '2026-02-02T10:00:00.000Z', allDay: false, blocks: true },
      { uid: 'holiday', start: '2026-02-02T23:00:00.000Z', end: '2026-02-03T23:00:00.000Z', allDay: true, blocks: false },
      { uid: 'weekly', start: '2026-02-09T09:00:00.000Z', end: '2026-02-09T10:00:00.000Z', allDay: false, blocks: true },
      { uid: 'weekly', start: '2026-02-16T09:00:00.000Z', end: '2026-02-16T10:00:00.000Z', allDay: false, blocks: true },
    ]);
  });

  it('reads a date as the start of that day in --zone, and --zone defaults to UTC', () => {
    expect(
      run('edge.ics', '--from', '2026-02-01', '--to', '2026-02-02', '--zone', 'America/New_York')
        .json()
        .map((o) => o.uid),
    ).toEqual(['on-time']);
    expect(
      run('edge.ics', '--from', '2026-02-01', '--to', '2026-02-02')
        .json()
        .map((o) => o.uid),
    ).toEqual(['early', 'on-time']);
  });

  it('accepts full ISO date-times, --option=value, and the sub-command word', () => {
    const result = run('expand', 'edge.ics', '--from=2026-02-01T04:50:00Z', '--to=2026-02-01T07:00:00+01:00');
    expect(result.code).toBe(0);
    expect(result.json().map((o) => o.uid)).toEqual(['on-time']);
  });

  it('reports workarounds on stderr and still succeeds', () => {
    const result = run('mars.ics', '--from', '2026-02-01', '--to', '2026-02-02');
    expect(result.code).toBe(0);
    expect(result.stdout).toHaveLength(1);
    expect(result.stderr).toEqual([expect.stringMatching(/^warning: .*unknown TZID "Mars\/Olympus_Mons"/)]);
  });

  it('knows who the user is with --self-email', () => {
    expect(run('declined.ics', '--from', '2026-02-01', '--to', '2026-02-02').json()[0]?.blocks).toBe(true);
    expect(run('declined.ics', '--from', '2026-02-01', '--to', '2026-02-02', '--self-email', 'me@example.com').json()[0]?.blocks).toBe(
      false,
    );
  });

  it('prints usage for --help', () => {
    const result = run('--help');
    expect(result.code).toBe(0);
    expect(result.stdout.join('\n')).toContain('usage: tandem ics expand <file> --from <date> --to <date>');
  });

  it.each([
    [['--from', '2026-02-01', '--to', '2026-02-02'], 'missing <file>'],
    [['weekly.ics', '--to', '2026-02-02'], 'missing --from'],
    [['weekly.ics', '--from', '2026-02-01'], 'missing --to'],
    [['weekly.ics', '--from', '01/02/2026', '--to', '2026-02-02'], '--from: expected YYYY-MM-DD or an ISO date-time'],
    [['weekly.ics', '--from', '2026-02-30', '--to', '2026-03-02'], '--from: expected YYYY-MM-DD'],
    [['weekly.ics', '--from', '2026-02-01', '--to', '2026-02-01'], '--to must be after --from'],
    [['weekly.ics', '--from', '2026-02-01', '--to', '2026-02-02', '--zone', 'Berlin'], '--zone: unknown time zone "Berlin"'],
    [['weekly.ics', '--from', '2026-02-01', '--to', '2026-02-02', '--color'], 'unknown option --color'],
    [['weekly.ics', '--from', '--to', '2026-02-02'], '--from needs a value'],
    [['a.ics', 'b.ics', '--from', '2026-02-01', '--to', '2026-02-02'], 'expected one <file>, got 2'],
  ])('fails with exit code 2 and a clear message for bad arguments: %j', (argv, message) => {
    const result = run(...argv);
    expect(result.code).toBe(2);
    expect(result.stdout).toEqual([]);
    expect(result.stderr[0]!.startsWith(`tandem ics expand: ${message}`)).toBe(true);
    expect(result.stderr.join('\n')).toContain('usage:');
  });

  it('fails with exit code 1 for a file it cannot read', () => {
    const result = run('missing.ics', '--from', '2026-02-01', '--to', '2026-02-02');
    expect(result.code).toBe(1);
    expect(result.stderr).toEqual(["tandem ics expand: cannot read missing.ics: ENOENT: no such file or directory, open 'missing.ics'"]);
  });

  it('fails with exit code 1 for a malformed file, saying what is wrong', () => {
    const result = run('broken.ics', '--from', '2026-02-01', '--to', '2026-02-02');
    expect(result.code).toBe(1);
    expect(result.stdout).toEqual([]);
    expect(result.stderr).toEqual([
      expect.stringMatching(/^tandem ics expand: broken\.ics: truncated iCalendar: BEGIN:VEVENT \(line 2\) is never closed$/),
    ]);
  });
});
