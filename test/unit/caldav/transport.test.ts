/**
 * Transport rules that need addresses a test cannot really serve (public hosts, https): checked
 * with a stand-in fetch and DNS. The same rules over real sockets are in test/integration/caldav.
 */
import { describe, expect, it } from 'vitest';
import type { CredentialScope } from '../../../src/caldav/credential-scope.ts';
import { icloudCredentialScope } from '../../../src/caldav/providers/icloud.ts';
import { createTransport, type FetchFunction, type RequestEvent } from '../../../src/caldav/transport.ts';
import { failure } from '../../support/expect-caldav-error.ts';

const credentials = { username: 'me@icloud.com', password: 'abcd-efgh-ijkl-mnop' };
const publicLookup = async () => ['17.253.144.10'];
/** The hosts these tests talk to; the scope rules themselves are tested below. */
const scope: CredentialScope = {
  origins: ['https://caldav.example.com', 'https://a.example.com', 'https://b.example.com', 'https://10.0.0.5'],
};

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
  }) as unknown as FetchFunction;
  return { fetchStub, calls };
}

const redirect =
  (location: string, status = 301) =>
  () =>
    new Response(null, { status, headers: { location } });
const multistatus = () => new Response('<d:multistatus xmlns:d="DAV:"/>', { status: 207 });

describe('transport', () => {
  it('guards every redirect hop: a redirect to a private address is refused before it is fetched', async () => {
    const { fetchStub, calls } = scriptedFetch({ 'https://caldav.example.com/': redirect('https://10.0.0.5/steal') });
    const transport = createTransport({ credentials, scope, fetch: fetchStub, lookup: publicLookup });
    const error = await failure(transport.request({ method: 'PROPFIND', url: 'https://caldav.example.com/' }));
    expect(error.kind).toBe('blocked_address');
    expect(calls.map((c) => c.url)).toEqual(['https://caldav.example.com/']);
  });

  it('keeps Authorization on iCloud’s redirect to its partition host (the iCloud scope allows pNN-caldav.icloud.com)', async () => {
    const { fetchStub, calls } = scriptedFetch({
      'https://caldav.icloud.com/': redirect('https://p42-caldav.icloud.com:443/123/principal/', 302),
      'https://p42-caldav.icloud.com/123/principal/': multistatus,
    });
    const transport = createTransport({
      credentials,
      scope: icloudCredentialScope('https://caldav.icloud.com'),
      fetch: fetchStub,
      lookup: publicLookup,
    });
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
    const transport = createTransport({ credentials, scope, fetch: fetchStub, lookup: publicLookup });
    expect((await failure(transport.request({ method: 'GET', url: 'https://caldav.example.com/' }))).kind).toBe('blocked_address');
    expect(calls).toHaveLength(1);
  });

  it('stops after maxRedirects', async () => {
    const { fetchStub, calls } = scriptedFetch({
      'https://a.example.com/': redirect('https://b.example.com/'),
      'https://b.example.com/': redirect('https://a.example.com/'),
    });
    const transport = createTransport({ credentials, scope, fetch: fetchStub, lookup: publicLookup, maxRedirects: 3 });
    const error = await failure(transport.request({ method: 'GET', url: 'https://a.example.com/' }));
    expect(error.kind).toBe('invalid_response');
    expect(error.message).toMatch(/redirects/);
    expect(calls).toHaveLength(4);
  });

  it('treats a redirect without Location as an invalid response', async () => {
    const { fetchStub } = scriptedFetch({ 'https://a.example.com/': () => new Response(null, { status: 302 }) });
    const transport = createTransport({ credentials, scope, fetch: fetchStub, lookup: publicLookup });
    expect((await failure(transport.request({ method: 'GET', url: 'https://a.example.com/' }))).kind).toBe('invalid_response');
  });

  it('refuses non-http schemes and never puts user-info from a URL on the wire or in events', async () => {
    const { fetchStub, calls } = scriptedFetch({ 'https://caldav.example.com/x': multistatus });
    const events: RequestEvent[] = [];
    const transport = createTransport({ credentials, scope, fetch: fetchStub, lookup: publicLookup, onRequest: (e) => events.push(e) });
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
    const transport = createTransport({ credentials, scope, fetch: fetchStub, lookup: publicLookup });
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

  it('refuses a redirect to another origin before anything is sent there, with the target in the error', async () => {
    const { fetchStub, calls } = scriptedFetch({ 'https://caldav.example.com/': redirect('https://evil.example.net/collect', 302) });
    const transport = createTransport({
      credentials,
      scope: { origins: ['https://caldav.example.com'] },
      fetch: fetchStub,
      lookup: publicLookup,
    });
    const error = await failure(transport.request({ method: 'PROPFIND', url: 'https://caldav.example.com/' }));
    expect([error.kind, error.target]).toEqual(['cross_origin', 'https://evil.example.net']);
    expect(calls.map((c) => c.url)).toEqual(['https://caldav.example.com/']);
  });

  it('refuses a first request outside the scope too (an href pointing elsewhere)', async () => {
    const { fetchStub, calls } = scriptedFetch({});
    const transport = createTransport({
      credentials,
      scope: { origins: ['https://caldav.example.com'] },
      fetch: fetchStub,
      lookup: publicLookup,
    });
    for (const url of ['https://caldav.example.com:8443/', 'http://caldav.example.com/', 'https://other.example.com/']) {
      expect((await failure(transport.request({ method: 'GET', url }))).kind).toBe('cross_origin');
    }
    expect(calls).toHaveLength(0);
  });

  it('follows the usual http → https upgrade of the same host, default ports only', async () => {
    const { fetchStub, calls } = scriptedFetch({
      'http://caldav.example.com/': redirect('https://caldav.example.com/dav/'),
      'https://caldav.example.com/dav/': multistatus,
      'http://caldav.example.com:8080/': redirect('https://caldav.example.com:8443/'),
    });
    const transport = createTransport({
      credentials,
      scope: { origins: ['http://caldav.example.com', 'http://caldav.example.com:8080'] },
      fetch: fetchStub,
      lookup: publicLookup,
    });
    expect((await transport.request({ method: 'GET', url: 'http://caldav.example.com/' })).url).toBe('https://caldav.example.com/dav/');
    expect((await failure(transport.request({ method: 'GET', url: 'http://caldav.example.com:8080/' }))).kind).toBe('cross_origin');
    expect(calls.map((c) => c.url)).toEqual([
      'http://caldav.example.com/',
      'https://caldav.example.com/dav/',
      'http://caldav.example.com:8080/',
    ]);
  });

  it('gives iCloud credentials only to Apple’s partition hosts over https on port 443', async () => {
    const { fetchStub, calls } = scriptedFetch({
      'https://caldav.icloud.com/a': redirect('http://p42-caldav.icloud.com/'),
      'https://caldav.icloud.com/b': redirect('https://p42-caldav.icloud.com:8443/'),
      'https://caldav.icloud.com/c': redirect('https://p42-caldav.icloud.com.evil.example/'),
      'https://caldav.icloud.com/d': redirect('https://p42-caldav-icloud.com/'),
    });
    const transport = createTransport({
      credentials,
      scope: icloudCredentialScope('https://caldav.icloud.com'),
      fetch: fetchStub,
      lookup: publicLookup,
    });
    expect((await failure(transport.request({ method: 'GET', url: 'https://caldav.icloud.com/a' }))).kind).toBe('blocked_address'); // https → http
    for (const path of ['b', 'c', 'd']) {
      expect((await failure(transport.request({ method: 'GET', url: `https://caldav.icloud.com/${path}` }))).kind).toBe('cross_origin');
    }
    expect(calls.every((c) => c.url.startsWith('https://caldav.icloud.com/'))).toBe(true);
  });

  it('refuses link-local and cloud metadata addresses even with private networks allowed', async () => {
    const { fetchStub, calls } = scriptedFetch({});
    const targets = [
      'http://169.254.169.254/latest/meta-data/',
      'http://[fd00:ec2::254]/',
      'http://169.254.1.1/',
      'http://[fe80::1]/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://[::ffff:169.254.169.254]/',
    ];
    const transport = createTransport({
      credentials,
      scope: { origins: targets.map((t) => new URL(t).origin) },
      allowPrivateNetworks: true,
      fetch: fetchStub,
      lookup: publicLookup,
    });
    for (const url of targets) expect((await failure(transport.request({ method: 'GET', url }))).kind, url).toBe('blocked_address');
    expect(calls).toHaveLength(0);
  });
});
