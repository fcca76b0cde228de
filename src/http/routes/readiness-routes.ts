import type { FastifyInstance } from 'fastify';

export interface ReadinessOptions {
  /** Each dependency by name ('database', 'redis'): resolves true when it answers (within its own timeout). */
  checks: Record<string, () => Promise<boolean>>;
  /** True once shutdown began: a load balancer must stop sending new requests here. */
  draining: () => boolean;
}

/**
 * GET /readyz: 200 when this process can serve requests (every dependency answers), 503 while a
 * dependency is unreachable or the process is shutting down. /healthz stays "the process is alive",
 * so an orchestrator restarts nothing during a database outage — it only routes traffic elsewhere.
 * No authentication and no detail beyond up/down per dependency: it tells nothing about the data.
 */
export function readinessRoutes(options: ReadinessOptions) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
      const names = Object.keys(options.checks);
      const results = await Promise.all(names.map((name) => options.checks[name]!().catch(() => false)));
      const checks = Object.fromEntries(names.map((name, i) => [name, results[i] ? 'ok' : 'unreachable']));
      const draining = options.draining();
      const ready = !draining && results.every(Boolean);
      return reply.status(ready ? 200 : 503).send({ ready, ...(draining && { shuttingDown: true }), checks });
    });
  };
}
