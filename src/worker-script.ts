import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * The young generation of each worker thread, in MiB (V8 splits it in three: two semi-spaces and a
 * nursery for large objects, so 12 MiB is 4 MiB semi-spaces, a quarter of V8's default of 16 on 64 bits).
 *
 * Why (decision 0020, seventh session): V8 grows a thread's semi-spaces while its scavenges see
 * much surviving, up to 16 MiB each, and keeps them. The parse thread and the multiget thread of a
 * first import reached the 16 MiB after 5,000 events or only after 20,000 (multiget thread: new
 * space 16 MiB committed at 5,000 events, 32 at 20,000) — resident memory set by the import's
 * length. At 8 MiB both reach the cap early in any import. Only the young generation is capped:
 * a 50 MB event (decision 0010) is allocated in the large-object space, which this does not limit.
 *
 * Why 4 MiB and not 8 (ninth session): what still grew from a 5,000- to a 20,000-event import was
 * each thread's old generation filling up to its next full collection — garbage (a forced collection
 * after every task left 10–12 MiB live at either size). V8 sets that point at the live size plus
 * 8 MB plus the young generation's capacity: a smaller young generation lowers it, and promotes
 * sooner, so a short import reaches it too. The parse thread's heap over a 20,000-object import
 * (bench/worker-heap.bench.ts): 47.6 MiB at 8 MiB semi-spaces, 34.7 at 4, 27.8 at 2; its CPU +3–5 %
 * at 4 MiB (a few tenths of a per cent of the server's for an import), +5–6 % at 2.
 */
export const WORKER_YOUNG_GENERATION_MB = 12;

/**
 * The worker module `name` beside `moduleUrl` (pass `import.meta.url`): compiled JavaScript in a
 * build (`node dist/main.js`, where tsx is not installed), TypeScript through tsx when Tandem runs
 * from its sources (tests, `tsx`). Only the loader flag is passed: the process's own flags
 * (--expose-gc, --max-old-space-size, …) are not all allowed in a worker, and Node refuses to start
 * one that is given them. `resourceLimits` is for worker threads (piscina passes it on to each).
 */
export function workerScript(
  moduleUrl: string,
  name: string,
): { filename: string; execArgv: string[]; resourceLimits: { maxYoungGenerationSizeMb: number } } {
  const resourceLimits = { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB };
  if (!moduleUrl.endsWith('.ts')) return { filename: new URL(`./${name}.js`, moduleUrl).href, execArgv: [], resourceLimits };
  return {
    filename: new URL(`./${name}.ts`, moduleUrl).href,
    execArgv: ['--import', pathToFileURL(createRequire(moduleUrl).resolve('tsx')).href],
    resourceLimits,
  };
}
