import { CalDavError } from './errors.ts';
import { parseEtagList } from './list-etags.ts';
import { parseMultiget, readSpooledObjects } from './multiget.ts';
import { packStrings, type MultistatusTask, type MultistatusTaskResult } from './read-multistatus-off-thread.ts';
import { parseSyncCollection, readSpooledGroup } from './sync-collection.ts';

/**
 * Runs in a worker thread of read-multistatus-off-thread.ts: one large multistatus body read by the
 * same pure functions that read small ones in place. A CalDavError crosses back as its fields (a
 * worker's errors lose their class on the way).
 */
export default function readMultistatusInWorker(received: MultistatusTask): MultistatusTaskResult {
  try {
    if (received.op === 'sync-collection-group') {
      const { op, ...task } = received;
      return { op, ...readSpooledGroup(task) };
    }
    if (received.op === 'multiget-spooled') {
      const { op, ...task } = received;
      return { op, items: readSpooledObjects(task) };
    }
    const task = { ...received, body: typeof received.body === 'string' ? received.body : new TextDecoder().decode(received.body) };
    switch (task.op) {
      case 'sync-collection': {
        const result = parseSyncCollection({ body: task.body, url: task.url, calendarUrl: task.calendarUrl });
        return {
          op: 'sync-collection',
          count: result.changed.length,
          changed: packStrings(result.changed.flatMap((c) => [c.href, c.etag])),
          deleted: result.deleted,
          syncToken: result.syncToken,
          truncated: result.truncated,
        };
      }
      case 'etags': {
        const items = parseEtagList({ body: task.body, url: task.url, calendarUrl: task.calendarUrl });
        return { op: 'etags', count: items.length, items: packStrings(items.flatMap((i) => [i.href, i.etag])) };
      }
      case 'multiget':
        return {
          op: 'multiget',
          items: parseMultiget({ body: task.body, url: task.url, requested: task.requested, requestBase: task.requestBase }),
        };
    }
  } catch (error) {
    if (!(error instanceof CalDavError)) throw error;
    return { op: 'error', error: { kind: error.kind, message: error.message, url: error.url, status: error.status } };
  }
}
