/**
 * When to try a failed outbound write again. Exponential, capped, and never sooner than the server
 * asked (Retry-After). Deterministic so tests can state exact times; rows are spread out anyway by
 * when they failed.
 */
export interface BackoffPolicy {
  baseMs: number;
  capMs: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 30_000, capMs: 60 * 60_000 };

/** `attempt` counts the attempts already made (1 after the first failure). */
export function retryDelayMs(attempt: number, retryAfterMs: number | null, policy: BackoffPolicy = defaultBackoff): number {
  const exponential = policy.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 30));
  const delay = Math.min(policy.capMs, exponential);
  return retryAfterMs === null ? delay : Math.max(delay, Math.min(retryAfterMs, policy.capMs));
}
