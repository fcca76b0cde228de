import { appendFileSync } from 'node:fs';
import { threadId } from 'node:worker_threads';

/**
 * A timeline of a first import for measuring (decision 0017, eighth session): with TANDEM_TRACE set
 * to a file, each call appends one line — wall-clock ms, the thread, the event — so the bench can
 * lay the server's requests, reads, parses and stores beside Radicale's CPU. Off (one comparison)
 * when the variable is unset; a few dozen lines per import when set.
 */
const file = process.env.TANDEM_TRACE ?? '';

export function traceImport(event: string): void {
  if (file === '') return;
  const m = process.memoryUsage();
  const mem = `rss ${mb(m.rss)} heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} ext ${mb(m.external)} ab ${mb(m.arrayBuffers)}`;
  appendFileSync(file, `${(performance.timeOrigin + performance.now()).toFixed(1)} t${threadId} ${event} [${mem}]\n`);
}

const mb = (bytes: number): string => (bytes / 1048576).toFixed(1);
