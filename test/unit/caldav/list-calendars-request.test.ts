import { describe, expect, it } from 'vitest';
import { listCalendars } from '../../../src/caldav/list-calendars.ts';
import type { CalDavRequest, CalDavTransport } from '../../../src/caldav/transport.ts';

const HOME = 'http://dav.example/user/calendars/';

/** Records each request and answers an empty 207. */
function recording(): { transport: CalDavTransport; seen: CalDavRequest[] } {
  const seen: CalDavRequest[] = [];
  const body = '<d:multistatus xmlns:d="DAV:"></d:multistatus>';
  return {
    seen,
    transport: { request: async (request) => (seen.push(request), { status: 207, url: HOME, headers: new Headers(), body }) },
  };
}

/** The local names of the properties a PROPFIND body asks for. */
function askedFor(body: string | undefined): string[] {
  const prop = /<d:prop>(.*)<\/d:prop>/.exec(body ?? '')?.[1] ?? '';
  return [...prop.matchAll(/<\w+:([\w-]+)\/>/g)].map((m) => m[1] as string).sort();
}

describe('listCalendars: what the listing asks of the server', () => {
  it('one Depth-1 PROPFIND of the home, for what picking a calendar needs and nothing computed from every item', async () => {
    const { transport, seen } = recording();
    await listCalendars({ calendarHomeUrl: HOME, transport });
    expect(seen.map((r) => [r.method, r.url, r.headers?.depth])).toEqual([['PROPFIND', HOME, '1']]);
    // getctag, sync-token (and getetag) are what Radicale computes by reading every item of a
    // calendar: about a second per 5,000 events on each listing, for values Tandem never used.
    expect(askedFor(seen[0]?.body)).toEqual(
      [
        'calendar-color',
        'current-user-privilege-set',
        'displayname',
        'resourcetype',
        'schedule-calendar-transp',
        'source',
        'supported-calendar-component-set',
      ].sort(),
    );
  });
});
