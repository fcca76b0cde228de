import { afterAll, describe, expect, it } from 'vitest';
import Fastify, { type FastifyInstance } from 'fastify';
import helmet from 'helmet';
import { installSecurityHeaders, securityHeaderOptions } from '../../../src/http/security-headers.ts';

/** An answer's header lines, in order, as written: names with their spelling, and values. */
async function headerLines(app: FastifyInstance, url: string): Promise<string[]> {
  const response = await app.inject({ method: 'GET', url });
  const raw = (response.raw.res as unknown as { getRawHeaderNames(): string[] }).getRawHeaderNames();
  return raw.map((name) => `${name}: ${String(response.raw.res.getHeader(name))}`);
}

async function appWith(install: (app: FastifyInstance) => Promise<void> | void): Promise<FastifyInstance> {
  const app = Fastify();
  await install(app);
  app.get('/ok', async () => ({ ok: true }));
  app.get('/fails', async () => {
    throw new Error('boom');
  });
  await app.ready();
  return app;
}

describe('installSecurityHeaders', () => {
  // Helmet's middleware run on every request, as the server did before its headers were worked out once.
  const perRequest = appWith((app) => {
    const middleware = helmet(securityHeaderOptions);
    app.addHook('onRequest', (request, reply, done) =>
      middleware(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined)),
    );
  });
  const once = appWith(installSecurityHeaders);
  afterAll(async () => {
    await (await perRequest).close();
    await (await once).close();
  });

  it.each(['/ok', '/fails', '/missing'])('writes the same header lines as helmet run per request (%s)', async (url) => {
    const expected = await headerLines(await perRequest, url);
    expect(expected.some((line) => line.startsWith('Content-Security-Policy: '))).toBe(true);
    expect(await headerLines(await once, url)).toEqual(expected);
  });
});
