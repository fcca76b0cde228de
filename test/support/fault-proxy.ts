import { createServer, request as httpRequest, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { brotliCompressSync, brotliDecompressSync, deflateSync, gzipSync, gunzipSync, inflateSync } from 'node:zlib';
import { seededRandom } from './seeded-random.ts';

export interface FaultSettings {
  /** Seeds the choice of fault per request, so a failing run replays exactly. */
  seed: number;
  /** Close the connection without forwarding the request: the server never sees it. */
  dropConnection?: number;
  /** Forward the request, then close the connection without answering: the server acted, the client cannot know. */
  dropResponse?: number;
  http500?: number;
  http503?: number;
  /** Sent as Retry-After with the 503s; none when unset. */
  retryAfterSeconds?: number;
  /** Hold the connection open without answering until the client gives up (or stop()). Not forwarded. */
  timeout?: number;
  /** Forward, then send the headers (full Content-Length) and only part of the body before closing. */
  truncateBody?: number;
}

export type FaultOutcome = 'passed' | 'dropped' | 'responseDropped' | 'http500' | 'http503' | 'timeout' | 'truncated';

export interface FaultProxy {
  /** Origin to use instead of the target's. */
  url: string;
  setFaults(faults: FaultSettings): void;
  clearFaults(): void;
  /** Requests per outcome since start (or resetCounts()); every request lands in exactly one. */
  counts: Record<FaultOutcome, number>;
  resetCounts(): void;
  stop(): Promise<void>;
}

/** Headers that describe one hop's connection, not the message; never copied across the proxy. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Replaces whole origins only: `http://127.0.0.1:5232` must not match inside `http://127.0.0.1:52321`. */
function originReplacer(map: Array<[string, string]>): (text: string) => string {
  const rules = map.map(([from, to]) => [new RegExp(`${escapeRegExp(from)}(?![0-9])`, 'g'), to] as const);
  return (text) => rules.reduce((acc, [pattern, to]) => acc.replace(pattern, to), text);
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function isXml(headers: IncomingHttpHeaders): boolean {
  return /xml/i.test(String(headers['content-type'] ?? ''));
}

const CODECS: Record<string, { decode: (body: Buffer) => Buffer; encode: (body: Buffer) => Buffer }> = {
  identity: { decode: (body) => body, encode: (body) => body },
  gzip: { decode: gunzipSync, encode: gzipSync },
  'x-gzip': { decode: gunzipSync, encode: gzipSync },
  deflate: { decode: inflateSync, encode: deflateSync },
  br: { decode: brotliDecompressSync, encode: brotliCompressSync },
};

/**
 * Applies `rewrite` to an XML body, decoding and re-encoding it when it is compressed (Radicale gzips
 * for fetch's Accept-Encoding). Returns the very same bytes when the rewrite changes nothing, so a
 * pass-through stays byte-identical.
 */
function rewriteXmlBody(headers: IncomingHttpHeaders, body: Buffer, rewrite: (text: string) => string): Buffer {
  if (body.length === 0 || !isXml(headers)) return body;
  const codec =
    CODECS[
      String(headers['content-encoding'] ?? 'identity')
        .trim()
        .toLowerCase()
    ];
  if (!codec) return body;
  const text = codec.decode(body).toString('utf8');
  const rewritten = rewrite(text);
  return rewritten === text ? body : codec.encode(Buffer.from(rewritten, 'utf8'));
}

/**
 * An HTTP proxy between Tandem and one CalDAV origin that injects faults with seeded probabilities.
 * It rewrites `Host` to the target, and in XML bodies and `Location` headers swaps the target origin for
 * its own (and back in XML request bodies), so absolute hrefs a server returns still route through it.
 * Path-only hrefs — what Radicale and Xandikos send — need nothing. Every other byte passes unchanged.
 *
 * To proxy the iCloud emulator, start one proxy for its partition host and one for its base host with
 * `rewriteOrigins: { [emulator.partitionUrl]: partitionProxy.url }`, so the absolute calendar-home-set
 * the base host returns points into the partition proxy.
 *
 * Each request draws one number; the probabilities are stacked in the order dropConnection,
 * dropResponse, http500, http503, timeout, truncateBody, so with a sum ≤ 1 each is exact, and beyond
 * that the earlier kinds win.
 */
export async function startFaultProxy(
  targetOrigin: string,
  options: { rewriteOrigins?: Record<string, string> } = {},
): Promise<FaultProxy> {
  const target = new URL(targetOrigin);
  if (target.protocol !== 'http:') throw new Error(`fault proxy speaks plain http only: ${targetOrigin}`);
  const targetBase = target.origin;
  const counts: Record<FaultOutcome, number> = {
    passed: 0,
    dropped: 0,
    responseDropped: 0,
    http500: 0,
    http503: 0,
    timeout: 0,
    truncated: 0,
  };
  let faults: FaultSettings | undefined;
  let random: () => number = () => 1;
  const held = new Set<Socket>();
  const server = createServer();
  // Sockets are tracked so stop() can end held ("timeout") connections, which server.close() would wait for.
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      held.delete(socket);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const toClient = originReplacer([
    [targetBase, url],
    ...Object.entries(options.rewriteOrigins ?? {}).map(([from, to]) => [new URL(from).origin, new URL(to).origin] as [string, string]),
  ]);
  const toServer = originReplacer([[url, targetBase]]);

  const pick = (): FaultOutcome => {
    if (!faults) return 'passed';
    const draw = random();
    let edge = 0;
    const order: Array<[FaultOutcome, number | undefined]> = [
      ['dropped', faults.dropConnection],
      ['responseDropped', faults.dropResponse],
      ['http500', faults.http500],
      ['http503', faults.http503],
      ['timeout', faults.timeout],
      ['truncated', faults.truncateBody],
    ];
    for (const [outcome, probability] of order) {
      edge += Math.min(Math.max(probability ?? 0, 0), 1);
      if (draw < edge) return outcome;
    }
    return 'passed';
  };

  const forward = (
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; message: string; headers: IncomingHttpHeaders; rawHeaders: string[]; body: Buffer }> => {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value === undefined || HOP_BY_HOP.has(name) || name === 'content-length' || name === 'host') continue;
      headers[name] = value;
    }
    const outBody = rewriteXmlBody(req.headers, body, toServer);
    headers['content-length'] = String(outBody.length);
    headers.host = target.host;
    if (typeof headers.destination === 'string') headers.destination = toServer(headers.destination);
    return new Promise((resolve, reject) => {
      const upstream = httpRequest(
        { host: target.hostname, port: target.port || 80, method: req.method, path: req.url, headers, agent: false },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 502,
              message: res.statusMessage ?? '',
              headers: res.headers,
              rawHeaders: res.rawHeaders,
              body: Buffer.concat(chunks),
            }),
          );
        },
      );
      upstream.on('error', reject);
      upstream.end(outBody);
    });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    res.on('error', () => undefined);
    const outcome = pick();
    counts[outcome]++;
    if (outcome === 'dropped') {
      req.socket.destroy();
      return;
    }
    if (outcome === 'timeout') {
      // Never answered; the socket stays open until the client gives up or stop() ends it.
      held.add(req.socket);
      req.resume();
      return;
    }
    const body = await readBody(req);
    if (outcome === 'http500' || outcome === 'http503') {
      const headers: Record<string, string> = { 'Content-Type': 'text/plain' };
      if (outcome === 'http503' && faults?.retryAfterSeconds !== undefined) headers['Retry-After'] = String(faults.retryAfterSeconds);
      const text = outcome === 'http500' ? 'Internal Server Error (fault proxy)' : 'Service Unavailable (fault proxy)';
      res.writeHead(outcome === 'http500' ? 500 : 503, { ...headers, 'Content-Length': String(Buffer.byteLength(text)) });
      res.end(text);
      return;
    }
    let answer;
    try {
      answer = await forward(req, body);
    } catch (error) {
      const text = `fault proxy: upstream failed: ${String(error)}`;
      res.writeHead(502, { 'Content-Type': 'text/plain', 'Content-Length': String(Buffer.byteLength(text)) });
      res.end(text);
      return;
    }
    if (outcome === 'responseDropped') {
      req.socket.destroy();
      return;
    }
    const outBody = rewriteXmlBody(answer.headers, answer.body, toClient);
    const headers: Record<string, string | string[]> = {};
    for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) {
      const name = answer.rawHeaders[i] ?? '';
      const value = answer.rawHeaders[i + 1] ?? '';
      const lower = name.toLowerCase();
      if (HOP_BY_HOP.has(lower) || lower === 'content-length') continue;
      const adjusted = lower === 'location' ? toClient(value) : value;
      const existing = headers[name];
      headers[name] = existing === undefined ? adjusted : [...(Array.isArray(existing) ? existing : [existing]), adjusted];
    }
    const noBody = req.method === 'HEAD' || answer.status === 204 || answer.status === 304;
    if (outcome === 'truncated') {
      // Announce the whole body (at least one byte) and send at most half, then hang up mid-message.
      headers['Content-Length'] = String(Math.max(outBody.length, 1));
      res.writeHead(answer.status, answer.message, headers);
      res.write(outBody.subarray(0, Math.floor(outBody.length / 2)), () => req.socket.destroy());
      return;
    }
    if (!noBody) headers['Content-Length'] = String(outBody.length);
    res.writeHead(answer.status, answer.message, headers);
    res.end(noBody ? undefined : outBody);
  };

  server.on('request', (req, res) => void handle(req, res));

  return {
    url,
    setFaults(next) {
      faults = { ...next };
      random = seededRandom(next.seed);
    },
    clearFaults() {
      faults = undefined;
    },
    counts,
    resetCounts() {
      for (const key of Object.keys(counts) as FaultOutcome[]) counts[key] = 0;
    },
    async stop() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
  };
}
