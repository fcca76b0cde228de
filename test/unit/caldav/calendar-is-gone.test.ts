import { describe, expect, it } from 'vitest';
import { calendarIsGone } from '../../../src/caldav/list-calendars.ts';
import type { CalDavTransport } from '../../../src/caldav/transport.ts';

const CALENDAR_URL = 'http://dav.example/user/calendars/work/';

/** A server answering every request with this 207 body. */
const answering = (body: string): CalDavTransport => ({
  request: async () => ({ status: 207, url: CALENDAR_URL, headers: new Headers(), body }),
});
const multistatus = (inner: string) => `<ns0:multistatus xmlns:ns0="DAV:">${inner}</ns0:multistatus>`;

describe('calendarIsGone: only the server’s word about the calendar itself', () => {
  it('a 207 whose one response is a bare 404 (Xandikos, href percent-encoded whole) → gone', async () => {
    const body = multistatus(
      '<ns0:response><ns0:href>http%3A//dav.example/user/calendars/work/</ns0:href><ns0:status>HTTP/1.1 404 Not Found</ns0:status></ns0:response>',
    );
    expect(await calendarIsGone({ url: CALENDAR_URL, transport: answering(body) })).toBe(true);
  });

  it('a 207 with the calendar’s properties → still there', async () => {
    const body = multistatus(
      '<ns0:response><ns0:href>/user/calendars/work/</ns0:href><ns0:propstat><ns0:status>HTTP/1.1 200 OK</ns0:status>' +
        '<ns0:prop><ns0:resourcetype><ns0:collection/></ns0:resourcetype></ns0:prop></ns0:propstat></ns0:response>',
    );
    expect(await calendarIsGone({ url: CALENDAR_URL, transport: answering(body) })).toBe(false);
  });

  it('an empty 207 says nothing of the calendar → not taken for gone', async () => {
    expect(await calendarIsGone({ url: CALENDAR_URL, transport: answering(multistatus('')) })).toBe(false);
  });
});
