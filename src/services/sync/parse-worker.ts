import { traceImport } from '../../observability/import-trace.ts';
import { appointmentIdFromUid } from '../../domain/sync/appointment-uid.ts';
import type { FetchedItem } from '../../domain/sync/plan-inbound.ts';
import { isPacked, type ImportedOccurrence } from '../../domain/sync/types.ts';
import { packOccurrenceRows } from '../../store/sync-store/occurrence-rows.ts';
import { icalEventCodec } from './ical-codec.ts';
import type { ParseTask } from './parse-pool.ts';
import { parseRemoteItem } from './parse-remote-item.ts';

/** Runs in a worker thread of parse-pool.ts: a share of a batch parsed and expanded, off the event loop. */
export default function parseInWorker(task: ParseTask): FetchedItem[] {
  traceImport(`parse task start ${task.objects.length}`);
  const parsed = packOccurrences(task.objects.map((object) => parseRemoteItem(icalEventCodec, object, task.context)));
  traceImport(`parse task end ${task.objects.length}`);
  return parsed;
}

/**
 * The task's occurrences written as the store's rows here, one block for the task (occurrence-rows.ts):
 * the event loop then receives one buffer instead of thousands of objects, and only copies bytes
 * into the insert (decision 0017, thirteenth session). Events of our own appointments stay listed:
 * the planner may make them non-blocking (a copy in a conflict calendar), which it does on objects.
 */
function packOccurrences(items: FetchedItem[]): FetchedItem[] {
  const toPack: { content: ReadContent; occurrences: ImportedOccurrence[] }[] = [];
  for (const item of items) {
    const { content } = item;
    if (!content.ok || isPacked(content.occurrences) || content.occurrences.length === 0) continue;
    if (appointmentIdFromUid(item.uid) === null) toPack.push({ content, occurrences: content.occurrences });
  }
  if (toPack.length === 0) return items;
  const rows = packOccurrenceRows(toPack.map(({ occurrences }) => occurrences));
  toPack.forEach(({ content }, index) => (content.occurrences = rows[index]!));
  return items;
}

type ReadContent = Extract<FetchedItem['content'], { ok: true }>;
