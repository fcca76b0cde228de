import { setFlagsFromString } from 'node:v8';

/**
 * How far a V8 heap of this process (the main thread's and every worker thread's: V8's flags are
 * process-wide) may grow past what survived its last full collection before it collects again:
 * 100 % is twice the live size.
 *
 * Why (decision 0020, second round): V8 picks the factor itself, up to 4× on a machine with
 * gigabytes of memory, and keeps it high while its collections are fast. A first import allocates
 * a batch's answers, occurrences and statements over and over, and what lives a few hundred
 * milliseconds is promoted; so the main heap climbed towards 4× its ~35 MiB of live data for as long
 * as the import lasted: at most 108 MiB used at 5,000 events, 158 MiB at 20,000 — the server's RSS
 * grew with the calendar rather than with the batch. At twice the live size the main heap stays under
 * ~80 MiB at any calendar size, for a few more full collections of a small heap.
 *
 * A growth factor, not a limit (unlike --max-old-space-size): a 50 MB event (decision 0010) still
 * gets all the heap it needs; V8 only collects sooner on the way.
 *
 * Why 20 % and not 100 % (decision 0020, seventh session): at twice the live size the server's
 * main heap still grew with the import's *length*. An import promotes ~0.5 MiB of garbage a second
 * into the old generation; from the ~40 MiB live after start-up, a 5,000-event import ended before
 * reaching the limit (2 × live + the young generation: ~95 MiB) and a 20,000-event one got close —
 * old space 55 → 84 MiB at the peak. V8 never lets the limit come closer than 8 MB (plus the young
 * generation) above the live size, so at 20 % both imports reach it early and the peak is the same;
 * the price (estimated) is a full collection of a ~50 MiB heap every ~15 s of import; the
 * server's CPU for an import measured the same.
 *
 * Why 50 % (tenth session): at 20 % the full collections were a large part of a first import's CPU
 * and of a booking's — the young generation promotes garbage steadily, and each full collection
 * marks the whole heap (concurrent marking on V8's background threads, which share the 2 cores with
 * the import's threads and the CalDAV server). Alternated on the same build (bench:import 5,000
 * events, just-started server, 3 pairs at load 1.6–2.6): PGlite 2.81 / 3.05 / 3.29 → 2.68 / 2.87 /
 * 3.23 s of server CPU, PostgreSQL 2.30 / 2.09 / 2.38 → 1.98 / 2.18 / 2.34 s; bench:bookings, 2
 * pairs: 608 / 633 → 664 / 686 bookings/s (server CPU 1.14 / 1.10 → 1.04 / 1.04 ms a booking).
 * Peak RSS of a 20,000-event import: PGlite 453 → 434 MiB, PostgreSQL 266 → 281 MiB — the bound
 * above holds (at 100 % the PGlite peak was 568 MiB).
 */
export const HEAP_GROWING_PERCENT = 50;

/**
 * Sets the factor for the heaps of this process, and hands the sizing of each worker thread's young
 * generation back to its own `resourceLimits` (worker-script.ts); call before the server or worker
 * starts its work (main.ts does, first thing).
 *
 * Why the second (decision 0020, ninth session): V8 sizes an isolate's semi-spaces from
 * `--max-semi-space-size` when the flag is set, and from the thread's resource limits only when it is
 * not — so the start flag below (NODE_FLAGS) silently overrode the worker threads' cap, whatever it
 * was (threads capped at 12 MiB of young generation had 16 MiB of new space in the server). The flag
 * has sized the main thread's young generation when its heap was set up, which this does not
 * change; set back to 0 ("not set"), each thread started afterwards reads its own limits.
 */
export function boundHeapGrowth(): void {
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
  setFlagsFromString('--max-semi-space-size=0');
}

/**
 * The main thread's semi-spaces, in MiB: the young generation is two of them. Half V8's maximum on
 * 64 bits (16), as for the worker threads (worker-script.ts).
 *
 * Why (decision 0020, eighth session): V8 grows the semi-spaces while its scavenges see much
 * surviving and keeps them; any first import takes the main thread's to the maximum, 32 MiB of
 * young generation resident from then on, whatever the calendar's size. At 8 MiB the main heap of a
 * first import's server peaked 16–28 MiB lower on both databases; no CPU cost the measurements
 * could resolve.
 *
 * Unlike the growth factor above this cannot be set once V8's heap exists: it is a flag of the
 * `node` command that starts the server (NODE_FLAGS).
 */
export const MAIN_SEMI_SPACE_MB = 8;

/** The flags `npm start` and `npm run worker` (package.json) start the server with; the benches start it the same way. */
export const NODE_FLAGS: readonly string[] = [`--max-semi-space-size=${MAIN_SEMI_SPACE_MB}`];
