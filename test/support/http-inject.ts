import type { FastifyInstance } from 'fastify';

interface InjectOptions {
  method: string;
  url: string;
  headers?: Record<string, string>;
  payload?: unknown;
}

export interface HttpAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  json<T = unknown>(): T;
}

/** One request over real HTTP to a running Tandem (a child process), answered like light-my-request. */
export async function httpRequest(baseUrl: string, options: InjectOptions): Promise<HttpAnswer> {
  const hasBody = options.payload !== undefined;
  const response = await fetch(new URL(options.url, baseUrl), {
    method: options.method,
    headers: { ...(hasBody && { 'content-type': 'application/json' }), ...options.headers },
    ...(hasBody && { body: JSON.stringify(options.payload) }),
  });
  const body = await response.text();
  return { statusCode: response.status, headers: Object.fromEntries(response.headers), body, json: <T>() => JSON.parse(body) as T };
}

/**
 * The test helpers (signUp, connectAndConfigure, …) take a Fastify instance and call only its
 * `inject`; this runs the same calls over HTTP against a Tandem process. Only `inject` exists on it.
 */
export function overHttp(baseUrl: string): FastifyInstance {
  return { inject: (options: InjectOptions) => httpRequest(baseUrl, options) } as unknown as FastifyInstance;
}
