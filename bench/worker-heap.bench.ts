/**
 * The parse thread's heap and CPU over a long import, by the size of its young generation (decision
 * 0020, ninth session), not part of the test suite:
 *
 *   npx tsx bench/worker-heap.bench.ts
 *   BENCH_YOUNG=24,12,6 BENCH_SIZE=5000 BENCH_PASSES=4 BENCH_ROUNDS=4 npx tsx bench/worker-heap.bench.ts
 *
 * One process, one parse pool per young-generation size (worker-script.ts's pool options, only
 * `resourceLimits.maxYoungGenerationSizeMb` changed), each fed in turn the objects bench:import seeds
 * (import-seed-texts.ts) in tasks of FIRST_IMPORT_BATCH_SIZE, as the server's single parse thread gets
 * them on a first import: BENCH_PASSES passes over the corpus per round (4 × 5,000 = a 20,000-event
 * import), with the server's heap growth factor (heap-growth.ts). The variants alternate, their order reversed every round. Printed per variant: the process's
 * CPU per round (the main thread only waits, so it is the parse thread and V8's GC helpers), and the
 * thread's heap (committed, and its young generation) as each task ends — its maximum over the first
 * pass (a 5,000-event import) and over all passes (20,000). Compare CPU, not wall time: the machine is
 * shared; the load average is printed.
 */

import { Piscina } from 'piscina';
import { defaultSyncWindow, expansionSpan } from '../src/domain/sync/sync-window.ts';
import { boundHeapGrowth } from '../src/heap-growth.ts';
import type { ParseTask } from '../src/services/sync/parse-pool.ts';
import { FIRST_IMPORT_BATCH_SIZE } from '../src/services/sync/sync-calendar.ts';
import { workerScript } from '../src/worker-script.ts';
import type { ThreadHeap } from './support/parse-worker-heap.ts';
import { importSeedTexts } from './sync/import-seed-texts.ts';
import { loadNote } from './support/load-note.ts';

const SIZE = Number(process.env.BENCH_SIZE ?? 5000);
const PASSES = Number(process.env.BENCH_PASSES ?? 4);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const YOUNG = (process.env.BENCH_YOUNG ?? '24,12,6').split(',').map(Number);

const today = new Date();
const NOW = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1, 12));
const CONTEXT: ParseTask['context'] = {
  span: expansionSpan(defaultSyncWindow(NOW)),
  zone: 'Europe/Berlin',
  selfEmails: ['bench@example.com'],
};
const MIB = 1024 * 1024;

interface Variant {
  young: number;
  pool: Piscina;
  cpuMs: number[];
  firstPassMax: number;
  allMax: number;
  newMax: number;
}

async function round(variant: Variant, objects: ParseTask['objects']): Promise<void> {
  const started = process.cpuUsage();
  for (let pass = 0; pass < PASSES; pass++) {
    for (let at = 0; at < objects.length; at += FIRST_IMPORT_BATCH_SIZE) {
      const task: ParseTask = { objects: objects.slice(at, at + FIRST_IMPORT_BATCH_SIZE), context: CONTEXT };
      const { heap } = (await variant.pool.run(task)) as { heap: ThreadHeap };
      if (pass === 0) variant.firstPassMax = Math.max(variant.firstPassMax, heap.total);
      variant.allMax = Math.max(variant.allMax, heap.total);
      variant.newMax = Math.max(variant.newMax, heap.newSpace);
    }
  }
  const used = process.cpuUsage(started);
  variant.cpuMs.push((used.user + used.system) / 1000);
}

async function main(): Promise<void> {
  // As the server runs (main.ts): V8's flags are process-wide, the threads get the growth factor too.
  boundHeapGrowth();
  console.log(
    `parse thread by young generation: ${SIZE.toLocaleString('en-US')} objects × ${PASSES} passes per round, ${ROUNDS} rounds; ${loadNote()}`,
  );
  const objects = importSeedTexts(SIZE, NOW).map((ics, i) => ({ href: `https://bench.invalid/cal/${i}.ics`, etag: `"${i}"`, ics }));
  const script = workerScript(import.meta.url, 'support/parse-worker-heap');
  const variants: Variant[] = YOUNG.map((young) => ({
    young,
    pool: new Piscina({
      ...script,
      resourceLimits: { maxYoungGenerationSizeMb: young },
      minThreads: 1,
      maxThreads: 1,
      idleTimeout: 600_000,
    }),
    cpuMs: [],
    firstPassMax: 0,
    allMax: 0,
    newMax: 0,
  }));
  // A warm-up task per variant: threads started, modules loaded, before anything is counted.
  for (const variant of variants) await variant.pool.run({ objects: objects.slice(0, 50), context: CONTEXT } satisfies ParseTask);
  for (let r = 0; r < ROUNDS; r++) {
    const order = r % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) await round(variant, objects);
    console.log(`round ${r + 1}: ${order.map((v) => `${v.young} MiB ${v.cpuMs.at(-1)!.toFixed(0)} ms`).join(', ')}; ${loadNote()}`);
  }
  for (const variant of variants) {
    const sorted = [...variant.cpuMs].sort((a, b) => a - b);
    console.log(
      `young ${variant.young} MiB: CPU per round median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)} ms (${variant.cpuMs.map((ms) => ms.toFixed(0)).join(' / ')}); ` +
        `heap max first pass ${(variant.firstPassMax / MIB).toFixed(1)} MiB, all passes ${(variant.allMax / MIB).toFixed(1)} MiB (new space ${(variant.newMax / MIB).toFixed(1)})`,
    );
    await variant.pool.destroy();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
