import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import type { FetchedItem } from '../../src/domain/sync/plan-inbound.ts';
import type { ParseTask } from '../../src/services/sync/parse-pool.ts';
import parseInWorker from '../../src/services/sync/parse-worker.ts';

/** The parse thread's heap as a task ends, in bytes (bench/worker-heap.bench.ts). */
export interface ThreadHeap {
  total: number;
  used: number;
  newSpace: number;
  external: number;
}

/** parse-worker.ts's task, answering with the thread's heap as the task ends (the items are still live). */
export default function parseWithHeap(task: ParseTask): { items: FetchedItem[]; heap: ThreadHeap } {
  const items = parseInWorker(task);
  const heap = getHeapStatistics();
  const newSpace = getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0;
  return { items, heap: { total: heap.total_heap_size, used: heap.used_heap_size, newSpace, external: heap.external_memory } };
}
