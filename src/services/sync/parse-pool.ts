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
 * workers are started on first use and end after a minute idle; objects over the size cap never
 * travel to a worker (refusing them is a length check). Each object is one task, so a batch spreads
 * over all threads.
 */
export function createParsePool(options: { threads: number }): ParsePool {
  let pool: Piscina | null = null;
  const open = (): Piscina => {
    pool ??= new Piscina({
      ...workerScript(import.meta.url, 'parse-worker'),
      minThreads: 0,
      maxThreads: Math.max(1, options.threads),
      idleTimeout: 60_000,
    });
    return pool;
  };
  return {
    parser: async (objects, context) => {
      const maxBytes = (context.limits ?? DEFAULT_SYNC_LIMITS).maxObjectBytes;
      // One turn of the event loop per batch: with the embedded PGlite every query resolves without
      // one, and a run of refused objects would otherwise hold I/O (HTTP requests) until it ends.
      await new Promise<void>((resolve) => setImmediate(resolve));
      return Promise.all(
        objects.map((object): Promise<FetchedItem> | FetchedItem =>
          isSurelyOversize(object, maxBytes)
            ? parseRemoteItem(icalEventCodec, object, context)
            : (open().run({ object, context } satisfies { object: RemoteObject; context: ParseContext }) as Promise<FetchedItem>),
        ),
      );
    },
    async close() {
      const running = pool;
      pool = null;
      await running?.destroy();
    },
  };
}

/** Over the cap whatever its characters (a UTF-16 unit is at least one UTF-8 byte): refused in place, in O(1). */
function isSurelyOversize(object: RemoteObject, maxBytes: number): boolean {
  return object.ics.length > maxBytes;
}
