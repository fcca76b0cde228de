/**
 * The CalDAV client over real sockets, against tiny in-test HTTP servers that misbehave on cue:
 * cross-origin redirects, Retry-After, silence, truncation, refused tokens, oversized bodies.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { davRequest } from 'tsdav';
import { afterEach, describe, expect, it } from 'vitest';
import { calendarQueryExpanded } from '../../../src/caldav/calendar-query.ts';
import { discoverAccount } from '../../../src/caldav/discover-account.ts';
import { deleteEvent, getEvent, putEvent } from '../../../src/caldav/event-resource.ts';
import { listCalendars } from '../../../src/caldav/list-calendars.ts';
import { listEtags } from '../../../src/caldav/list-etags.ts';
import { calendarMultiget } from '../../../src/caldav/multiget.ts';
import { syncCollection } from '../../../src/caldav/sync-collection.ts';
import { scopeForUrl, type CredentialScope } from '../../../src/caldav/credential-scope.ts';
import { createTransport, type CreateTransportOptions, type RequestEvent } from '../../../src/caldav/transport.ts';
import { failure } from '../../support/expect-caldav-error.ts';

const credentials = { username: 'me@icloud.com', password: 'abcd-efgh-ijkl-mnop' };
const AUTHORIZATION = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  headers: IncomingMessage['headers'];
  body: string;
}

interface TestServer {
  origin: string;
  seen: Seen[];
}

const servers: Server[] = [];

afterEach(async () => {
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

/** A loopback HTTP server whose handler sees each request with its body already read. */
async function serve(handler: (req: Seen, res: ServerResponse) => void): Promise<TestServer> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const entry: Seen = {
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(entry);
      handler(entry, res);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { origin: `http://127.0.0.1:${address.port}`, seen };
}

function xml(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/xml; charset=utf-8', ...headers });
  res.end(body);
}

/** Every server started so far is in scope by default; the scope itself is tested in 'credential scope'. */
const allServers = (): CredentialScope => ({
  origins: servers.map((server) => `http://127.0.0.1:${(server.address() as AddressInfo).port}`),
});
const transportFor = (extra: Partial<CreateTransportOptions> = {}) =>
  createTransport({ credentials, scope: allServers(), allowPrivateNetworks: true, ...extra });

const MS = (inner: string) =>
  `<?xml version="1.0"?><d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:cs="http://calendarserver.org/ns/">${inner}</d:multistatus>`;
const EVENT = (uid: string) =>
  `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nDTSTART:20260301T100000Z\r\nDTEND:20260301T110000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;

/** An iCloud-shaped pair: the root host redirects and names a principal; the home is on another origin. */
async function icloudLike() {
  const partition = await serve((req, res) => {
    if (req.method === 'PROPFIND' && req.url === '/123/calendars/') {
      return xml(
        res,
        207,
        `<multistatus xmlns="DAV:">
          <response xmlns="DAV:"><href>/123/calendars/</href><propstat><prop><resourcetype><collection/></resourcetype></prop><status>HTTP/1.1 200 OK</status></propstat></response>
          <response xmlns="DAV:"><href>/123/calendars/home/</href><propstat><prop><displayname>Home</displayname><resourcetype><collection/><calendar xmlns="urn:ietf:params:xml:ns:caldav"/></resourcetype><supported-calendar-component-set xmlns="urn:ietf:params:xml:ns:caldav"><comp name="VEVENT" xmlns="urn:ietf:params:xml:ns:caldav"/></supported-calendar-component-set></prop><status>HTTP/1.1 200 OK</status></propstat></response>
          <response xmlns="DAV:"><href>/123/calendars/holidays/</href><propstat><prop><displayname>Holidays</displayname><resourcetype><collection/><subscribed xmlns="http://calendarserver.org/ns/"/></resourcetype><source xmlns="http://calendarserver.org/ns/"><href xmlns="DAV:">webcal://example.com/h.ics</href></source></prop><status>HTTP/1.1 200 OK</status></propstat></response>
        </multistatus>`,
      );
    }
    res.writeHead(404).end();
  });
  const root = await serve((req, res) => {
    if (req.url === '/.well-known/caldav') return void res.writeHead(301, { location: '/' }).end();
    if (req.method === 'PROPFIND' && req.url === '/') {
      return xml(
        res,
        207,
        `<multistatus xmlns="DAV:"><response><href>/</href><propstat><prop><current-user-principal><href>/123/principal/</href></current-user-principal></prop><status>HTTP/1.1 200 OK</status></propstat><propstat><prop><calendar-home-set xmlns="urn:ietf:params:xml:ns:caldav"/></prop><status>HTTP/1.1 404 Not Found</status></propstat></response></multistatus>`,
      );
    }
    if (req.method === 'PROPFIND' && req.url === '/123/principal/') {
      // The partition host answers the principal; iCloud sends clients there by redirect.
      return xml(
        res,
        207,
        `<multistatus xmlns="DAV:"><response><href>/123/principal/</href><propstat><prop><calendar-home-set xmlns="urn:ietf:params:xml:ns:caldav"><href xmlns="DAV:">${partition.origin}/123/calendars/</href></calendar-home-set></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>`,
      );
    }
    res.writeHead(404).end();
  });
  return { root, partition };
}

describe('discovery and redirects', () => {
  it('discovers through a redirect to a home on another origin, with Authorization on every hop', async () => {
    const { root, partition } = await icloudLike();
    const events: RequestEvent[] = [];
    const transport = transportFor({ onRequest: (e) => events.push(e) });
    const account = await discoverAccount({ serverUrl: root.origin, transport });
    expect(account).toEqual({
      principalUrl: `${root.origin}/123/principal/`,
      calendarHomeUrl: `${partition.origin}/123/calendars/`,
      calendarHomeUrls: [`${partition.origin}/123/calendars/`],
      // This server's principal lists no calendar-user-address-set.
      selfAddresses: [],
    });
    const calendars = await listCalendars({ calendarHomeUrl: account.calendarHomeUrl, transport });
    expect(calendars.map((c) => [c.displayName, c.url, c.subscribed, c.connectable, c.writable, c.notConnectableReason])).toEqual([
      ['Home', `${partition.origin}/123/calendars/home/`, false, true, true, null],
      ['Holidays', `${partition.origin}/123/calendars/holidays/`, true, false, false, 'subscribed calendars cannot be connected'],
    ]);
    for (const request of [...root.seen, ...partition.seen]) expect(request.authorization).toBe(AUTHORIZATION);
    expect(root.seen.map((r) => `${r.method} ${r.url}`)).toEqual([
      'PROPFIND /.well-known/caldav',
      'PROPFIND /',
      'PROPFIND /123/principal/',
    ]);
    // Every hop is counted, the redirect included; no event carries the password.
    expect(events.map((e) => e.status)).toEqual([301, 207, 207, 207]);
    expect(events.every((e) => e.bytes >= 0 && e.bytesSent > 0)).toBe(true);
    expect(events.slice(1).every((e) => e.bytes > 0)).toBe(true);
    expect(JSON.stringify(events)).not.toContain(credentials.password);
  });

  it('(why not tsdav) tsdav follows the same cross-origin redirect with fetch, which drops Authorization', async () => {
    const target = await serve((_req, res) => xml(res, 207, MS('')));
    const start = await serve((_req, res) => void res.writeHead(301, { location: `${target.origin}/home/` }).end());
    await davRequest({
      url: `${start.origin}/`,
      init: { method: 'PROPFIND', headers: { authorization: AUTHORIZATION }, namespace: 'd', body: {} },
    });
    expect(start.seen[0]?.authorization).toBe(AUTHORIZATION);
    expect(target.seen[0]?.authorization).toBeUndefined();
  });

  it('refuses loopback servers unless private networks are allowed, without sending anything', async () => {
    const server = await serve((_req, res) => xml(res, 207, MS('')));
    const error = await failure(
      discoverAccount({ serverUrl: server.origin, transport: createTransport({ credentials, scope: scopeForUrl(server.origin) }) }),
    );
    expect(error.kind).toBe('blocked_address');
    const viaName = await failure(
      createTransport({ credentials, scope: scopeForUrl(server.origin.replace('127.0.0.1', 'localhost')) }).request({
        method: 'GET',
        url: server.origin.replace('127.0.0.1', 'localhost'),
      }),
    );
    expect(viaName.kind).toBe('blocked_address');
    expect(server.seen).toHaveLength(0);
  });

  it('reports a refused connection as a network error', async () => {
    const server = await serve((_req, res) => res.end());
    const origin = server.origin;
    const transport = transportFor();
    await new Promise<void>((resolve) => servers.splice(0)[0]?.close(() => resolve()));
    expect((await failure(transport.request({ method: 'GET', url: origin }))).kind).toBe('network');
  });

  it('answers 401 as unauthorized, without the password anywhere in the error', async () => {
    const server = await serve((_req, res) => void res.writeHead(401, { 'www-authenticate': 'Basic realm="x"' }).end());
    const error = await failure(discoverAccount({ serverUrl: server.origin, transport: transportFor() }));
    expect([error.kind, error.status]).toEqual(['unauthorized', 401]);
    expect(`${error.message} ${error.url}`).not.toContain(credentials.password);
  });
});

describe('credential scope and address guard over real sockets', () => {
  it('refuses a discovery redirect to another port: no Authorization arrives there, and the error names the target', async () => {
    const other = await serve((_req, res) => xml(res, 207, MS('')));
    const start = await serve((_req, res) => void res.writeHead(302, { location: `${other.origin}/dav/` }).end());
    const error = await failure(
      discoverAccount({
        serverUrl: start.origin,
        transport: createTransport({ credentials, scope: scopeForUrl(start.origin), allowPrivateNetworks: true }),
      }),
    );
    expect([error.kind, error.target]).toEqual(['cross_origin', other.origin]);
    expect(other.seen).toHaveLength(0);
    expect(start.seen.length).toBeGreaterThan(0);
  });

  it('refuses an href (calendar-home-set) on another origin as well', async () => {
    const other = await serve((_req, res) => xml(res, 207, MS('')));
    const start = await serve((req, res) =>
      xml(
        res,
        207,
        `<multistatus xmlns="DAV:"><response><href>${req.url}</href><propstat><prop><current-user-principal><href>/p/</href></current-user-principal><calendar-home-set xmlns="urn:ietf:params:xml:ns:caldav"><href xmlns="DAV:">${other.origin}/home/</href></calendar-home-set></prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>`,
      ),
    );
    const transport = createTransport({ credentials, scope: scopeForUrl(start.origin), allowPrivateNetworks: true });
    const account = await discoverAccount({ serverUrl: start.origin, transport });
    expect((await failure(listCalendars({ calendarHomeUrl: account.calendarHomeUrl, transport }))).kind).toBe('cross_origin');
    expect(other.seen).toHaveLength(0);
  });

  it('refuses a redirect to cloud metadata with private networks allowed, even where the scope would allow it', async () => {
    for (const location of [
      'http://169.254.169.254/latest/meta-data/iam/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://[fd00:ec2::254]/',
    ]) {
      const start = await serve((_req, res) => void res.writeHead(302, { location }).end());
      const scope = { origins: [start.origin, new URL(location).origin] };
      const error = await failure(
        createTransport({ credentials, scope, allowPrivateNetworks: true }).request({ method: 'PROPFIND', url: `${start.origin}/` }),
      );
      expect(error.kind, location).toBe('blocked_address');
    }
  });

  it('connects to exactly the address it checked (a name is resolved once, by the guard, for the socket)', async () => {
    const server = await serve((_req, res) => xml(res, 207, MS('')));
    const port = new URL(server.origin).port;
    const asked: string[] = [];
    // Names that exist nowhere else: the request can only arrive if the socket used this lookup.
    const lookup = async (name: string): Promise<string[]> => {
      asked.push(name);
      return name === 'calendar.tandem.test' ? ['127.0.0.1'] : ['169.254.169.254'];
    };
    const good = `http://calendar.tandem.test:${port}`;
    const response = await createTransport({ credentials, scope: scopeForUrl(good), allowPrivateNetworks: true, lookup }).request({
      method: 'PROPFIND',
      url: `${good}/`,
    });
    expect(response.status).toBe(207);
    expect(server.seen.map((r) => r.authorization)).toEqual([AUTHORIZATION]);
    expect(asked).toEqual(['calendar.tandem.test']);
    // A name that resolves to the metadata address is refused inside the lookup, with private networks allowed.
    const bad = `http://rebound.tandem.test:${port}`;
    const error = await failure(
      createTransport({ credentials, scope: scopeForUrl(bad), allowPrivateNetworks: true, lookup }).request({
        method: 'PROPFIND',
        url: `${bad}/`,
      }),
    );
    expect(error.kind).toBe('blocked_address');
    expect(error.message).toMatch(/cloud metadata/);
    expect(server.seen).toHaveLength(1);
  });
});

describe('failure modes', () => {
  it('parses Retry-After on 503 into retryAfterMs', async () => {
    const server = await serve((_req, res) => void res.writeHead(503, { 'retry-after': '7' }).end('busy'));
    const error = await failure(listEtags({ calendarUrl: `${server.origin}/cal/`, transport: transportFor() }));
    expect([error.kind, error.status, error.retryAfterMs]).toEqual(['rate_limited', 503, 7000]);
  });

  it('times out a server that never answers', async () => {
    const server = await serve(() => undefined);
    const error = await failure(transportFor({ timeoutMs: 150 }).request({ method: 'GET', url: `${server.origin}/slow` }));
    expect(error.kind).toBe('timeout');
    expect(server.seen).toHaveLength(1);
  });

  it('times out a body that stops half-way', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(207, { 'content-type': 'application/xml' });
      res.write('<d:multistatus xmlns:d="DAV:">');
    });
    expect((await failure(transportFor({ timeoutMs: 150 }).request({ method: 'PROPFIND', url: server.origin }))).kind).toBe('timeout');
  });

  it('refuses a body over the size cap, declared or streamed', async () => {
    const big = `<d:multistatus xmlns:d="DAV:">${'<d:x/>'.repeat(2000)}</d:multistatus>`;
    const declared = await serve((_req, res) => xml(res, 207, big));
    const streamed = await serve((_req, res) => {
      res.writeHead(207, { 'content-type': 'application/xml', 'transfer-encoding': 'chunked' });
      for (let i = 0; i < 20; i++) res.write('<d:x/>'.repeat(100));
      res.end();
    });
    const transport = transportFor({ maxResponseBytes: 1024 });
    for (const server of [declared, streamed]) {
      const error = await failure(transport.request({ method: 'PROPFIND', url: server.origin }));
      expect(error.kind).toBe('refused_response');
      expect(error.message).toMatch(/1024-byte limit/);
    }
  });

  it('turns a non-XML 207 into invalid_response', async () => {
    const server = await serve((_req, res) => xml(res, 207, '<html><body>gateway'));
    expect((await failure(listCalendars({ calendarHomeUrl: `${server.origin}/home/`, transport: transportFor() }))).kind).toBe(
      'invalid_response',
    );
  });
});

describe('sync-collection', () => {
  const cal = '/cal/';

  it('sends the token with Depth 0 and reads changes, deletions and the new token', async () => {
    const server = await serve((_req, res) =>
      xml(
        res,
        207,
        MS(`<d:response><d:href>${cal}</d:href><d:propstat><d:prop><d:getetag>"coll"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
            <d:response><d:href>${cal}a.ics</d:href><d:propstat><d:prop><d:getetag>"a2"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
            <d:response><d:href>${cal}b.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>
            <d:sync-token>tok-2</d:sync-token>`),
      ),
    );
    const result = await syncCollection({ calendarUrl: `${server.origin}${cal}`, syncToken: 'tok-1', transport: transportFor() });
    // iCloud lists the collection itself among the changes; it is not one.
    expect(result).toEqual({
      changed: [{ href: `${server.origin}${cal}a.ics`, etag: '"a2"' }],
      deleted: [`${server.origin}${cal}b.ics`],
      syncToken: 'tok-2',
      truncated: false,
    });
    expect(server.seen[0]?.headers.depth).toBe('0');
    expect(server.seen[0]?.body).toContain('<d:sync-token>tok-1</d:sync-token>');
  });

  it('keeps the connection for the next poll: REPORTs reuse one socket', async () => {
    const server = await serve((_req, res) => xml(res, 207, MS('<d:sync-token>tok-1</d:sync-token>')));
    let connections = 0;
    servers.at(-1)?.on('connection', () => connections++);
    for (let poll = 0; poll < 4; poll++) {
      const result = await syncCollection({ calendarUrl: `${server.origin}${cal}`, syncToken: 'tok-1', transport: transportFor() });
      expect(result.changed).toEqual([]);
    }
    expect(server.seen.map((req) => req.method)).toEqual(['REPORT', 'REPORT', 'REPORT', 'REPORT']);
    // The next request may be sent before the pool has taken the last socket back, so two sockets
    // take turns; without keep-alive each poll would open its own.
    expect(connections).toBeLessThanOrEqual(2);
  });

  it('reads an HTTP 507 multistatus as truncated, with the token to continue from', async () => {
    const server = await serve((_req, res) =>
      xml(
        res,
        507,
        MS(
          `<d:response><d:href>${cal}a.ics</d:href><d:propstat><d:prop><d:getetag>"a"</d:getetag></d:prop></d:propstat></d:response><d:sync-token>page-2</d:sync-token>`,
        ),
      ),
    );
    const result = await syncCollection({ calendarUrl: `${server.origin}${cal}`, syncToken: null, transport: transportFor() });
    expect([result.truncated, result.syncToken, result.changed.length]).toEqual([true, 'page-2', 1]);
    expect(server.seen[0]?.body).toContain('<d:sync-token/>');
  });

  it('reads a 507 on the collection inside a 207 as truncated (RFC 6578 §3.6)', async () => {
    const server = await serve((_req, res) =>
      xml(
        res,
        207,
        MS(
          `<d:response><d:href>${cal}</d:href><d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response><d:sync-token>page-2</d:sync-token>`,
        ),
      ),
    );
    const result = await syncCollection({ calendarUrl: `${server.origin}${cal}`, syncToken: 'x', transport: transportFor() });
    expect([result.truncated, result.syncToken, result.deleted]).toEqual([true, 'page-2', []]);
  });

  it('reports a bare 507 (no multistatus) as insufficient storage', async () => {
    const server = await serve((_req, res) => void res.writeHead(507).end('full'));
    expect((await failure(syncCollection({ calendarUrl: `${server.origin}${cal}`, syncToken: 'x', transport: transportFor() }))).kind).toBe(
      'insufficient_storage',
    );
  });

  it('turns 403 valid-sync-token into sync_token_invalid, and a plain 403 into forbidden', async () => {
    const refused = await serve((_req, res) =>
      xml(res, 403, '<?xml version="1.0"?><d:error xmlns:d="DAV:"><d:valid-sync-token/></d:error>'),
    );
    const forbidden = await serve((_req, res) => xml(res, 403, '<d:error xmlns:d="DAV:"><d:need-privileges/></d:error>'));
    const transport = transportFor();
    expect((await failure(syncCollection({ calendarUrl: `${refused.origin}${cal}`, syncToken: 'old', transport }))).kind).toBe(
      'sync_token_invalid',
    );
    expect((await failure(syncCollection({ calendarUrl: `${forbidden.origin}${cal}`, syncToken: 'old', transport }))).kind).toBe(
      'forbidden',
    );
  });

  it('turns a 500 to a request with a token into sync_token_invalid (Xandikos), but not one without', async () => {
    const server = await serve((_req, res) => void res.writeHead(500).end('Internal Server Error'));
    const transport = transportFor();
    const withToken = await failure(syncCollection({ calendarUrl: `${server.origin}${cal}`, syncToken: 'stale', transport }));
    expect([withToken.kind, withToken.status]).toEqual(['sync_token_invalid', 500]);
    expect((await failure(syncCollection({ calendarUrl: `${server.origin}${cal}`, syncToken: null, transport }))).kind).toBe(
      'server_error',
    );
  });
});

describe('event resources and reports', () => {
  it('writes conditionally: If-None-Match on create, quoted If-Match on update and delete; 412 is precondition_failed', async () => {
    const server = await serve((req, res) => {
      if (req.method === 'PUT' && req.headers['if-match'] === '"stale"') return void res.writeHead(412).end();
      if (req.method === 'PUT') return void res.writeHead(201, { etag: '"v1"' }).end();
      if (req.method === 'DELETE' && req.url === '/cal/gone.ics') return void res.writeHead(404).end();
      res.writeHead(204).end();
    });
    const transport = transportFor();
    const url = `${server.origin}/cal/e.ics`;
    expect(await putEvent({ url, calendarData: EVENT('e'), condition: { ifNoneMatch: '*' }, transport })).toEqual({ etag: '"v1"' });
    await putEvent({ url, calendarData: EVENT('e'), condition: { ifMatch: '1770859402675' }, transport });
    expect((await failure(putEvent({ url, calendarData: EVENT('e'), condition: { ifMatch: '"stale"' }, transport }))).kind).toBe(
      'precondition_failed',
    );
    await deleteEvent({ url, ifMatch: '"v1"', transport });
    await deleteEvent({ url: `${server.origin}/cal/gone.ics`, ifMatch: null, transport });
    expect(server.seen.map((r) => [r.method, r.headers['if-none-match'] ?? null, r.headers['if-match'] ?? null])).toEqual([
      ['PUT', '*', null],
      ['PUT', null, '"1770859402675"'],
      ['PUT', null, '"stale"'],
      ['DELETE', null, '"v1"'],
      ['DELETE', null, null],
    ]);
    expect(server.seen[0]?.headers['content-type']).toMatch(/^text\/calendar/);
    expect(server.seen[0]?.body).toBe(EVENT('e'));
  });

  it('GETs an event with its etag, and null for a missing one', async () => {
    const server = await serve((req, res) => {
      if (req.url === '/cal/e.ics') return void res.writeHead(200, { etag: '"g1"', 'content-type': 'text/calendar' }).end(EVENT('e'));
      res.writeHead(404).end();
    });
    const transport = transportFor();
    expect(await getEvent({ url: `${server.origin}/cal/e.ics`, transport })).toEqual({ etag: '"g1"', calendarData: EVENT('e') });
    expect(await getEvent({ url: `${server.origin}/cal/none.ics`, transport })).toBeNull();
  });

  it('multigets in batches and hands back the hrefs as asked', async () => {
    const server = await serve((req, res) => {
      const hrefs = [...req.body.matchAll(/<d:href>([^<]+)<\/d:href>/g)].map((m) => m[1] as string);
      xml(
        res,
        207,
        MS(
          hrefs
            .map((h) =>
              h.endsWith('missing.ics')
                ? `<d:response><d:href>${h}</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>`
                : `<d:response><d:href>${h.replace('@', '%40')}</d:href><d:propstat><d:prop><d:getetag>"${h}"</d:getetag><c:calendar-data>${EVENT(h).replace(/\r/g, '&#13;')}</c:calendar-data></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`,
            )
            .join(''),
        ),
      );
    });
    const calendarUrl = `${server.origin}/cal/`;
    const hrefs = ['a@x.ics', 'b.ics', 'c.ics', 'missing.ics', 'e.ics'].map((n) => `${calendarUrl}${n}`);
    const items = await calendarMultiget({ calendarUrl, hrefs, transport: transportFor(), batchSize: 2 });
    expect(server.seen).toHaveLength(3);
    expect(server.seen.every((r) => r.method === 'REPORT' && r.headers.depth === '1')).toBe(true);
    expect(items.map((i) => [i.href, i.status])).toEqual(hrefs.map((h) => [h, h.endsWith('missing.ics') ? 404 : 200]));
    expect(items[0]?.calendarData).toBe(EVENT('/cal/a@x.ics'));
    expect(items[3]?.calendarData).toBeNull();
  });

  it('lists etags of events only, without the collection, sub-collections or tasks', async () => {
    const server = await serve((_req, res) =>
      xml(
        res,
        207,
        MS(`<d:response><d:href>/cal/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype><d:getetag>"c"</d:getetag></d:prop></d:propstat></d:response>
            <d:response><d:href>/cal/a.ics</d:href><d:propstat><d:prop><d:getetag>"a"</d:getetag><d:resourcetype/><d:getcontenttype>text/calendar; charset=utf-8; component=VEVENT</d:getcontenttype></d:prop></d:propstat></d:response>
            <d:response><d:href>/cal/t.ics</d:href><d:propstat><d:prop><d:getetag>"t"</d:getetag><d:resourcetype/><d:getcontenttype>text/calendar;component=vtodo</d:getcontenttype></d:prop></d:propstat></d:response>
            <d:response><d:href>/cal/sub/</d:href><d:propstat><d:prop><d:resourcetype><d:collection/></d:resourcetype></d:prop></d:propstat></d:response>
            <d:response><d:href>/cal/b.ics</d:href><d:propstat><d:prop><d:getetag>"b"</d:getetag></d:prop></d:propstat><d:propstat><d:prop><d:getcontenttype/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response>`),
      ),
    );
    const items = await listEtags({ calendarUrl: `${server.origin}/cal`, transport: transportFor() });
    expect(items).toEqual([
      { href: `${server.origin}/cal/a.ics`, etag: '"a"' },
      { href: `${server.origin}/cal/b.ics`, etag: '"b"' },
    ]);
    expect(server.seen[0]?.headers.depth).toBe('1');
  });

  it('falls back to an expanding multiget when calendar-query returns etags without data (Zoho)', async () => {
    const server = await serve((req, res) => {
      if (req.body.includes('calendar-query')) {
        return xml(
          res,
          207,
          MS(
            `<d:response><d:href>/cal/</d:href><d:propstat><d:prop/></d:propstat></d:response><d:response><d:href>/cal/z.ics</d:href><d:propstat><d:prop><d:getetag>177</d:getetag></d:prop></d:propstat></d:response>`,
          ),
        );
      }
      xml(
        res,
        207,
        MS(
          `<d:response><d:href>/cal/z.ics</d:href><d:propstat><d:prop><d:getetag>177</d:getetag><c:calendar-data><![CDATA[${EVENT('z')}]]></c:calendar-data></d:prop></d:propstat></d:response>`,
        ),
      );
    });
    const items = await calendarQueryExpanded({
      calendarUrl: `${server.origin}/cal/`,
      from: new Date('2026-03-01T00:00:00Z'),
      to: new Date('2026-03-31T00:00:00Z'),
      transport: transportFor(),
    });
    // XML normalises raw CRLF to LF, CDATA included (XML 1.0 §2.11); only `&#13;` survives as CR.
    expect(items).toEqual([{ href: `${server.origin}/cal/z.ics`, etag: '177', calendarData: EVENT('z').replace(/\r\n/g, '\n') }]);
    expect(server.seen[0]?.body).toContain('<c:time-range start="20260301T000000Z" end="20260331T000000Z"/>');
    expect(server.seen[1]?.body).toContain('<c:calendar-multiget');
    expect(server.seen[1]?.body).toContain('<c:expand start="20260301T000000Z" end="20260331T000000Z"/>');
  });
});
