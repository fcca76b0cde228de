/**
 * Reads one import's timeline (bench:import with BENCH_TRACE; see bench/import.bench.ts): every event in
 * ms from the connect request, with Radicale's CPU since the event before, and a summary of where the
 * time went. `npx tsx bench/import-timeline.ts <file>`.
 */
import { readFileSync } from 'node:fs';

const file = process.argv[2];
if (file === undefined) throw new Error('usage: npx tsx bench/import-timeline.ts <trace file>');
const lines = readFileSync(file, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => {
    const [at, who, ...rest] = line.split(' ');
    return { at: Number(at), who: who!, event: rest.join(' ') };
  })
  .sort((a, b) => a.at - b.at);
const zero = lines.find((l) => l.event === 'bench connect')?.at ?? lines[0]!.at;
let radicale = 0;
let radicaleTotal = 0;
const first = (prefix: string): number | undefined => lines.find((l) => l.event.startsWith(prefix))?.at;
const last = (prefix: string): number | undefined => lines.findLast((l) => l.event.startsWith(prefix))?.at;
for (const line of lines) {
  const cpu = /^radicale cpu (\d+)$/.exec(line.event);
  if (cpu) {
    radicale += Number(cpu[1]);
    radicaleTotal += Number(cpu[1]);
    continue;
  }
  const note = radicale > 0 ? `   (Radicale ${radicale} ms CPU before)` : '';
  radicale = 0;
  console.log(`${(line.at - zero).toFixed(0).padStart(7)} ${line.who.padEnd(5)} ${line.event}${note}`);
}
const span = (from: number | undefined, to: number | undefined): string =>
  from === undefined || to === undefined ? '—' : `${(to - from).toFixed(0)} ms`;
const parseBusy = lines
  .filter((l) => l.event.startsWith('parse task'))
  .reduce((sum, l, i, all) => (l.event.startsWith('parse task end') && i > 0 ? sum + l.at - all[i - 1]!.at : sum), 0);
// The main thread's stores, and how long it waited between them (for the next batch's download and parse).
let storing = 0;
let waiting = 0;
let storeStart: number | null = null;
let storeEnd: number | null = null;
for (const line of lines) {
  if (line.event.startsWith('store start')) {
    if (storeEnd !== null) waiting += line.at - storeEnd;
    storeStart = line.at;
  } else if (line.event.startsWith('store done') && storeStart !== null) {
    storing += line.at - storeStart;
    storeEnd = line.at;
  }
}
console.log(`
connect → configured          ${span(zero, first('bench configured'))}
configured → listing sent     ${span(first('bench configured'), first('listing sent'))}
listing sent → arrived        ${span(first('listing sent'), first('listing arrived'))}
listing arrived → read        ${span(first('listing arrived'), first('listing read'))}
listing read → multiget sent  ${span(first('listing read'), first('multiget sent'))}
first multiget → last read    ${span(first('multiget sent'), last('multiget read'))}
last multiget read → stored   ${span(last('multiget read'), last('store done'))}
stored → bench sees synced    ${span(last('store done'), first('bench synced'))}
total                         ${span(zero, first('bench synced'))}
Radicale CPU in the import    ${radicaleTotal} ms; parse thread busy ≈ ${parseBusy.toFixed(0)} ms
stores                        ${storing.toFixed(0)} ms, and ${waiting.toFixed(0)} ms waiting between them`);
