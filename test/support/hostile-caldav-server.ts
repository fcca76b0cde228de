/**
 * A CalDAV server that answers like a hostile or huge calendar, over real HTTP: the bench
 * (bench/hostile-calendar.bench.ts, which runs it in a child process so that its own work does not
 * count against Tandem's event loop) and the transport tests drive Tandem's real CalDAV client at it.
 *
 * Calendars are named by their path, `/<kind>/<anything>/`:
 *  - `huge`:  one event whose DESCRIPTION is `hugeBytes` long (a 50 MB event);
 *  - `many`:  a listing of `listingItems` small events (300,000);
 *  - `dense`: 20 dense series with gaps (FREQ=MINUTELY;INTERVAL=30, 10-minute events);
 *  - `small`: three small events.
 * It answers PROPFIND Depth 1 (etag listing), REPORT sync-collection (the same listing with a token)
 * and REPORT calendar-multiget. Bodies are streamed in chunks without a Content-Length (as a server
 * generating them would), unless `contentLength` is set, and nothing large is ever held whole.
 *
 *   node --import tsx test/support/hostile-caldav-server.ts   prints {"origin":"http://127.0.0.1:…"}
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';

export interface HostileServerOptions {
  /** Length of the huge event's DESCRIPTION, in bytes (default 50,000,000). */
  hugeBytes?: number;
  /** Items in the `many` listing (default 300,000). */
  listingItems?: number;
  /** Send a Content-Length with each answer (computed, not buffered). */
  contentLength?: boolean;
}

/** One answer as sent: how many bytes went out, and whether all of them did. */
export interface ServedAnswer {
  method: string;
  path: string;
  declaredBytes: number;
  sentBytes: number;
  /** Every byte was written. */
  complete: boolean;
  /** The exchange is over (answer sent, or the client went away). */
  closed: boolean;
}

export interface HostileServer {
  origin: string;
  /** Every answer so far, as the server sent it (for tests: a refused body was not sent whole). */
  served: ServedAnswer[];
  close(): Promise<void>;
}

const CHUNK = 256 * 1024;
const HEAD = '<?xml version="1.0" encoding="utf-8"?>\n<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">';
const TAIL = '</d:multistatus>';

const vcalendar = (uid: string, lines: string[]): string =>
  `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//hostile//EN\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:20261101T000000Z\r\n${lines.join('\r\n')}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;

function smallEvent(i: number): string {
  return vcalendar(`item-${i}`, [`SUMMARY:Item ${i}`, `DTSTART:202612${String(1 + (i % 28)).padStart(2, '0')}T100000Z`, 'DURATION:PT1H']);
}

function denseEvent(i: number): string {
  return vcalendar(`dense-${i}`, ['DTSTART:20261101T001500Z', 'DURATION:PT10M', 'RRULE:FREQ=MINUTELY;INTERVAL=30']);
}

/** An answer as a sequence of string parts, with its byte length known before any part is made. */
interface Body {
  bytes: number;
  parts: () => Iterable<string>;
}

function kindOf(path: string): string {
  return path.split('/')[1] ?? '';
}

function countFor(kind: string, options: Required<HostileServerOptions>): number {
  if (kind === 'many') return options.listingItems;
  if (kind === 'dense') return 20;
  if (kind === 'huge') return 1;
  return 3;
}

function listing(calendar: string, count: number, token: boolean): Body {
  const entry = (i: number) =>
    // No propstat status (Stalwart omits it; it reads as 200): 300,000 of these stay under the transport's cap.
    `<d:response><d:href>${calendar}${i}.ics</d:href><d:propstat><d:prop><d:getetag>"e${i}"</d:getetag></d:prop></d:propstat></d:response>`;
  const end = `${token ? '<d:sync-token>https://hostile.invalid/token/1</d:sync-token>' : ''}${TAIL}`;
  let bytes = HEAD.length + end.length;
  for (let i = 0; i < count; i++) bytes += entry(i).length;
  return {
    bytes,
    *parts() {
      yield HEAD;
      for (let i = 0; i < count; i++) yield entry(i);
      yield end;
    },
  };
}

function multiget(calendar: string, kind: string, hrefs: string[], hugeBytes: number): Body {
  const pieces = hrefs.map((href) => {
    const index = Number(href.slice(calendar.length).replace('.ics', ''));
    const open = `<d:response><d:href>${href}</d:href><d:propstat><d:prop><d:getetag>"e${index}"</d:getetag><c:calendar-data>`;
    const close = '</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>';
    if (kind === 'huge') {
      const [before, after] = vcalendar('huge', ['DTSTART:20261210T100000Z', 'DURATION:PT1H', 'DESCRIPTION:\u0000']).split('\u0000') as [
        string,
        string,
      ];
      return { bytes: open.length + before.length + hugeBytes + after.length + close.length, open, before, fill: hugeBytes, after, close };
    }
    const ics = kind === 'dense' ? denseEvent(index) : smallEvent(index);
    return { bytes: open.length + ics.length + close.length, open, before: ics, fill: 0, after: '', close };
  });
  return {
    bytes: HEAD.length + TAIL.length + pieces.reduce((sum, p) => sum + p.bytes, 0),
    *parts() {
      yield HEAD;
      const filler = 'x'.repeat(CHUNK);
      for (const p of pieces) {
        yield p.open + p.before;
        for (let left = p.fill; left > 0; left -= CHUNK) yield left >= CHUNK ? filler : filler.slice(0, left);
        yield p.after + p.close;
      }
      yield TAIL;
    },
  };
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

/** Writes the parts in ~256 KiB chunks, waiting for the socket to drain (a slow reader is not buffered for). */
async function send(res: ServerResponse, body: Body, contentLength: boolean, record: ServedAnswer): Promise<void> {
  record.declaredBytes = body.bytes;
  res.writeHead(207, { 'content-type': 'application/xml; charset=utf-8', ...(contentLength && { 'content-length': String(body.bytes) }) });
  let pending = '';
  for (const part of body.parts()) {
    pending += part;
    if (pending.length < CHUNK) continue;
    record.sentBytes += pending.length;
    if (!res.write(pending)) await drained(res);
    pending = '';
    if (res.destroyed) return;
  }
  record.sentBytes += pending.length;
  record.complete = true;
  res.end(pending);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startHostileCalDavServer(options: HostileServerOptions = {}): Promise<HostileServer> {
  const settings: Required<HostileServerOptions> = {
    hugeBytes: options.hugeBytes ?? 50_000_000,
    listingItems: options.listingItems ?? 300_000,
    contentLength: options.contentLength ?? false,
  };
  const served: ServedAnswer[] = [];
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const record: ServedAnswer = { method: req.method ?? '', path, declaredBytes: 0, sentBytes: 0, complete: false, closed: false };
      served.push(record);
      res.once('close', () => (record.closed = true));
      const calendar = path.endsWith('/') ? path : `${path}/`;
      const kind = kindOf(path);
      const count = countFor(kind, settings);
      if (req.method === 'PROPFIND') return send(res, listing(calendar, count, false), settings.contentLength, record);
      if (req.method === 'REPORT' && body.includes('sync-collection'))
        return send(res, listing(calendar, count, true), settings.contentLength, record);
      if (req.method === 'REPORT' && body.includes('calendar-multiget')) {
        const hrefs = [...body.matchAll(/<d:href>([^<]+)<\/d:href>/g)].map((m) => m[1]!);
        return send(res, multiget(calendar, kind, hrefs, settings.hugeBytes), settings.contentLength, record);
      }
      res.writeHead(405).end();
    })().catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    served,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const server = await startHostileCalDavServer({
    ...(process.env.HOSTILE_HUGE_BYTES && { hugeBytes: Number(process.env.HOSTILE_HUGE_BYTES) }),
    ...(process.env.HOSTILE_LISTING_ITEMS && { listingItems: Number(process.env.HOSTILE_LISTING_ITEMS) }),
    contentLength: process.env.HOSTILE_CONTENT_LENGTH === 'true',
  });
  process.stdout.write(`${JSON.stringify({ origin: server.origin })}\n`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}
