import type { FetchedItem } from '../../domain/sync/plan-inbound.ts';
import { icalEventCodec } from './ical-codec.ts';
import type { RemoteObject } from './item-parser.ts';
import { parseRemoteItem, type ParseContext } from './parse-remote-item.ts';

/** Runs in a worker thread of parse-pool.ts: one object parsed and expanded, off the event loop. */
export default function parseInWorker(task: { object: RemoteObject; context: ParseContext }): FetchedItem {
  return parseRemoteItem(icalEventCodec, task.object, task.context);
}
