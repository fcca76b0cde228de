import type { Reachability } from '../store/reachability.ts';
import { isDatabaseUnavailable } from '../store/pg-errors.ts';
import type { ReportError } from './sync-job.ts';

/** The backing services whose outages the jobs report once rather than at every failed tick. */
export interface JobsHealth {
  database?: Reachability;
  redis?: Reachability;
}

/**
 * While the database is down every scheduler tick and every job fails the same way: those failures
 * mark the outage (logged once by whoever subscribes to `database`) instead of being logged each
 * time. Nothing is lost by staying quiet — the schedule lives in the database, so whatever was due is
 * still due when it returns, and the next tick picks it up.
 */
export function reportingOutagesOnce(onError: ReportError, health: JobsHealth): ReportError {
  const database = health.database;
  if (!database) return onError;
  return (error, context) => {
    if (isDatabaseUnavailable(error)) database.failed(error);
    else onError(error, context);
  };
}
