import helmet from 'helmet';
import type { FastifyInstance } from 'fastify';

/**
 * The usual security headers on every answer (API and web app), with a Content-Security-Policy
 * the web app works under: its scripts, styles and the API are all on this origin. Styles may be
 * inline because FullCalendar injects its stylesheet at run time and React writes `style`
 * attributes; scripts may not. `upgrade-insecure-requests` is left out: a self-hosted Tandem on a
 * LAN address over plain HTTP would otherwise load nothing.
 *
 * Helmet's middleware is built once here and applied by one hook. (@fastify/helmet, used before,
 * built it again on every request — parsing and checking the policy each time — and added a second
 * hook for reply decorators nothing here uses: ≈ 2 % of the server's CPU per booking, issue 13.4.)
 */
export async function installSecurityHeaders(app: FastifyInstance): Promise<void> {
  const setHeaders = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
      },
    },
  });
  app.addHook('onRequest', (request, reply, done) =>
    setHeaders(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined)),
  );
}
