/**
 * Every CalDAV HTTP request goes through here: Basic auth, manual redirects, the credential scope
 * and the address guard on every hop, one timeout for the whole exchange, a body size cap, and
 * byte/request accounting.
 *
 * Redirects are followed by hand so that each hop is checked before anything is sent to it: the
 * credentials go only where their scope allows (the server's own origin; for iCloud also its
 * pNN-caldav.icloud.com partition hosts), never over a downgrade from https to http. Sockets get
 * their address from `pinnedLookup`, which refuses private (unless allowed), link-local and cloud
 * metadata addresses inside the lookup itself, so the address checked is the address connected to.
 */
import { Agent, fetch as undiciFetch, type Dispatcher } from 'undici';
import { keepAliveAfterReports } from './keep-alive-reports.ts';
import { unpausedResponses } from './unpaused-responses.ts';
import { assertAllowedHost, pinnedLookup, type HostLookup } from './address-guard.ts';
import { scopeAllows, type CredentialScope } from './credential-scope.ts';
import { CalDavError, errorForStatus, redactUrl } from './errors.ts';

export interface CalDavCredentials {
  username: string;
  password: string;
}

export interface RequestEvent {
  method: string;
  url: string;
  status: number;
  /** Response body bytes received. */
  bytes: number;
  /** Request body bytes sent. */
  bytesSent: number;
  ms: number;
}

/** The fetch the transport calls; tests may pass a stand-in (which then sees no dispatcher use). */
export type FetchFunction = (
  url: URL,
  init: {
    method: string;
    headers: Record<string, string>;
    body: string | undefined;
    redirect: 'manual';
    signal: AbortSignal;
    dispatcher: Dispatcher;
  },
) => Promise<Response>;

export interface CreateTransportOptions {
  credentials: CalDavCredentials;
  /** Where the credentials may be sent; any other URL, first request or redirect, is refused. */
  scope: CredentialScope;
  timeoutMs?: number;
  allowPrivateNetworks?: boolean;
  userAgent?: string;
  maxRedirects?: number;
  /** Response bodies above this are refused with 'refused_response'. */
  maxResponseBytes?: number;
  onRequest?: (event: RequestEvent) => void;
  /** For tests: replaces undici's fetch. */
  fetch?: FetchFunction;
  /** For tests: replaces DNS resolution (the addresses are still checked and then connected to). */
  lookup?: HostLookup;
}

export interface CalDavRequest {
  method: string;
  url: string;
  headers?: Record<string, string>;
  body?: string;
  /**
   * Statuses the caller handles itself (e.g. 404 for a GET, 507 for sync-collection). Any other
   * non-2xx status becomes a CalDavError by kind. Defaults to none (2xx only).
   */
  acceptStatuses?: readonly number[];
  /**
   * Where a 2xx answer's body goes, piece by piece as it arrives, instead of being held: the answer
   * then has an empty body. For answers as large as the calendar (a listing that carries every
   * object, sync-collection.ts), which are read back a part at a time. The sink enforces its own
   * size cap (by throwing); other statuses are read as usual.
   */
  bodySink?: (chunk: Uint8Array) => void;
}

export interface CalDavResponse {
  status: number;
  /** The URL that finally answered, after redirects: relative hrefs resolve against it. */
  url: string;
  headers: Headers;
  /** The body as text (UTF-8), decoded on first read. */
  readonly body: string;
  /** The body as received, for readers that decode it elsewhere (a worker thread); absent on made-up answers. */
  readonly bytes?: Uint8Array;
}

/**
 * An answer whose text is decoded only when read: a large multistatus goes to a worker thread as
 * bytes and is decoded there, so the event loop never decodes (nor copies) it as text.
 */
function answer(status: number, url: string, headers: Headers, bytes: Uint8Array): CalDavResponse {
  let text: string | undefined;
  return {
    status,
    url,
    headers,
    bytes,
    get body() {
      return (text ??= new TextDecoder().decode(bytes));
    },
  };
}

/** The size of an answer's body without decoding it (bytes when known, else characters). */
export function bodySize(response: CalDavResponse): number {
  return response.bytes?.byteLength ?? response.body.length;
}

export interface CalDavTransport {
  request(request: CalDavRequest): Promise<CalDavResponse>;
}

export const DEFAULT_MAX_RESPONSE_BYTES = 50 * 1024 * 1024;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

function toUrl(raw: string, base?: string): URL {
  let url: URL;
  try {
    url = base === undefined ? new URL(raw) : new URL(raw, base);
  } catch (cause) {
    throw new CalDavError({ kind: 'blocked_address', url: redactUrl(raw), message: 'not a valid URL', cause });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new CalDavError({
      kind: 'blocked_address',
      url: url.href,
      message: `refusing ${url.protocol} URL: only http and https are allowed`,
    });
  }
  // Credentials travel in the Authorization header only; user-info in a URL would leak into logs.
  url.username = '';
  url.password = '';
  url.hash = '';
  return url;
}

function isTimeout(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error.name === 'TimeoutError' || (error.name === 'AbortError' && error.cause instanceof Error && error.cause.name === 'TimeoutError'))
  );
}

/** The undici cause code (ECONNREFUSED, ENOTFOUND, …) that explains a "fetch failed". */
function networkCause(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) {
    const code = (cause as Error & { code?: unknown }).code;
    return typeof code === 'string' ? code : cause.message;
  }
  return error instanceof Error ? error.message : 'unknown error';
}

async function readBody(
  response: Response,
  limit: number,
  url: string,
  sink?: (chunk: Uint8Array) => void,
): Promise<{ body: Uint8Array; received: number }> {
  const declared = Number(response.headers.get('content-length'));
  if (sink === undefined && Number.isFinite(declared) && declared > limit) {
    await response.body?.cancel().catch(() => undefined);
    throw new CalDavError({
      kind: 'refused_response',
      url,
      status: response.status,
      message: `response of ${declared} bytes exceeds the ${limit}-byte limit`,
    });
  }
  if (response.body === null) return { body: new Uint8Array(0), received: 0 };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let bytes = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    bytes += value.byteLength;
    if (sink !== undefined) {
      try {
        sink(value);
      } catch (error) {
        await reader.cancel().catch(() => undefined);
        throw error;
      }
      continue;
    }
    if (bytes > limit) {
      await reader.cancel().catch(() => undefined);
      throw new CalDavError({
        kind: 'refused_response',
        url,
        status: response.status,
        message: `response body exceeds the ${limit}-byte limit`,
      });
    }
    chunks.push(value);
  }
  return sink === undefined ? { body: Buffer.concat(chunks, bytes), received: bytes } : { body: new Uint8Array(0), received: bytes };
}

/**
 * One connection pool per address policy, shared by every transport with that policy: a pooled
 * socket was connected to an address the policy checked, and keep-alive survives from one sync
 * run (one transport) to the next. Basic auth travels per request, so sharing sockets across
 * accounts shares nothing secret.
 */
const agents = new Map<string, Dispatcher>();
const customLookupAgents = new WeakMap<HostLookup, Map<boolean, Dispatcher>>();

function agentFor(allowPrivateNetworks: boolean, lookup: HostLookup | undefined): Dispatcher {
  const make = () =>
    new Agent({ connect: { lookup: pinnedLookup({ allowPrivateNetworks, ...(lookup && { lookup }) }) } }).compose(
      unpausedResponses(DEFAULT_MAX_RESPONSE_BYTES),
      keepAliveAfterReports(),
    );
  if (lookup === undefined) {
    const key = String(allowPrivateNetworks);
    let agent = agents.get(key);
    if (!agent) agents.set(key, (agent = make()));
    return agent;
  }
  let byPolicy = customLookupAgents.get(lookup);
  if (!byPolicy) customLookupAgents.set(lookup, (byPolicy = new Map()));
  let agent = byPolicy.get(allowPrivateNetworks);
  if (!agent) byPolicy.set(allowPrivateNetworks, (agent = make()));
  return agent;
}

/** The CalDavError our lookup refused with, or a timeout, hidden in undici's "fetch failed". */
function refusalIn(error: unknown): CalDavError | null {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    if (e instanceof CalDavError) return e;
  }
  return null;
}

export function createTransport(options: CreateTransportOptions): CalDavTransport {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxRedirects = options.maxRedirects ?? 5;
  const maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const userAgent = options.userAgent ?? 'Tandem/0.1';
  const allowPrivate = options.allowPrivateNetworks ?? false;
  const doFetch: FetchFunction = options.fetch ?? (undiciFetch as unknown as FetchFunction);
  const dispatcher = agentFor(allowPrivate, options.lookup);
  const authorization = `Basic ${Buffer.from(`${options.credentials.username}:${options.credentials.password}`, 'utf8').toString('base64')}`;

  async function request(req: CalDavRequest): Promise<CalDavResponse> {
    // One deadline for the whole exchange, redirects and body included.
    const signal = AbortSignal.timeout(timeoutMs);
    let url = toUrl(req.url);
    let method = req.method.toUpperCase();
    let body = req.body;

    for (let hop = 0; ; hop++) {
      if (!scopeAllows(options.scope, url)) {
        throw new CalDavError({
          kind: 'cross_origin',
          url: url.href,
          method,
          target: url.origin,
          message: `refusing to send the account's credentials to ${url.origin}, which is not the server they were given for`,
        });
      }
      assertAllowedHost(url, allowPrivate);
      const started = performance.now();
      const headers: Record<string, string> = {
        ...req.headers,
        authorization,
        'user-agent': userAgent,
      };
      if (body === undefined) delete headers['content-type'];
      const bytesSent = body === undefined ? 0 : Buffer.byteLength(body, 'utf8');
      let response: Response;
      try {
        response = await doFetch(url, { method, headers, body, redirect: 'manual', signal, dispatcher });
      } catch (error) {
        const refusal = refusalIn(error);
        if (refusal !== null) {
          // Raised inside the socket's lookup, which knows the host name only.
          throw new CalDavError({
            kind: refusal.kind,
            url: url.href,
            method,
            message: `${method} ${url.href}: ${refusal.message}`,
            cause: refusal,
          });
        }
        if (isTimeout(error) || signal.aborted) {
          throw new CalDavError({
            kind: 'timeout',
            url: url.href,
            method,
            message: `${method} ${url.href} timed out after ${timeoutMs} ms`,
            cause: error,
          });
        }
        throw new CalDavError({
          kind: 'network',
          url: url.href,
          method,
          message: `${method} ${url.href} failed: ${networkCause(error)}`,
          cause: error,
        });
      }

      const report = (bytes: number) =>
        options.onRequest?.({ method, url: url.href, status: response.status, bytes, bytesSent, ms: performance.now() - started });

      if (REDIRECT_STATUSES.has(response.status)) {
        await response.body?.cancel().catch(() => undefined);
        report(0);
        const location = response.headers.get('location');
        if (location === null) {
          throw new CalDavError({
            kind: 'invalid_response',
            url: url.href,
            method,
            status: response.status,
            message: `HTTP ${response.status} redirect without a Location header`,
          });
        }
        if (hop >= maxRedirects) {
          throw new CalDavError({
            kind: 'invalid_response',
            url: url.href,
            method,
            status: response.status,
            message: `more than ${maxRedirects} redirects`,
          });
        }
        const next = toUrl(location, url.href);
        if (url.protocol === 'https:' && next.protocol === 'http:') {
          throw new CalDavError({
            kind: 'blocked_address',
            url: next.href,
            method,
            message: 'refusing a redirect from https to http (credentials would travel in clear text)',
          });
        }
        if (!scopeAllows(options.scope, next)) {
          throw new CalDavError({
            kind: 'cross_origin',
            url: url.href,
            method,
            target: next.origin,
            status: response.status,
            message: `${url.origin} redirected to ${next.origin}; refusing to send the account's credentials to another server`,
          });
        }
        if (response.status === 303) {
          method = 'GET';
          body = undefined;
        }
        url = next;
        continue;
      }

      let bytes: Uint8Array;
      let received: number;
      try {
        const sink = response.status >= 200 && response.status < 300 ? req.bodySink : undefined;
        ({ body: bytes, received } = await readBody(response, maxResponseBytes, url.href, sink));
      } catch (error) {
        if (error instanceof CalDavError) throw error;
        if (isTimeout(error) || signal.aborted) {
          throw new CalDavError({
            kind: 'timeout',
            url: url.href,
            method,
            message: `${method} ${url.href} timed out after ${timeoutMs} ms`,
            cause: error,
          });
        }
        throw new CalDavError({
          kind: 'network',
          url: url.href,
          method,
          message: `reading the answer to ${method} ${url.href} failed: ${networkCause(error)}`,
          cause: error,
        });
      }
      report(received);
      const ok = (response.status >= 200 && response.status < 300) || (req.acceptStatuses ?? []).includes(response.status);
      if (!ok) throw errorForStatus({ status: response.status, url: url.href, method, headers: response.headers });
      return answer(response.status, url.href, response.headers, bytes);
    }
  }

  return { request };
}
