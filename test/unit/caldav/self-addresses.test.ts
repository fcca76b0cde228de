import { describe, expect, it } from 'vitest';
import { addressesIn } from '../../../src/caldav/discover-account.ts';
import { parseMultistatus } from '../../../src/caldav/xml.ts';

const answer = (hrefs: string[]) =>
  parseMultistatus({
    url: 'http://dav.example/user/',
    body:
      '<ns0:multistatus xmlns:ns0="DAV:" xmlns:ns1="urn:ietf:params:xml:ns:caldav"><ns0:response><ns0:href>/user/</ns0:href>' +
      '<ns0:propstat><ns0:status>HTTP/1.1 200 OK</ns0:status><ns0:prop><ns1:calendar-user-address-set>' +
      hrefs.map((h) => `<ns0:href>${h}</ns0:href>`).join('') +
      '</ns1:calendar-user-address-set></ns0:prop></ns0:propstat></ns0:response></ns0:multistatus>',
  });

describe('calendar-user-address-set values', () => {
  it('are kept as written: mailto:, urn:uuid: and URLs (iCloud)', () => {
    const values = ['mailto:ann@icloud.com', 'urn:uuid:1b2c', 'https://p01-caldav.icloud.com/123/principal/'];
    expect(addressesIn(answer(values))).toEqual(values);
  });

  it('are decoded when the server percent-encodes the scheme’s colon (Xandikos quotes the value like a path)', () => {
    expect(addressesIn(answer(['mailto%3Axan.self%40example.org']))).toEqual(['mailto:xan.self@example.org']);
  });

  it('an empty set (Xandikos without EMAIL) is no address', () => {
    expect(addressesIn(answer([]))).toEqual([]);
  });
});
