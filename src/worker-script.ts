import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * The young generation of each worker thread, in MiB (V8 splits it in three: two semi-spaces and a
 * nursery for large objects, so 24 MiB is 8 MiB semi-spaces, half V8's default of 16 on 64 bits).
 *
 * Why (decision 0020, seventh session): V8 grows a thread's semi-spaces while its scavenges see
 * much surviving, up to 16 MiB each, and keeps them. The parse thread and the multiget thread of a
 * first import reached the 16 MiB after 5,000 events or only after 20,000 (multiget thread: new
 * space 16 MiB committed at 5,000 events, 32 at 20,000) — resident memory set by the import's
 * length. At 8 MiB both reach the cap early in any import. Only the young generation is capped:
 * a 50 MB event (decision 0010) is allocated in the large-object space, which this does not limit.
 */
export const WORKER_YOUNG_GENERATION_MB = 24;

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
