import { describe, expect, it } from 'vitest';
import { CalDavError } from '../../../src/caldav/errors.ts';
import {
  canonicalUrl,
  foundProp,
  foundText,
  MAX_XML_CHARS,
  NS,
  parseMultistatus,
  parseXml,
  readMultistatus,
  UNREAD_TEXT,
  type DavResponse,
} from '../../../src/caldav/xml.ts';

const url = 'https://dav.example.com/cal/';

/** Hostile or over-size answers are refused on principle ('refused_response'); garbled ones are 'invalid_response'. */
function invalidResponse(run: () => unknown, kind: 'invalid_response' | 'refused_response' = 'invalid_response'): CalDavError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CalDavError);
    expect((error as CalDavError).kind).toBe(kind);
    return error as CalDavError;
  }
  throw new Error('expected a CalDavError');
}

describe('hostile XML', () => {
  it('refuses a billion-laughs DOCTYPE without expanding anything', () => {
    const lol = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE lolz [',
      '<!ENTITY lol "lol">',
      ...Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
      ']>',
      '<d:multistatus xmlns:d="DAV:"><d:response><d:href>&lol9;</d:href></d:response></d:multistatus>',
    ].join('\n');
    expect(invalidResponse(() => parseMultistatus({ body: lol, url }), 'refused_response').message).toMatch(/DOCTYPE/);
  });

  it('refuses an external entity (no file is read)', () => {
    const xxe =
      '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
      '<d:multistatus xmlns:d="DAV:"><d:response><d:href>&xxe;</d:href></d:response></d:multistatus>';
    const error = invalidResponse(() => parseMultistatus({ body: xxe, url }), 'refused_response');
    expect(error.message).not.toMatch(/root:/);
  });

  it('refuses a DOCTYPE hidden after a comment, but not one inside CDATA text', () => {
    invalidResponse(() => parseXml({ body: '<!-- x --><!doctype a><a/>', url }), 'refused_response');
    const root = parseXml({ body: '<a><![CDATA[<!DOCTYPE html><p>notes</p>]]></a>', url });
    expect(root.text).toBe('<!DOCTYPE html><p>notes</p>');
  });

  it('refuses truncated XML', () => {
    invalidResponse(() => parseMultistatus({ body: '<d:multistatus xmlns:d="DAV:"><d:response><d:href>/a</d:href>', url }));
  });

  it('refuses a body that is not XML', () => {
    invalidResponse(() => parseMultistatus({ body: '<html><body>Service Unavailable', url }));
    invalidResponse(() => parseMultistatus({ body: '{"error":"nope"}', url }));
    invalidResponse(() => parseMultistatus({ body: '', url }));
  });

  it('refuses a well-formed document that is not a DAV multistatus', () => {
    expect(invalidResponse(() => parseMultistatus({ body: '<html xmlns="http://www.w3.org/1999/xhtml"/>', url })).message).toMatch(
      /multistatus/,
    );
  });

  it('refuses a body over the size cap before parsing it', () => {
    const huge = `<a>${'x'.repeat(MAX_XML_CHARS)}</a>`;
    expect(invalidResponse(() => parseXml({ body: huge, url }), 'refused_response').message).toMatch(/larger than/);
  });

  it('refuses absurd nesting with an error rather than exhausting the stack', () => {
    invalidResponse(() => parseXml({ body: `${'<a>'.repeat(50_000)}${'</a>'.repeat(50_000)}`, url }));
  });

  it('refuses an unterminated CDATA section quickly, even repeated many times', () => {
    invalidResponse(() => parseXml({ body: `<a>${'<![CDATA[x'.repeat(200_000)}`, url }));
  });

  it('refuses undeclared namespace prefixes', () => {
    invalidResponse(() => parseXml({ body: '<x:a/>', url }));
  });
});

describe('namespaces and text', () => {
  it('resolves default and prefixed namespaces the same way', () => {
    const a = parseXml({ body: '<multistatus xmlns="DAV:"><href xmlns="DAV:">/x</href></multistatus>', url });
    const b = parseXml({ body: '<D:multistatus xmlns:D="DAV:"><D:href>/x</D:href></D:multistatus>', url });
    for (const root of [a, b]) {
      expect([root.ns, root.name, root.children[0]?.ns, root.children[0]?.name]).toEqual(['DAV:', 'multistatus', 'DAV:', 'href']);
    }
  });

  it('keeps a prefix bound by an ancestor and lets a child rebind it', () => {
    const root = parseXml({ body: '<p:a xmlns:p="urn:one"><p:b/><p:c xmlns:p="urn:two"/></p:a>', url });
    expect(root.children.map((c) => `${c.ns} ${c.name}`)).toEqual(['urn:one b', 'urn:two c']);
  });

  it('decodes escaped calendar-data and keeps CDATA verbatim', () => {
    const escaped = parseXml({ body: '<c>BEGIN:VCALENDAR&#13;\nSUMMARY:Tom &amp; Jerry &lt;3&#13;\nEND:VCALENDAR</c>', url });
    expect(escaped.text).toBe('BEGIN:VCALENDAR\r\nSUMMARY:Tom & Jerry <3\r\nEND:VCALENDAR');
    const cdata = parseXml({ body: '<c><![CDATA[BEGIN:VCALENDAR\nSUMMARY:Tom &amp; Jerry\nEND:VCALENDAR]]></c>', url });
    expect(cdata.text).toBe('BEGIN:VCALENDAR\nSUMMARY:Tom &amp; Jerry\nEND:VCALENDAR');
  });

  it('reads long text runs exactly as short ones: entities, CRLF, CDATA, mixed content, quoted ">"', () => {
    const long = (c: string) => `${c.repeat(5000)}`;
    const body = `<?xml version="1.0"?>\r\n${' '.repeat(5000)}<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
      <c:calendar-data a="x>y">${long('a')}&amp;&lt;&#x41;\r\nBEGIN:VEVENT\r\n${long('b')} > ${long('c')}</c:calendar-data>
      <d:x><![CDATA[${long('<')}]]>${long('d')}<d:y>${long('e')}</d:y>${long('f')}<!-- ${long('-')} -->${long('g')}</d:x>
    </d:multistatus>${' '.repeat(5000)}`;
    const root = parseXml({ body, url });
    const [data, x] = root.children;
    expect(data!.attributes.a).toBe('x>y');
    expect(data!.text).toBe(`${long('a')}&<A\nBEGIN:VEVENT\n${long('b')} > ${long('c')}`);
    expect(x!.text).toBe(`${long('<')}${long('d')}${long('f')}${long('g')}`);
    expect(x!.children[0]!.text).toBe(long('e'));
  });

  it('cannot be fooled into substituting text by a document that writes placeholder-like text', () => {
    const fake = `\uE000000000000000-0\uE000`;
    const body = `<d:multistatus xmlns:d="DAV:"><d:a>${fake}</d:a><d:b>${'z'.repeat(5000)}</d:b></d:multistatus>`;
    const [a, b] = parseXml({ body, url }).children;
    expect(a!.text).toBe(fake);
    expect(b!.text).toBe('z'.repeat(5000));
  });

  it('still refuses a malformed document whose long text was lifted out', () => {
    invalidResponse(() => parseXml({ body: `<d:a xmlns:d="DAV:">${'t'.repeat(5000)}</d:b>`, url }));
  });

  it('only looks at the text of an element it is told not to read: there or not, anywhere it is, and the rest as read in full', () => {
    const unreadText = { ns: NS.CALDAV, name: 'calendar-data' };
    const body = `<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
      <c:calendar-data>BEGIN:VCALENDAR&#13;\nSUMMARY:Tom &amp; Jerry&#13;\n</c:calendar-data>
      <c:calendar-data>  \r\n  </c:calendar-data>
      <c:calendar-data/>
      <c:calendar-data>  <![CDATA[]]>  <![CDATA[ \n ]]>  </c:calendar-data>
      <c:calendar-data> <![CDATA[BEGIN:VCALENDAR]]> </c:calendar-data>
      <c:calendar-data><!-- a comment -->  </c:calendar-data>
      <c:calendar-data>&#13;</c:calendar-data>
      <c:calendar-data>&#160;\u00a0&#x20;</c:calendar-data>
      <c:calendar-data>&#13;&#10;&#65;</c:calendar-data>
      <c:calendar-data> <d:x>inner &amp; read</d:x> </c:calendar-data>
      <d:calendar-data>Tom &amp; Jerry</d:calendar-data>
    </d:multistatus>`;
    const unread = parseXml({ body, url, unreadText }).children;
    const read = parseXml({ body, url }).children;
    // Text that is there reads as UNREAD_TEXT, white space (or nothing) as ''.
    expect(unread.map((e) => e.text)).toEqual([UNREAD_TEXT, '', '', '', UNREAD_TEXT, '', '', '', UNREAD_TEXT, '', 'Tom & Jerry']);
    expect(unread.map((e) => e.text.trim() !== '')).toEqual(read.map((e) => e.text.trim() !== ''));
    // A child of such an element, and an element of the same name in another namespace, are read as always.
    expect(unread[9]!.children[0]!.text).toBe('inner & read');
    // The document is still checked: a malformed one is refused as before.
    invalidResponse(() => parseXml({ body: body.replace('</c:calendar-data>', '</c:calendar-dat>'), url, unreadText }));
  });

  it('leaves numeric-looking text as text', () => {
    expect(parseXml({ body: '<e>1770859402675</e>', url }).text).toBe('1770859402675');
    expect(parseXml({ body: '<e>true</e>', url }).text).toBe('true');
  });
});

describe('multistatus', () => {
  const body = `<?xml version="1.0"?>
    <d:multistatus xmlns:d="DAV:" xmlns:cs="http://calendarserver.org/ns/">
      <d:response>
        <d:href>item.ics</d:href>
        <d:propstat><d:prop><cs:getctag>stale</cs:getctag></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>
        <d:propstat><d:prop><d:getetag> "e1" </d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
      </d:response>
      <d:response><d:href>/cal/gone1.ics</d:href><d:href>/cal/gone2.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>
      <d:sync-token>tok</d:sync-token>
    </d:multistatus>`;

  it('treats props in a failed propstat as absent, even when they carry a value', () => {
    const [first] = parseMultistatus({ body, url }).responses;
    if (first === undefined) throw new Error('one response');
    expect(foundProp(first, NS.CALENDARSERVER, 'getctag')).toBeNull();
    expect(foundText(first, NS.DAV, 'getetag')).toBe('"e1"');
  });

  it('resolves relative hrefs against the answering URL and keeps several hrefs per response', () => {
    const ms = parseMultistatus({ body, url });
    expect(ms.responses.map((r) => r.hrefs)).toEqual([
      ['https://dav.example.com/cal/item.ics'],
      ['https://dav.example.com/cal/gone1.ics', 'https://dav.example.com/cal/gone2.ics'],
    ]);
    expect(ms.responses[1]?.status).toBe(404);
    expect(ms.syncToken).toBe('tok');
  });

  it('spells hrefs canonically whatever the server’s percent-encoding', () => {
    expect(canonicalUrl('/c/a%40b.ics', url)).toBe(canonicalUrl('/c/a@b.ics', url));
    expect(canonicalUrl('/c/a b.ics', url)).toBe(canonicalUrl('/c/a%20b.ics', url));
    expect(canonicalUrl('https://p1.example.com:443/x/', url)).toBe('https://p1.example.com/x/');
  });
});

describe('readMultistatus: one response at a time', () => {
  const member = (name: string): string =>
    `<d:response><d:href>/cal/${name}.ics</d:href><d:propstat><d:prop><d:getetag>"${name}"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
  const listing = (...parts: string[]): string =>
    `<d:multistatus xmlns:d="DAV:">${parts.join('')}<d:sync-token>t1</d:sync-token></d:multistatus>`;

  it('hands over each response in document order, as parseMultistatus lists them, and the token at the end', () => {
    const body = listing(
      member('a'),
      '<d:response><d:href>/cal/b.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>',
      member('c'),
    );
    const seen: DavResponse[] = [];
    const { syncToken } = readMultistatus({ body, url }, (response) => seen.push(response));
    expect(syncToken).toBe('t1');
    expect(seen).toEqual(parseMultistatus({ body, url }).responses);
    expect(seen.map((r) => [r.hrefs[0], r.status, foundText(r, NS.DAV, 'getetag')])).toEqual([
      ['https://dav.example.com/cal/a.ics', null, '"a"'],
      ['https://dav.example.com/cal/b.ics', 404, null],
      ['https://dav.example.com/cal/c.ics', null, '"c"'],
    ]);
  });

  it('hands over responses before the end of the body, yet still refuses a body that turns out malformed', () => {
    const seen: string[] = [];
    const error = invalidResponse(() =>
      readMultistatus({ body: `<d:multistatus xmlns:d="DAV:">${member('a')}${member('b')}<d:response><d:href>`, url }, (r) =>
        seen.push(r.hrefs[0] as string),
      ),
    );
    expect(seen).toEqual(['https://dav.example.com/cal/a.ics', 'https://dav.example.com/cal/b.ics']);
    expect(error.message).toMatch(/malformed XML response/);
  });

  it("reports errors in parseMultistatus's order: malformed body, then unreadable response, then the caller's own", () => {
    const refuse = (): void => {
      throw new CalDavError({ kind: 'invalid_response', url, message: 'the caller refused a member' });
    };
    const noHref = '<d:response><d:status>HTTP/1.1 200 OK</d:status></d:response>';
    // The caller refuses the first member, the second is unreadable: the unreadable one is reported, as before streaming.
    expect(invalidResponse(() => readMultistatus({ body: listing(member('a'), noHref), url }, refuse)).message).toMatch(/without an href/);
    // A malformation after both is reported before either.
    const malformed = `<d:multistatus xmlns:d="DAV:">${member('a')}${noHref}<d:sync-token>t</d:multistatus>`;
    expect(invalidResponse(() => readMultistatus({ body: malformed, url }, refuse)).message).toMatch(/malformed XML response/);
    // Alone, the caller's refusal comes out as it threw it.
    expect(invalidResponse(() => readMultistatus({ body: listing(member('a')), url }, refuse)).message).toBe('the caller refused a member');
  });

  it('reads responses only as children of a DAV:multistatus root, and refuses any other root as before', () => {
    const seen: DavResponse[] = [];
    const other = '<d:propfind xmlns:d="DAV:"><d:response><d:href>/cal/a.ics</d:href></d:response></d:propfind>';
    expect(invalidResponse(() => readMultistatus({ body: other, url }, (r) => seen.push(r))).message).toMatch(/expected a DAV:multistatus/);
    expect(seen).toEqual([]);
  });
});
