import { z } from 'zod';
import { text } from '../schemas.ts';

/** Retries of a booking with the same key get the first answer and book nothing twice. */
export const idempotencyKeyHeader = z.object({ 'idempotency-key': text().min(1).max(200).optional() }).loose();
