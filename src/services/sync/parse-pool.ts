import { Piscina } from 'piscina';
import type { FetchedItem } from '../../domain/sync/plan-inbound.ts';
import { icalEventCodec } from './ical-codec.ts';
import type { ItemParser, RemoteObject } from './item-parser.ts';
import { parseRemoteItem, type ParseContext } from './parse-remote-item.ts';
import { DEFAULT_SYNC_LIMITS } from './sync-limits.ts';
import { workerScript } from '../../worker-script.ts';

export interface ParsePool {
  parser: ItemParser;
  close(): Promise<void>;
}

/**
 * Parsing and expanding on a pool of worker threads (piscina), so a hostile calendar — a dense
 * series, four large objects at once — costs other requests nothing but a share of the CPU. The
 * workers are started on first use and end after half an hour idle; objects over the size cap never
 * travel to a worker (refusing them is a length check). A batch is split into one task per thread:
 * each task is a round trip between threads, and on a busy machine every wake-up of a thread waits
 * for a core, so one task per object cost more than the parsing itself.
 */
export function createParsePool(options: { threads: number }): ParsePool {
  const threads = Math.max(1, options.threads);
  let pool: Piscina | null = null;
  const open = (): Piscina => {
    pool ??= new Piscina({
      ...workerScript(import.meta.url, 'parse-worker'),
      minThreads: 0,
      maxThreads: threads,
      // A second task is posted to a busy thread, which starts it as soon as it finishes the first,
      // not when the main thread next turns its event loop to hand it over (with PGlite, after a
      // whole batch's store): the engine parses ahead (run-inbound-sync.ts, PARSE_AHEAD).
      concurrentTasksPerWorker: 2,
      idleTimeout: PARSE_THREAD_IDLE_MS,
    });
    return pool;
  };
  const parser: ItemParser = async (objects, context) => {
    const maxBytes = (context.limits ?? DEFAULT_SYNC_LIMITS).maxObjectBytes;
    const parsed = new Array<FetchedItem>(objects.length);
    const toWorkers: number[] = [];
    const inPlace: number[] = [];
    objects.forEach((object, index) => (isSurelyOversize(object, maxBytes) ? inPlace : toWorkers).push(index));
    // The tasks are posted before anything waits: the engine asks for the next batches just before
    // it stores this one, and with the embedded PGlite that store holds the event loop (its queries
    // resolve without a turn of it). Posted after a turn, the parse thread sat idle through the
    // store of every batch (decision 0017, fifth round).
    const perTask = Math.ceil(toWorkers.length / threads);
    const tasks: Promise<void>[] = [];
    for (let start = 0; start < toWorkers.length; start += perTask) {
      const indexes = toWorkers.slice(start, start + perTask);
      const task: ParseTask = { objects: indexes.map((index) => objects[index]!), context };
      tasks.push(
        (open().run(task) as Promise<FetchedItem[]>).then((items) => {
          items.forEach((item, i) => (parsed[indexes[i]!] = item));
        }),
      );
    }
    const workersDone = Promise.all(tasks);
    // Handled at once: a task may fail while this turn of the event loop is still to come.
    workersDone.catch(() => undefined);
    // One turn of the event loop per batch: with the embedded PGlite every query resolves without
    // one, and a run of refused objects would otherwise hold I/O (HTTP requests) until it ends.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (const index of inPlace) parsed[index] = parseRemoteItem(icalEventCodec, objects[index]!, context);
    await workersDone;
    return parsed;
  };
  // An empty task starts a thread and loads the parser's modules (a few hundred ms on a busy machine).
  parser.warm = () =>
    void open()
      .run({ objects: [], context: WARM_CONTEXT } satisfies ParseTask)
      .catch(() => undefined);
  return {
    parser,
    async close() {
      const running = pool;
      pool = null;
      await running?.destroy();
    },
  };
}

/**
 * How long a parse thread is kept without work. A new thread is a new isolate that compiles the
 * parser again: with a minute, a business connecting its calendar to a server quiet for 75 s paid
 * ~0.8 s more of the server's CPU for a 5,000-event import than with the thread kept (3.1 against
 * 2.3 s, mean of three pairs), and a small business's polls restarted it for each changed event
 * found after a quiet minute; the kept thread holds 4–32 MiB more RSS meanwhile (decision 0017,
 * fourteenth session).
 */
const PARSE_THREAD_IDLE_MS = 30 * 60_000;

/** The context of an empty task: nothing is parsed with it. */
const WARM_CONTEXT: ParseContext = { span: { from: new Date(0), to: new Date(0) }, zone: 'UTC', selfEmails: [] };

/** What one worker task parses: a share of a batch. */
export interface ParseTask {
  objects: RemoteObject[];
  context: ParseContext;
}

/** Over the cap whatever its characters (a UTF-16 unit is at least one UTF-8 byte): refused in place, in O(1). */
function isSurelyOversize(object: RemoteObject, maxBytes: number): boolean {
  return object.ics.length > maxBytes;
}
