/**
 * The splitter (multistatus-splitter.ts) finds a multistatus's root and each child of it as byte
 * offsets, however the body is cut into pieces: each child read back inside the root's tags must be
 * what the whole document holds (the reader, xml.ts, is the judge), on real servers' answers and on
 * the awkward ones (CDATA and comments holding tags, `>` in quoted attributes, non-ASCII text).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CalDavError } from '../../../src/caldav/errors.ts';
import { MultistatusSplitter, type SplitChild } from '../../../src/caldav/multistatus-splitter.ts';
import { parseMultistatus } from '../../../src/caldav/xml.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'kashcal', 'caldav');
const URL_ = 'https://caldav.example/cal/';

interface Split {
  root: Buffer;
  rootName: string;
  children: SplitChild[];
  /** The calendar-data contents reported as text alone, as [start, end) pairs. */
  dataText: number[];
}

/** Splits `body` fed in pieces of `piece` bytes. */
function split(body: Buffer, piece: number, maxChildBytes = 1 << 30): Split {
  let root = Buffer.alloc(0);
  let rootName = '';
  const children: SplitChild[] = [];
  const dataText: number[] = [];
  const splitter = new MultistatusSplitter(
    {
      onRoot: (tag, name) => {
        root = Buffer.from(tag);
        rootName = name;
      },
      onChild: (child) => children.push(child),
      onDataText: (start, end) => dataText.push(start, end),
    },
    URL_,
    maxChildBytes,
  );
  for (let at = 0; at < body.length; at += piece) splitter.push(body.subarray(at, at + piece));
  splitter.end();
  return { root, rootName, children, dataText };
}

/** The document made of the root's tags and the children, as the splitter found them. */
function reassembled(body: Buffer, found: Split): string {
  return Buffer.concat([
    found.root,
    ...found.children.map((c) => body.subarray(c.start, c.end)),
    Buffer.from(`</${found.rootName}>`),
  ]).toString('utf8');
}

function multistatusFixtures(): Array<[string, Buffer]> {
  const found: Array<[string, Buffer]> = [];
  for (const server of readdirSync(FIXTURES)) {
    const dir = join(FIXTURES, server);
    for (const file of readdirSync(dir)) {
      const body = readFileSync(join(dir, file));
      if (/multistatus/i.test(body.toString('utf8').slice(0, 2000))) found.push([`${server}/${file}`, body]);
    }
  }
  return found;
}

const AWKWARD = Buffer.from(
  [
    '<?xml version="1.0" encoding="utf-8"?>\n<!-- a comment before the root: <d:response> -->',
    '<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" data-x="a > b">',
    '  <d:response><d:href>/cal/a.ics</d:href><d:propstat><d:prop><d:getetag>"1"</d:getetag>',
    '<c:calendar-data><![CDATA[BEGIN:VCALENDAR\r\nSUMMARY:</d:response> & <d:multistatus> ]] ]>\r\nEND:VCALENDAR\r\n]]></c:calendar-data>',
    '</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>',
    '<!-- between members: </d:multistatus> -->',
    '<d:response><d:href>/cal/%C3%A9t%C3%A9.ics</d:href><d:propstat><d:prop><d:getetag>"2"</d:getetag>',
    "<c:calendar-data>SUMMARY:Été à 東京 😀 &lt;b&gt; &#13;</c:calendar-data><d:unknown attr='q\">'/>",
    '</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>',
    '<?processing instruction with > in it?>',
    '<d:response><d:href>/cal/gone.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>',
    '<d:sync-token>http://example/sync/7</d:sync-token><d:empty-child/>',
    '</d:multistatus>\n',
  ].join(''),
  'utf8',
);

describe('the multistatus splitter', () => {
  it.each(multistatusFixtures())('finds every member of %s, read back as the whole document reads', (_name, body) => {
    const whole = parseMultistatus({ body: body.toString('utf8'), url: URL_ });
    const found = split(body, 4096);
    expect(parseMultistatus({ body: reassembled(body, found), url: URL_ })).toEqual(whole);
    expect(found.children.filter((c) => c.localName === 'response')).toHaveLength(whole.responses.length);
  });

  it('finds the same offsets whatever the pieces (1 byte to the whole body), through CDATA, comments, instructions and quotes', () => {
    const once = split(AWKWARD, AWKWARD.length);
    expect(once.children.map((c) => c.localName)).toEqual(['response', 'response', 'response', 'sync-token', 'empty-child']);
    expect(once.rootName).toBe('d:multistatus');
    for (const piece of [1, 2, 3, 5, 7, 9, 16, 64, 333]) expect(split(AWKWARD, piece)).toEqual(once);
    const whole = parseMultistatus({ body: AWKWARD.toString('utf8'), url: URL_ });
    expect(parseMultistatus({ body: reassembled(AWKWARD, once), url: URL_ })).toEqual(whole);
    // Offsets are bytes of the body: the non-ASCII member's bytes are exactly its element.
    const second = once.children[1]!;
    expect(AWKWARD.subarray(second.start, second.end).toString('utf8')).toMatch(/^<d:response>.*東京 😀.*<\/d:response>$/s);
  });

  it("reports a calendar-data's content when it is text alone, whatever the pieces and the prefix", () => {
    const body = Buffer.from(
      `<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:x="urn:ietf:params:xml:ns:caldav">` +
        `<d:response><d:href>/a</d:href><d:propstat><d:prop><c:calendar-data>BEGIN:VCALENDAR\r\nSUMMARY:東京\r\nEND:VCALENDAR</c:calendar-data></d:prop></d:propstat></d:response>` +
        `<d:response><d:href>/b</d:href><d:propstat><d:prop><x:calendar-data attr="a>b">text &amp; more</x:calendar-data></d:prop></d:propstat></d:response>` +
        `<d:response><d:href>/c</d:href><d:propstat><d:prop><c:calendar-data><![CDATA[BEGIN]]></c:calendar-data></d:prop></d:propstat></d:response>` +
        `<d:response><d:href>/d</d:href><d:propstat><d:prop><c:calendar-data>a<!-- c -->b</c:calendar-data></d:prop></d:propstat></d:response>` +
        `<d:response><d:href>/e</d:href><d:propstat><d:prop><c:calendar-data>a<c:x>b</c:x>c</c:calendar-data></d:prop></d:propstat></d:response>` +
        `<d:response><d:href>/f</d:href><d:propstat><d:prop><c:calendar-data>a<?pi x?>b</c:calendar-data><c:calendar-data/><calendar-data></calendar-data></d:prop></d:propstat></d:response>` +
        `</d:multistatus>`,
    );
    const once = split(body, body.length);
    const texts = (found: Split): string[] =>
      found.dataText.flatMap((at, i) => (i % 2 === 0 ? [body.subarray(at, found.dataText[i + 1]).toString('utf8')] : []));
    // Text alone (references included: what is done with them is left to the reader); not CDATA,
    // a comment, an element or an instruction inside; an empty one is reported empty.
    expect(texts(once)).toEqual(['BEGIN:VCALENDAR\r\nSUMMARY:東京\r\nEND:VCALENDAR', 'text &amp; more', '']);
    for (const piece of [1, 2, 3, 7, 64]) expect(split(body, piece).dataText).toEqual(once.dataText);
  });

  it('refuses a DOCTYPE, an unclosed root and a member over the size cap', () => {
    const refused = (body: string, cap = 1 << 20): unknown => {
      try {
        split(Buffer.from(body), 3, cap);
        return null;
      } catch (error) {
        return error;
      }
    };
    const doctype = refused('<!DOCTYPE x [<!ENTITY a "b">]><d:multistatus xmlns:d="DAV:"></d:multistatus>');
    expect(doctype).toBeInstanceOf(CalDavError);
    expect((doctype as CalDavError).kind).toBe('invalid_response');
    expect(refused('<d:multistatus xmlns:d="DAV:"><d:response><d:href>/a</d:href></d:response>')).toBeInstanceOf(CalDavError);
    const big = `<d:multistatus xmlns:d="DAV:"><d:response><d:href>/${'a'.repeat(5000)}</d:href></d:response></d:multistatus>`;
    expect(refused(big, 4096)).toBeInstanceOf(CalDavError);
    expect(refused(big, 8192)).toBeNull();
    // An unfinished tag counts against the cap too: a start tag that never ends is not buffered forever.
    expect(refused(`<d:multistatus xmlns:d="DAV:" x="${'a'.repeat(5000)}`, 4096)).toBeInstanceOf(CalDavError);
  });

  it('keeps nothing of a member between pieces but the tag being read: a 4 MB CDATA section in 1 KB pieces', () => {
    const body = Buffer.from(
      `<d:multistatus xmlns:d="DAV:"><d:response><d:href>/a</d:href><d:x><![CDATA[${'x]'.repeat(2 << 20)}]]]></d:x></d:response><d:response/></d:multistatus>`,
    );
    const found = split(body, 1024);
    expect(found.children.map((c) => [c.localName, c.end - c.start])).toEqual([
      ['response', body.indexOf('<d:response/>') - body.indexOf('<d:response>')],
      ['response', '<d:response/>'.length],
    ]);
  });
});
