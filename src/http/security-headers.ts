import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import helmet, { type HelmetOptions } from 'helmet';
import type { FastifyInstance } from 'fastify';

/**
 * The usual security headers on every answer (API and web app), with a Content-Security-Policy
 * the web app works under: its scripts, styles and the API are all on this origin. Styles may be
 * inline because FullCalendar injects its stylesheet at run time and React writes `style`
 * attributes; scripts may not. `upgrade-insecure-requests` is left out: a self-hosted Tandem on a
 * LAN address over plain HTTP would otherwise load nothing.
 *
 * Helmet's middleware is run once here, and its headers are set by one hook. (@fastify/helmet, used
 * before, built it again on every request — parsing and checking the policy each time — and added a
 * second hook for reply decorators nothing here uses: ≈ 2 % of the server's CPU per booking; then
 * running the built middleware's eleven steps per request was ≈ 0.5–1 %, issue 13.4.)
 */
export async function installSecurityHeaders(app: FastifyInstance): Promise<void> {
  const headers = headersSetBy(helmet(securityHeaderOptions));
  app.addHook('onRequest', (_request, reply, done) => {
    for (const [name, value] of headers) reply.raw.setHeader(name, value);
    done();
  });
}

/** Helmet's options: every default but the Content-Security-Policy, which is the web app's (above). */
export const securityHeaderOptions: HelmetOptions = {
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
};

/**
 * The headers a helmet middleware sets, by their names as it spells them. With these options they
 * do not depend on the request (no nonces, no per-request directives), so one run tells them all.
 */
export function headersSetBy(
  middleware: (request: IncomingMessage, response: ServerResponse, next: (error?: unknown) => void) => void,
): Array<[string, string]> {
  const request = new IncomingMessage(new Socket());
  const response = new ServerResponse(request);
  // Each name as helmet spells it (the answer's header lines keep that spelling).
  const spelling = new Map<string, string>();
  const setHeader = response.setHeader.bind(response);
  response.setHeader = (name, value) => {
    spelling.set(name.toLowerCase(), name);
    return setHeader(name, value);
  };
  let failure: unknown;
  middleware(request, response, (error?: unknown) => {
    failure = error;
  });
  if (failure !== undefined) throw failure instanceof Error ? failure : new Error(String(failure));
  return response.getHeaderNames().map((name) => [spelling.get(name) ?? name, String(response.getHeader(name))]);
}
