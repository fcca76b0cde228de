import { generateBigCalendar } from './generate.ts';
import { importDataset } from './radicale-storage.ts';

/**
 * The calendar data bench:import seeds into Radicale for `size` events around `now` (the same generator
 * and seed, so the same text — Radicale serves it as stored): the corpus of the parse-thread benches
 * that need no server (bench:ics-read, bench/parse-thread.bench.ts).
 */
export function importSeedTexts(size: number, now: Date): string[] {
  const { spec } = importDataset(size, now);
  return generateBigCalendar({
    seed: spec.seed,
    count: spec.bigCalendar.events,
    recurringShare: spec.bigCalendar.recurringShare,
    now: spec.now,
    window: spec.window,
  }).files.map((file) => file.ics);
}
