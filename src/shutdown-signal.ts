/**
 * SIGTERM/SIGINT for the long-running commands (`serve`, `worker`): the first signal starts a
 * graceful stop, which the command carries out (stop taking work, let in-flight requests and syncs
 * finish for `graceMs`, then interrupt syncs at a safe point and give back their leases, close the
 * database and Redis) before exiting 0. A stop that still hangs well past the grace period — or a
 * second signal, the operator insisting — ends the process at once with exit code 1.
 */
export interface ShutdownSignal {
  /** Resolves with the first SIGTERM/SIGINT. */
  received: Promise<NodeJS.Signals>;
  dispose(): void;
}

/** After the grace period, how long closing connections and recording outcomes may still take. */
const CLOSE_ALLOWANCE_MS = 15_000;

export function shutdownSignal(options: {
  graceMs: number;
  log: (message: string) => void;
  exit?: (code: number) => void;
}): ShutdownSignal {
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let resolveReceived: (signal: NodeJS.Signals) => void = () => undefined;
  const received = new Promise<NodeJS.Signals>((resolve) => {
    resolveReceived = resolve;
  });
  let deadline: NodeJS.Timeout | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (deadline) {
      options.log(`${signal} again: stopping now, without waiting for work in progress`);
      exit(1);
      return;
    }
    options.log(`${signal}: stopping — no new work; requests and syncs in progress get ${Math.round(options.graceMs / 1000)} s to finish`);
    deadline = setTimeout(() => {
      options.log('could not stop within the grace period; exiting anyway');
      exit(1);
    }, options.graceMs + CLOSE_ALLOWANCE_MS);
    deadline.unref();
    resolveReceived(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    received,
    dispose() {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      if (deadline) clearTimeout(deadline);
    },
  };
}
