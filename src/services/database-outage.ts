/**
 * Whether an error means "the database is unreachable" (connection refused, terminated, admin
 * shutdown) rather than a fault of the request: http/ answers 503 and jobs/ wait quietly. Exposed
 * here so those layers ask a service, not the store.
 */
export { isDatabaseUnavailable } from '../store/pg-errors.ts';
