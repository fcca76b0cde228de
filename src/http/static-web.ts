import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import fastifyStatic from '@fastify/static';

/** Where `npm run build:web` (Vite) writes the web app. */
export const defaultWebDistDir = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Client-side routes of the single-page app: each answers index.html and the app routes itself. */
const spaRoutes = ['/book/*', '/manage/*', '/app', '/app/*', '/appointments/*'];

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Tandem</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; line-height: 1.5">
<h1>Tandem</h1>
<p>The API is running, but the web app has not been built yet.</p>
<p>Run <code>npm run build:web</code> (or <code>npm start</code>, which builds it first), then reload this page.</p>
<p>The API is at <a href="/api/openapi.json">/api/openapi.json</a>.</p>
</body></html>`;

const STATIC_WEB_FLAG = 'tandemStaticWeb';

/**
 * Serves the built web app (`web/dist`) at `/`: hashed assets for a year, `index.html` never cached,
 * and the SPA's own paths (`/book/…`, `/manage/…`, `/app…`) answered with `index.html`. `/api/*`
 * and `/healthz` are untouched, and unknown paths keep their JSON 404 (no file → not-found handler). Without
 * a build, `/` and the SPA paths answer a short page that says how to build it.
 *
 * Call before the server is ready (listen/inject). Calling it twice on one instance does nothing.
 */
export async function registerStaticWeb(app: FastifyInstance, distDir: string): Promise<void> {
  if (app.hasDecorator(STATIC_WEB_FLAG)) return;
  app.decorate(STATIC_WEB_FLAG, true);

  const indexFile = join(distDir, 'index.html');
  if (!existsSync(indexFile)) {
    const notBuilt = async (_request: unknown, reply: FastifyReply) =>
      reply.status(503).header('cache-control', 'no-store').type('text/html; charset=utf-8').send(notBuiltPage);
    for (const url of ['/', ...spaRoutes]) app.get(url, { schema: { hide: true } }, notBuilt);
    return;
  }

  // Encapsulated: the static routes get an error handler of their own (below) without touching the API's.
  await app.register(async (scope) => {
    scope.setErrorHandler((error: FastifyError, _request, reply) => {
      // `send` refuses paths like /../x with 403 and malformed ones with 400: to a browser, "not found".
      const status = error.statusCode ?? 500;
      if (status === 400 || status === 403 || status === 404) return reply.callNotFound();
      if (status < 500) return reply.status(status).send({ error: { code: 'static_file_error', message: error.message } });
      throw error;
    });

    await scope.register(fastifyStatic, {
      root: distDir,
      prefix: '/',
      // A catch-all GET route, so a rebuilt web/dist is served without a restart. Routes with a fixed
      // prefix (/api/…, /healthz) win over it, and a path with no file falls through to the JSON 404.
      wildcard: true,
      index: ['index.html'],
      // Cache-Control is set here rather than by `send`, which would give every file the same max-age.
      cacheControl: false,
      setHeaders(res, path) {
        const hashedAsset = /[\\/]assets[\\/]/.test(path);
        res.setHeader('cache-control', hashedAsset ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });

    const sendIndex = async (_request: unknown, reply: FastifyReply) =>
      reply.header('cache-control', 'no-cache').sendFile('index.html', distDir, { maxAge: 0, immutable: false, cacheControl: false });
    for (const url of spaRoutes) scope.get(url, { schema: { hide: true } }, sendIndex);
  });
}
