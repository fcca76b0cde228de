/**
 * How soon a calendar is polled again after a successful sync (issue 12.6). A calendar that just
 * changed is likely to change again (a user editing on the iPhone, an invitation being answered), so
 * for a while after a change it is polled every `fastPollMs`; once it has been quiet for `fastForMs`
 * it goes back to `pollMs`. Pure: the clock comes in. An idle poll costs one request either way.
 */
export interface PollPolicy {
  /** The default interval (SYNC_POLL_SECONDS). */
  pollMs: number;
  /** The interval right after a change (SYNC_FAST_POLL_SECONDS); never slower than pollMs. */
  fastPollMs: number;
  /** How long after the last change the fast interval holds (SYNC_FAST_POLL_FOR_SECONDS); 0 turns it off. */
  fastForMs: number;
}

/** The delay until the next poll, given when the calendar last changed (null: never seen changing). */
export function nextPollDelayMs(now: Date, lastChangeAt: Date | null, policy: PollPolicy): number {
  if (lastChangeAt === null) return policy.pollMs;
  const quietFor = now.getTime() - lastChangeAt.getTime();
  // A change stamped "in the future" (clock skew between nodes) counts as just now.
  if (quietFor < policy.fastForMs) return Math.min(policy.fastPollMs, policy.pollMs);
  return policy.pollMs;
}
