import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { AppError, describeErrorCode } from '../services/app-error.ts';
import type { Metrics } from '../observability/metrics.ts';

export interface MetricsExposure {
  /** Required as `Authorization: Bearer <token>` wherever /metrics is served. */
  token: string | null;
  /** Serve /metrics on a port of its own (and not on the API's port). */
  port: number | null;
}

function tokenMatches(header: string | undefined, token: string | null): boolean {
  if (token === null) return true;
  const sent = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  // Compare digests: equal lengths for timingSafeEqual, and no early exit on the first wrong byte.
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(sent), digest(token));
}

/**
 * Counts every answer (latency by route pattern, 409s) and, when a token is configured and no
 * metrics port is, serves /metrics on the API's port behind that token. With neither, /metrics
 * does not exist: metrics are never public by accident.
 */
export function metricsRoutes(metrics: Metrics, exposure: MetricsExposure) {
  const plugin = async (app: FastifyInstance): Promise<void> => {
    app.addHook('onResponse', async (request, reply) => {
      // The pattern (/api/appointments/:id), never the raw URL: ids would make a series each.
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.httpDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
      if (reply.statusCode === 409) metrics.bookingConflicts.inc({ route });
    });
    if (exposure.token === null || exposure.port !== null) return;
    app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
      if (!tokenMatches(request.headers.authorization, exposure.token)) throw new AppError('unauthenticated');
      return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics());
    });
  };
  // Not encapsulated (what fastify-plugin marks): the onResponse hook must see every route of the
  // server, not only the routes of this plugin's own context.
  return Object.assign(plugin, { [Symbol.for('skip-override')]: true });
}

/** /metrics alone on its own port (METRICS_PORT), for a network only the scraper reaches. */
export async function startMetricsServer(metrics: Metrics, options: { host: string; port: number; token: string | null }): Promise<Server> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '/').split('?')[0];
    const fail = (code: 'unauthenticated' | 'not_found' | 'internal_error') => {
      const { status, message } = describeErrorCode(code);
      response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code, message } }));
    };
    if (request.method !== 'GET' || path !== '/metrics') return fail('not_found');
    if (!tokenMatches(request.headers.authorization, options.token)) return fail('unauthenticated');
    metrics.registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
      () => fail('internal_error'),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return server;
}
