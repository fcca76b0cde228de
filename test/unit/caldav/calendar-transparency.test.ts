import { describe, expect, it } from 'vitest';
import { parseCalendarList } from '../../../src/caldav/list-calendars.ts';

const HOME = 'https://caldav.example/cal/';

function listing(transp: string): string {
  return `<?xml version="1.0" encoding="utf-8"?>
<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
  <d:response><d:href>/cal/work/</d:href><d:propstat><d:prop>
    <d:displayname>Work</d:displayname>
    <d:resourcetype><d:collection/><c:calendar/></d:resourcetype>
    ${transp}
  </d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>
</d:multistatus>`;
}

describe('schedule-calendar-transp in the calendar listing (RFC 6638 §9.1)', () => {
  it('reads transparent, opaque, and absent (opaque)', () => {
    const parse = (transp: string) => parseCalendarList({ body: listing(transp), url: HOME })[0]!.transparent;
    expect(parse('<c:schedule-calendar-transp><c:transparent/></c:schedule-calendar-transp>')).toBe(true);
    expect(parse('<c:schedule-calendar-transp><c:opaque/></c:schedule-calendar-transp>')).toBe(false);
    expect(parse('')).toBe(false);
    // A bare text value (Radicale keeps only text of dead properties) is not Apple's form: opaque.
    expect(parse('<c:schedule-calendar-transp>transparent</c:schedule-calendar-transp>')).toBe(false);
  });
});
