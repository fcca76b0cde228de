import { DateTime } from 'luxon';
import { ICalParseError } from './errors.ts';
import { mergeDenseSeries } from './busy-ranges.ts';
import { expandCalendarObject } from './expand.ts';
import { isIanaZone } from './zones.ts';
import { stdioDrained } from '../stdio-drained.ts';

export interface IcsExpandIo {
  readFile(path: string): string;
  stdout(line: string): void;
  stderr(line: string): void;
}

const USAGE = [
  'usage: tandem ics expand <file> --from <date> --to <date> [--zone <IANA zone>] [--self-email <address>]...',
  '  Prints one JSON line per occurrence overlapping [from, to): {"uid","start","end","allDay","blocks"},',
  '  times in UTC, sorted by start. A dense series (more than 1,000 occurrences, e.g. every few minutes)',
  '  prints its touching occurrences as one busy range with "occurrences": <how many>, as sync stores it.',
  '  <date> is YYYY-MM-DD (start of that day in --zone) or an ISO date-time (without an offset: in --zone).',
  '  --zone       zone for dates, floating times and all-day events (default UTC)',
  '  --self-email the user\'s address, so events they declined show "blocks": false (repeatable)',
].join('\n');

class UsageError extends Error {}

interface Arguments {
  file: string;
  from: string;
  to: string;
  zone: string;
  selfEmails: string[];
}

function parseArguments(argv: readonly string[]): Arguments | 'help' {
  const positional: string[] = [];
  const values: Record<'from' | 'to' | 'zone', string | undefined> = { from: undefined, to: undefined, zone: undefined };
  const selfEmails: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') return 'help';
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq === -1 ? undefined : eq);
    if (name !== 'from' && name !== 'to' && name !== 'zone' && name !== 'self-email') throw new UsageError(`unknown option ${arg}`);
    let value: string | undefined;
    if (eq !== -1) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined || value === '' || (eq === -1 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
    if (name === 'self-email') selfEmails.push(value);
    else if (values[name] !== undefined) throw new UsageError(`--${name} given twice`);
    else values[name] = value;
  }
  // Accept the arguments with or without the leading sub-command word ("expand <file> …").
  if (positional[0] === 'expand' && positional.length === 2) positional.shift();
  if (positional.length !== 1)
    throw new UsageError(
      positional.length === 0 ? 'missing <file>' : `expected one <file>, got ${positional.length}: ${positional.join(' ')}`,
    );
  if (values.from === undefined) throw new UsageError('missing --from');
  if (values.to === undefined) throw new UsageError('missing --to');
  return { file: positional[0]!, from: values.from, to: values.to, zone: values.zone ?? 'UTC', selfEmails };
}

function parseDate(option: string, value: string, zone: string): Date {
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const parsed = DateTime.fromISO(value, { zone });
  if (!parsed.isValid || (!dateOnly && !value.includes('T'))) {
    throw new UsageError(`${option}: expected YYYY-MM-DD or an ISO date-time such as 2026-02-01T09:00:00Z, got ${JSON.stringify(value)}`);
  }
  return (dateOnly ? parsed.startOf('day') : parsed).toJSDate();
}

/**
 * `tandem ics expand`: the support tool for "why does this event (not) block that slot?".
 * Returns the exit code: 0 on success, 1 when the file cannot be read or is not valid
 * iCalendar, 2 for bad arguments. Warnings (unknown TZIDs, the occurrence cap) go to stderr.
 */
export function runIcsExpand(argv: string[], io: IcsExpandIo): number {
  let args: Arguments;
  let from: Date;
  let to: Date;
  try {
    const parsed = parseArguments(argv);
    if (parsed === 'help') {
      io.stdout(USAGE);
      return 0;
    }
    args = parsed;
    if (!isIanaZone(args.zone))
      throw new UsageError(`--zone: unknown time zone ${JSON.stringify(args.zone)} (expected an IANA name such as Europe/Berlin)`);
    from = parseDate('--from', args.from, args.zone);
    to = parseDate('--to', args.to, args.zone);
    if (from.getTime() >= to.getTime()) throw new UsageError('--to must be after --from');
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`tandem ics expand: ${error.message}`);
    io.stderr(USAGE);
    return 2;
  }

  let text: string;
  try {
    text = io.readFile(args.file);
  } catch (error) {
    io.stderr(`tandem ics expand: cannot read ${args.file}: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
  try {
    // Exactly what sync stores (ical-codec.ts): dense series merged into busy ranges.
    const occurrences = mergeDenseSeries(
      expandCalendarObject(text, {
        from,
        to,
        zone: args.zone,
        selfEmails: args.selfEmails,
        denseRanges: true,
        onWarning: (message) => io.stderr(`warning: ${message}`),
      }),
    );
    for (const o of occurrences) {
      const merged = o.occurrences !== undefined && o.occurrences > 1 ? { occurrences: o.occurrences } : {};
      io.stdout(
        JSON.stringify({
          uid: o.uid,
          start: o.start.toISOString(),
          end: o.end.toISOString(),
          allDay: o.allDay,
          blocks: o.blocks,
          ...merged,
        }),
      );
    }
    return 0;
  } catch (error) {
    const message =
      error instanceof ICalParseError ? error.message : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
    io.stderr(`tandem ics expand: ${args.file}: ${message}`);
    return 1;
  }
}

/**
 * The command on the real process streams. Lines are written as they come (a slow reader makes
 * Node buffer them), and the exit code is returned only once stdout has drained: a process that
 * exits earlier loses whatever a pipe (`… | wc -l`) had not read yet. A reader that stops early
 * (`… | head`) ends the output quietly rather than with an EPIPE error.
 */
export async function runIcsExpandOnStdio(argv: string[], readFile: (path: string) => string): Promise<number> {
  let readerGone = false;
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') readerGone = true;
    else throw error;
  });
  const code = runIcsExpand(argv, {
    readFile,
    stdout: (line) => {
      if (!readerGone) process.stdout.write(`${line}\n`);
    },
    stderr: (line) => process.stderr.write(`${line}\n`),
  });
  await stdioDrained();
  return code;
}
