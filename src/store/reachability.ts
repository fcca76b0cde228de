/**
 * Whether a backing service (the database, Redis) answers, as seen from the errors and successes of
 * the calls made to it. During an outage every request, tick and job fails the same way; this turns
 * that stream into two events — "down" once, "back" once — so an outage is logged once instead of
 * once per failed call, and readiness can be answered without waiting for a timeout.
 */
export type ReachabilityEvent = { state: 'down'; error: unknown } | { state: 'up'; downForMs: number };

export interface Reachability {
  /** False from the first failure until the next success. */
  readonly up: boolean;
  /** A call failed because the service is unreachable. */
  failed(error: unknown): void;
  /** A call succeeded: the service answers. */
  succeeded(): void;
  /** Called on every change of state; returns the unsubscribe function. */
  subscribe(listener: (event: ReachabilityEvent) => void): () => void;
}

export function createReachability(now: () => number = Date.now): Reachability {
  let downSince: number | null = null;
  const listeners = new Set<(event: ReachabilityEvent) => void>();
  const emit = (event: ReachabilityEvent) => {
    for (const listener of listeners) listener(event);
  };
  return {
    get up() {
      return downSince === null;
    },
    failed(error) {
      if (downSince !== null) return;
      downSince = now();
      emit({ state: 'down', error });
    },
    succeeded() {
      if (downSince === null) return;
      const downForMs = now() - downSince;
      downSince = null;
      emit({ state: 'up', downForMs });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
