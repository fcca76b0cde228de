import { traceImport } from '../../observability/import-trace.ts';
import type { FetchedItem } from '../../domain/sync/plan-inbound.ts';
import { icalEventCodec } from './ical-codec.ts';
import type { ParseTask } from './parse-pool.ts';
import { parseRemoteItem } from './parse-remote-item.ts';

/** Runs in a worker thread of parse-pool.ts: a share of a batch parsed and expanded, off the event loop. */
export default function parseInWorker(task: ParseTask): FetchedItem[] {
  traceImport(`parse task start ${task.objects.length}`);
  const parsed = task.objects.map((object) => parseRemoteItem(icalEventCodec, object, task.context));
  traceImport(`parse task end ${task.objects.length}`);
  return parsed;
}
