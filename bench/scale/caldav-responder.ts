/**
 * A CalDAV server that only knows idle calendars, for bench/scale.bench.ts: every sync-collection
 * REPORT is answered "nothing changed" with the token it was asked about, over real HTTP with
 * keep-alive. It listens on SCALE_HOSTS ports, so each port is a separate host to the per-host limit.
 * Runs in its own process (forked) so its CPU is measured apart from the bench's; the parent asks
 * for the request count over IPC.
 */
import type { AddressInfo } from 'node:net';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const hosts = Number(process.env.SCALE_HOSTS ?? 1);
let reports = 0;
let other = 0;
let connections = 0;
/** REPORTs per calendar since the last count: a calendar polled twice in one interval is a wasted poll. */
let perCalendar = new Map<string, number>();

const TOKEN = /<d:sync-token>([^<]*)<\/d:sync-token>/;

function answer(request: IncomingMessage, response: ServerResponse): void {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    if (request.method !== 'REPORT') {
      other++;
      response.writeHead(404, { 'content-length': '0' }).end();
      return;
    }
    reports++;
    const path = request.url ?? '';
    perCalendar.set(path, (perCalendar.get(path) ?? 0) + 1);
    const token = TOKEN.exec(Buffer.concat(chunks).toString('utf8'))?.[1] ?? 'http://bench.invalid/sync/1';
    const body = `<?xml version="1.0" encoding="utf-8"?>\n<d:multistatus xmlns:d="DAV:"><d:sync-token>${token}</d:sync-token></d:multistatus>`;
    response.writeHead(207, { 'content-type': 'application/xml; charset=utf-8', 'content-length': Buffer.byteLength(body) }).end(body);
  });
}

// Each server on a free port of its own; the parent learns them from the 'ready' message.
const ports = await Promise.all(
  Array.from(
    { length: hosts },
    () =>
      new Promise<number>((resolve, reject) => {
        const server = createServer({ keepAliveTimeout: 120_000 }, answer);
        server.on('connection', () => connections++);
        server.once('error', reject);
        server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
      }),
  ),
);

process.on('message', (message) => {
  if (message !== 'count') return;
  let repeated = 0;
  for (const n of perCalendar.values()) repeated += n - 1;
  process.send?.({ reports, other, connections, distinct: perCalendar.size, repeated });
  perCalendar = new Map();
});
process.send?.({ ports });
