import type { FetchedItem } from '../../domain/sync/plan-inbound.ts';
import { parseRemoteItem, type ParseContext } from './parse-remote-item.ts';
import type { EventCodec } from '../../domain/sync/ports.ts';

export interface RemoteObject {
  href: string;
  etag: string | null;
  ics: string;
}

/**
 * Parses and expands a batch of fetched objects. Parsing is the CPU-heavy part of sync (a dense
 * series, a large object), so it must never hold the event loop long: the default parses in this
 * thread and yields between objects; production runs it on a pool of worker threads (parse-pool.ts).
 */
export interface ItemParser {
  (objects: readonly RemoteObject[], context: ParseContext): Promise<FetchedItem[]>;
  /**
   * Starts what parsing needs (a thread, its modules) without waiting for it: the engine calls it
   * before a first import's listing, whose answer takes the server a while, so that start-up is
   * not paid after it. Optional: parsing in this thread needs nothing started.
   */
  warm?: () => void;
}

/** In this thread, one object at a time, letting other work (API requests) run in between. */
export function inThreadItemParser(codec: EventCodec): ItemParser {
  return async (objects, context) => {
    const out: FetchedItem[] = [];
    for (const object of objects) {
      out.push(parseRemoteItem(codec, object, context));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    return out;
  };
}
