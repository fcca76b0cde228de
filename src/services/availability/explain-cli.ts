import type { ServiceContext } from '../context.ts';
import type { ImportedBusySource } from '../../store/imported-busy-source.ts';
import { explainStartForSupport } from './explain-start-for-support.ts';
import type { StartExplanationView } from './explain-start.ts';

export interface ExplainCliIo {
  stdout(line: string): void;
  stderr(line: string): void;
}

const USAGE = [
  'usage: tandem slots explain <calendar> <start> [--zone <IANA zone>] [--json]',
  "  <calendar>  the booking calendar's id, or <workspace-slug>/<calendar-slug>",
  '  <start>     an ISO instant with offset, e.g. 2026-12-01T09:00:00Z',
  '  Prints whether that start is bookable and every reason it is not, per member.',
].join('\n');

/** `tandem slots explain`: returns the exit code (0 bookable or explained, 2 usage, 1 not found). */
export async function runSlotsExplain(
  argv: readonly string[],
  ctx: ServiceContext,
  importedBusy: ImportedBusySource,
  io: ExplainCliIo,
): Promise<number> {
  const positional: string[] = [];
  let zone = 'UTC';
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--json') json = true;
    else if (arg === '--zone') zone = argv[++i] ?? '';
    else if (arg === '--help' || arg === '-h') {
      io.stdout(USAGE);
      return 0;
    } else positional.push(arg);
  }
  const [calendar, startText] = positional;
  const start = startText === undefined ? NaN : Date.parse(startText);
  if (calendar === undefined || positional.length !== 2 || !/[zZ]|[+-]\d\d:?\d\d$/.test(startText ?? '') || Number.isNaN(start)) {
    io.stderr(USAGE);
    return 2;
  }
  const explained = await explainStartForSupport(ctx, { calendar, start: new Date(start), timezone: zone, importedBusy });
  if (json) io.stdout(JSON.stringify(explained));
  else for (const line of formatExplanation(explained)) io.stdout(line);
  return 0;
}

export function formatExplanation(e: StartExplanationView): string[] {
  const lines = [`${e.start} – ${e.end}: ${e.bookable ? 'bookable' : 'not bookable'}`];
  for (const r of e.reasons) lines.push(`  ${r.code}: ${r.message}`);
  for (const m of e.members) {
    lines.push(`  ${m.name} (${m.userId}): ${m.free ? 'free' : 'not free'}`);
    for (const r of m.reasons) lines.push(`    ${r.code}: ${r.message}`);
  }
  return lines;
}
