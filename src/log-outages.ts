import type { Reachability } from './store/reachability.ts';

export interface OutageLog {
  error(details: { err: unknown }, message: string): void;
  info(message: string): void;
}

const CONSEQUENCES: Record<string, string> = {
  database: 'API requests answer 503 database_unavailable and syncs wait until it is back',
  redis: 'sync jobs wait until it is back',
};

/** One line when a backing service becomes unreachable and one when it answers again; returns the unsubscribe. */
export function logOutages(log: OutageLog, services: Record<string, Reachability>): () => void {
  const unsubscribes = Object.entries(services).map(([name, reachability]) =>
    reachability.subscribe((event) => {
      if (event.state === 'down')
        log.error({ err: event.error }, `${name} unreachable: ${CONSEQUENCES[name] ?? 'waiting until it is back'}`);
      else log.info(`${name} reachable again after ${Math.round(event.downForMs / 1000)} s; resuming`);
    }),
  );
  return () => {
    for (const unsubscribe of unsubscribes) unsubscribe();
  };
}
