import { MINUTE_MS } from './time.ts';

/**
 * The time an assignment holds its user: the appointment padded by its calendar's buffers, as a
 * PostgreSQL tstzrange literal. The slot engine pads candidates the same way, so the database guard
 * and the engine agree.
 */
export function assigneeRange(buffers: { bufferBeforeMin: number; bufferAfterMin: number }, start: number, end: number): string {
  const from = new Date(start - buffers.bufferBeforeMin * MINUTE_MS).toISOString();
  const to = new Date(end + buffers.bufferAfterMin * MINUTE_MS).toISOString();
  return `[${from},${to})`;
}
