import type { FastifyInstance } from 'fastify';
import { AppError } from '../services/app-error.ts';

/** Longer than any real link to Tandem (ids are UUIDs, queries a few parameters): refused with 414. */
export const MAX_URL_LENGTH = 8 * 1024;
/**
 * Node's own header limit (16 KiB) is raised so that an over-long URL — up to this size — gets our
 * 414 with the error shape; beyond it the client error handler answers 431 in the same shape.
 */
export const MAX_HEADER_BYTES = 128 * 1024;

/**
 * JSON bodies only. A `__proto__` (or `constructor.prototype`) key is refused by name rather than
 * reported as "not valid JSON": the JSON is valid, the key is what Tandem will not take (prototype
 * pollution). text/plain, which Fastify would otherwise hand to the routes as a string, is not
 * accepted at all: every body is JSON, and the client hears 415 with what to send instead.
 */
export function installRequestParsing(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (request.url.length > MAX_URL_LENGTH) throw new AppError('uri_too_long');
  });
  app.removeContentTypeParser('text/plain');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJson(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/** In a `u` regular expression a surrogate pair is one code point, so this matches only unpaired halves. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Whether the text could parse into a forbidden key or an unpaired surrogate. JSON can spell a key
 * or a surrogate only literally or with a \u escape, so text without `\u`, without the two key names
 * and without a literal unpaired surrogate parses without the reviver, which visits every value
 * (a booking's body is the busiest on the server: issue 13.4).
 */
function mayHideRefusedText(body: string): boolean {
  return body.includes('\\u') || body.includes('__proto__') || body.includes('constructor') || LONE_SURROGATE.test(body);
}

export function parseJson(body: string): unknown {
  if (!mayHideRefusedText(body)) {
    try {
      return JSON.parse(body) as unknown;
    } catch {
      throw new AppError('malformed_json');
    }
  }
  let forbiddenKey = false;
  let brokenText = false;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body, function (key: string, value: unknown) {
      // A lone surrogate ("\ud800") is valid JSON but not text: PostgreSQL refuses it in json values,
      // so it is refused here, for every field, instead of as a 500 deep in a write.
      if (LONE_SURROGATE.test(key) || (typeof value === 'string' && LONE_SURROGATE.test(value))) brokenText = true;
      if (
        key === '__proto__' ||
        (key === 'constructor' && typeof value === 'object' && value !== null && Object.hasOwn(value, 'prototype'))
      )
        forbiddenKey = true;
      return value;
    });
  } catch {
    throw new AppError('malformed_json');
  }
  if (forbiddenKey) throw new AppError('forbidden_json_key');
  if (brokenText)
    throw new AppError('malformed_json', { message: 'The request body contains text that is not valid Unicode (an unpaired surrogate).' });
  return parsed;
}
