/**
 * Transport rules that need addresses a test cannot really serve (public hosts, https): checked
 * with a stand-in fetch and DNS. The same rules over real sockets are in test/integration/caldav.
 */
import { describe, expect, it } from 'vitest';
import { createTransport, type RequestEvent } from '../../../src/caldav/transport.ts';
import { failure } from '../../support/expect-caldav-error.ts';

const credentials = { username: 'me@icloud.com', password: 'abcd-efgh-ijkl-mnop' };
const publicLookup = async () => ['17.253.144.10'];

/** A fetch that answers from a table keyed by URL, and records what it was asked. */
function scriptedFetch(answers: Record<string, () => Response>) {
  const calls: Array<{ url: string; method: string; authorization: string | null }> = [];
  const fetchStub = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const headers = new Headers(init?.headers);
    calls.push({ url, method: init?.method ?? 'GET', authorization: headers.get('authorization') });
    const answer = answers[url];
    if (answer === undefined) throw new TypeError(`unexpected fetch of ${url}`);
    return answer();
  }) as typeof fetch;
  return { fetchStub, calls };
}

const redirect = (location: string, status = 301) => () => new Response(null, { status, headers: { location } });
const multistatus = () => new Response('<d:multistatus xmlns:d="DAV:"/>', { status: 207 });


describe('transport', () => {
  it('guards every redirect hop: a redirect to a private address is refused before it is fetched', async () => {
    const { fetchStub, calls } = scriptedFetch({ 'https://caldav.example.com/': redirect('https://10.0.0.5/steal') });
    const transport = createTransport({ credentials, fetch: fetchStub, lookup: publicLookup });
    const error = await failure(transport.request({ method: 'PROPFIND', url: 'https://caldav.example.com/' }));
    expect(error.kind).toBe('blocked_address');
    expect(calls.map((c) => c.url)).toEqual(['https://caldav.example.com/']);
  });

  it('keeps Authorization across origins, as iCloud’s partition redirect needs', async () => {
    const { fetchStub, calls } = scriptedFetch({
      'https://caldav.icloud.com/': redirect('https://p42-caldav.icloud.com:443/123/principal/', 302),
      'https://p42-caldav.icloud.com/123/principal/': multistatus,
    });
    const transport = createTransport({ credentials, fetch: fetchStub, lookup: publicLookup });
    const response = await transport.request({ method: 'PROPFIND', url: 'https://caldav.icloud.com/' });
    expect(response.url).toBe('https://p42-caldav.icloud.com/123/principal/');
    const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    expect(calls.map((c) => [c.method, c.authorization])).toEqual([
      ['PROPFIND', expected],
      ['PROPFIND', expected],
    ]);
  });

  it('refuses a redirect from https to http (credentials would go out in clear text)', async () => {
    const { fetchStub, calls } = scriptedFetch({ 'https://caldav.example.com/': redirect('http://caldav.example.com/') });
    const transport = createTransport({ credentials, fetch: fetchStub, lookup: publicLookup });
    expect((await failure(transport.request({ method: 'GET', url: 'https://caldav.example.com/' }))).kind).toBe('blocked_address');
    expect(calls).toHaveLength(1);
  });

  it('stops after maxRedirects', async () => {
    const { fetchStub, calls } = scriptedFetch({
      'https://a.example.com/': redirect('https://b.example.com/'),
      'https://b.example.com/': redirect('https://a.example.com/'),
    });
    const transport = createTransport({ credentials, fetch: fetchStub, lookup: publicLookup, maxRedirects: 3 });
    const error = await failure(transport.request({ method: 'GET', url: 'https://a.example.com/' }));
    expect(error.kind).toBe('invalid_response');
    expect(error.message).toMatch(/redirects/);
    expect(calls).toHaveLength(4);
  });

  it('treats a redirect without Location as an invalid response', async () => {
    const { fetchStub } = scriptedFetch({ 'https://a.example.com/': () => new Response(null, { status: 302 }) });
    const transport = createTransport({ credentials, fetch: fetchStub, lookup: publicLookup });
    expect((await failure(transport.request({ method: 'GET', url: 'https://a.example.com/' }))).kind).toBe('invalid_response');
  });

  it('refuses non-http schemes and never puts user-info from a URL on the wire or in events', async () => {
    const { fetchStub, calls } = scriptedFetch({ 'https://caldav.example.com/x': multistatus });
    const events: RequestEvent[] = [];
    const transport = createTransport({ credentials, fetch: fetchStub, lookup: publicLookup, onRequest: (e) => events.push(e) });
    expect((await failure(transport.request({ method: 'GET', url: 'file:///etc/passwd' }))).kind).toBe('blocked_address');
    await transport.request({ method: 'GET', url: 'https://someone:hunter2@caldav.example.com/x' });
    expect(calls.map((c) => c.url)).toEqual(['https://caldav.example.com/x']);
    expect(JSON.stringify(events)).not.toContain('hunter2');
  });

  it('maps statuses to kinds and carries Retry-After only where it means "come back later"', async () => {
    const { fetchStub } = scriptedFetch({
      'https://a.example.com/401': () => new Response('no', { status: 401 }),
      'https://a.example.com/429': () => new Response('slow down', { status: 429, headers: { 'retry-after': '30' } }),
      'https://a.example.com/500': () => new Response('oops', { status: 500, headers: { 'retry-after': '30' } }),
      'https://a.example.com/412': () => new Response('', { status: 412 }),
    });
    const transport = createTransport({ credentials, fetch: fetchStub, lookup: publicLookup });
    const get = (path: string) => failure(transport.request({ method: 'GET', url: `https://a.example.com/${path}` }));
    const e401 = await get('401');
    expect([e401.kind, e401.status]).toEqual(['unauthorized', 401]);
    expect(e401.message).not.toContain(credentials.password);
    const e429 = await get('429');
    expect([e429.kind, e429.retryAfterMs]).toEqual(['rate_limited', 30_000]);
    const e500 = await get('500');
    expect([e500.kind, e500.retryAfterMs]).toEqual(['server_error', null]);
    expect((await get('412')).kind).toBe('precondition_failed');
  });
});
