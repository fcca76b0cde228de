/**
 * Decision 0025: the one-pass reader in src/caldav/xml.ts against the fast-xml-parser reader it
 * replaced (kept in ./support/fast-xml-parser-reader.ts). For every recorded server answer, every
 * calendar fixture carried as calendar-data in each spelling servers use, every hostile input, and
 * thousands of mutations of them, both readers must agree: the same element tree, or a refusal of
 * the same kind. The few inputs where the new reader is stricter on purpose are listed and pinned.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CalDavError } from '../../../src/caldav/errors.ts';
import { canonicalUrl, escapeXml, MAX_XML_DEPTH, parseXml, type XmlElement } from '../../../src/caldav/xml.ts';
import { CALDAV, DAV, el } from '../../support/icloud-emulator/xml.ts';
import { hrefs, multistatus, serializeICloud } from '../../support/icloud-emulator/icloud-xml.ts';
import { parseXmlWithFastXmlParser } from './support/fast-xml-parser-reader.ts';

const url = 'https://dav.example.com/cal/';
const FIXTURES = join(import.meta.dirname, '..', '..', '..', '..', 'shared', 'fixtures');

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path, ext) : path.endsWith(ext) ? [path] : [];
  });
}

type Outcome = { tree: XmlElement } | { refused: string };

function outcome(read: (p: { body: string; url: string }) => XmlElement, body: string): Outcome {
  try {
    return { tree: read({ body, url }) };
  } catch (error) {
    if (!(error instanceof CalDavError)) throw error;
    return { refused: error.kind };
  }
}

const oldReader = (body: string) => outcome(parseXmlWithFastXmlParser, body);
const newReader = (body: string) => outcome(parseXml, body);

function expectSameOutcome(body: string): Outcome {
  const expected = oldReader(body);
  expect(newReader(body), body.length > 300 ? `${body.slice(0, 300)}…` : body).toEqual(expected);
  return expected;
}

const xmlAnswers = filesUnder(join(FIXTURES, 'kashcal', 'caldav'), '.xml').map((path) => readFileSync(path, 'utf8'));
const calendars = filesUnder(join(FIXTURES, 'kashcal', 'ical'), '.ics').map((path) => readFileSync(path, 'utf8'));

/** A calendar-multiget answer carrying `data` the way a given server writes calendar-data. */
function multigetAnswers(data: string, i: number): string[] {
  const crlf = data.replace(/\r?\n/g, '\r\n');
  const href = `/cal/event-${i}.ics`;
  const prefixed = (calendarData: string) =>
    `<?xml version='1.0' encoding='utf-8'?>\n<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><response><href>${href}</href>` +
    `<propstat><prop><getetag>"e${i}"</getetag><C:calendar-data>${calendarData}</C:calendar-data></prop>` +
    `<status>HTTP/1.1 200 OK</status></propstat></response></multistatus>`;
  const icloud = serializeICloud(
    multistatus([
      el(DAV, 'response', [
        ...hrefs(href),
        el(DAV, 'propstat', [
          el(DAV, 'prop', [el(DAV, 'getetag', [`"e${i}"`]), el(CALDAV, 'calendar-data', [data])]),
          el(DAV, 'status', ['HTTP/1.1 200 OK']),
        ]),
      ]),
    ]),
  );
  return [
    // Radicale: raw CRLF, escaped text.
    prefixed(escapeXml(crlf)),
    // Carriage returns as character references (SabreDAV, Nextcloud).
    prefixed(escapeXml(crlf).replace(/\r/g, '&#13;')),
    // CDATA (Zoho, Open-Xchange).
    prefixed(`<![CDATA[${crlf}]]>`),
    icloud,
  ];
}

const calendarAnswers = calendars.flatMap((data, i) => multigetAnswers(data, i));

const long = (c: string, n = 5000) => c.repeat(n);

/** Hostile and odd answers: each must be refused, or read, exactly as before. */
const hostile: string[] = [
  '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;">]>\n<d:multistatus xmlns:d="DAV:"><d:href>&lol1;</d:href></d:multistatus>',
  '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><d:multistatus xmlns:d="DAV:"><d:href>&xxe;</d:href></d:multistatus>',
  '<!-- x --><!doctype a><a/>',
  '<a><![CDATA[<!DOCTYPE html><p>notes</p>]]></a>',
  '<d:multistatus xmlns:d="DAV:"><d:response><d:href>/a</d:href>',
  '<html><body>Service Unavailable',
  '{"error":"nope"}',
  '',
  '   \n ',
  '<html xmlns="http://www.w3.org/1999/xhtml"/>',
  `<a>${'<![CDATA[x'.repeat(2000)}`,
  '<x:a/>',
  '<a><x:b/></a>',
  '<multistatus xmlns="DAV:"><href xmlns="DAV:">/x</href></multistatus>',
  '<D:multistatus xmlns:D="DAV:"><D:href>/x</D:href></D:multistatus>',
  '<p:a xmlns:p="urn:one"><p:b/><p:c xmlns:p="urn:two"/></p:a>',
  '<a xmlns="urn:one"><b xmlns=""/><c/></a>',
  '<c>BEGIN:VCALENDAR&#13;\nSUMMARY:Tom &amp; Jerry &lt;3&#13;\nEND:VCALENDAR</c>',
  '<c><![CDATA[BEGIN:VCALENDAR\nSUMMARY:Tom &amp; Jerry\nEND:VCALENDAR]]></c>',
  `<?xml version="1.0"?>\r\n${long(' ')}<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">\n<c:calendar-data a="x>y">${long('a')}&amp;&lt;&#x41;\r\nBEGIN:VEVENT\r\n${long('b')} > ${long('c')}</c:calendar-data>\n<d:x><![CDATA[${long('<')}]]>${long('d')}<d:y>${long('e')}</d:y>${long('f')}<!-- ${long('-')} -->${long('g')}</d:x>\n</d:multistatus>${long(' ')}`,
  `<d:multistatus xmlns:d="DAV:"><d:a>\uE000000000000000-0\uE000</d:a><d:b>${long('z')}</d:b></d:multistatus>`,
  `<d:a xmlns:d="DAV:">${long('t')}</d:b>`,
  '<e>1770859402675</e>',
  '<e>true</e>',
  '<e> 12 </e>',
  '\uFEFF<a>bom</a>',
  '<?xml version="1.0"?><a/>',
  ' <?xml version="1.0"?><a/>',
  '<a/><?xml version="1.0"?>',
  '<a><?php echo 1; ?>x</a>',
  '<a><?pi unterminated</a>',
  '<?xm\'l version="1.0"?><a/>',
  "<?xml version='1.0?>'?><a/>",
  '<a>x<!-- c -->y<!-- --></a>',
  '<a>x<!-- unterminated</a>',
  '<a/><b/>',
  'text<a/>',
  '<a/>\n<!-- after -->\n',
  '<a></a></a>',
  '</a>',
  '<a></b>',
  '<a></a >',
  '<a></ a>',
  '<a >x</a>',
  '<a\tb="1"\n/>',
  '<a b="1"c="2"/>',
  '<a b="1" b="2"/>',
  '<a b/>',
  '<a b=1/>',
  '<a b="1/>',
  '<a b=\'x"y\' c="x\'y"/>',
  '<a b="&amp;&lt;&#65;&#x42;&unknown;"/>',
  '<a b="x\r\ny\rz"/>',
  '<a b = "1"/>',
  '<a/ >',
  '<a / >',
  '<a//>',
  '<1a/>',
  '<a:b:c xmlns:a="urn:x"/>',
  '<:a/>',
  '<a xmlns:p="urn:p" p:attr="v"/>',
  '<a>&</a>',
  '<a>& b</a>',
  '<a>&;</a>',
  '<a>&#;</a>',
  '<a>&#x;</a>',
  '<a>&#0;&#x10FFFF;&#x110000;&#99999999;</a>',
  '<a>&abcdefghijklmnopqrst;</a>',
  '<a>&abcdefghijklmnopqrstu;</a>',
  '<a>&nbsp;&copy;</a>',
  '<a>]]></a>',
  '<a>x > y</a>',
  '<a>line\r\nline\rline\n</a>',
  '<a><![CDATA[x\r\ny]]></a>',
  '<![CDATA[outside]]><a/>',
  '<a/><![CDATA[after]]>',
  '<a><![CDATA[]]></a>',
  '<a>\u00A0</a>',
  '<\u00E9l\u00E8ve/>',
  '<a>\uD83D\uDE00</a>',
  '<a>x</a>\u00A0',
  ...[MAX_XML_DEPTH, MAX_XML_DEPTH + 1, MAX_XML_DEPTH + 2].flatMap((depth) => [
    `${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`,
    `${'<a>'.repeat(depth)}<b/>${'</a>'.repeat(depth)}`,
  ]),
  `${'<a>'.repeat(50_000)}${'</a>'.repeat(50_000)}`,
  '<a><b></a></b>',
  '<a><b/></a><!---->',
  '<a>\n  <b>1</b>\n  <b>2</b>\n</a>',
  '<a xmlns="DAV:"><getetag>"x"</getetag><getetag xmlns="urn:other">y</getetag></a>',
  '<a xml:lang="en"><xml:b/></a>',
];

/**
 * Inputs the new reader refuses on purpose where the old one read something (decision 0025): none is
 * well-formed XML, and each is recognised by the new reader's message. The mutations may differ
 * only in these ways, and only in that direction.
 */
const stricter: Array<{ body: string; why: string; message: RegExp }> = [
  {
    body: `<a>${long('x')} & ${long('y')}</a>`,
    why: "a bare '&' in a text run of 4,096 characters or more (the old reader checked only shorter ones)",
    message: /'&' that starts no reference/,
  },
  {
    body: '<a><!ELEMENT a ANY></a>',
    why: 'a markup declaration inside an element (the old reader made an element named "!ELEMENT" of it)',
    message: /markup declaration/,
  },
  {
    body: '<a/>text',
    why: 'text after an empty root element (the old validator checked only after a closing tag)',
    message: /text after the root element/,
  },
  {
    body: "<a><?pi x='?>'?></a>",
    why: 'a processing instruction whose quotes make the old validator and parser end it at different places',
    message: /processing instruction with an unbalanced quote/,
  },
  {
    body: '<a></x:b/></a>',
    why: "a closing tag ending in '/' (the old validator took it for an empty element, its parser for the end of any element)",
    message: /ends in '\/'/,
  },
  {
    body: '<a/>&amp;',
    why: 'a reference after the root element (the old validator let references through there)',
    message: /text after the root element/,
  },
];

function newMessage(body: string): string {
  try {
    parseXml({ body, url });
    return '';
  } catch (error) {
    return (error as Error).message;
  }
}

describe('the one-pass XML reader reads what the fast-xml-parser reader read', () => {
  it(`gives the same tree for every recorded server answer (${xmlAnswers.length} fixtures)`, () => {
    expect(xmlAnswers.length).toBeGreaterThan(30);
    for (const body of xmlAnswers) expect(expectSameOutcome(body)).toHaveProperty('tree');
  });

  it(`gives the same tree for every calendar fixture as Radicale, SabreDAV, CDATA and iCloud write calendar-data (${calendarAnswers.length} answers)`, () => {
    expect(calendars.length).toBeGreaterThan(100);
    for (const body of calendarAnswers) expect(expectSameOutcome(body)).toHaveProperty('tree');
  });

  it('refuses or reads each hostile and odd input exactly as before', () => {
    const outcomes = hostile.map((body) => expectSameOutcome(body));
    // Both kinds occur: the list is not all refusals nor all reads.
    expect(outcomes.some((o) => 'tree' in o)).toBe(true);
    expect(outcomes.filter((o) => 'refused' in o && o.refused === 'refused_response').length).toBeGreaterThanOrEqual(3);
    expect(outcomes.filter((o) => 'refused' in o && o.refused === 'invalid_response').length).toBeGreaterThan(20);
  });

  it('agrees on thousands of mutations of the fixtures and hostile inputs', () => {
    const seeds = [...xmlAnswers, ...calendarAnswers.filter((_, i) => i % 7 === 0), ...hostile.filter((h) => h.length < 2000)];
    const pieces = [
      '<',
      '>',
      '/',
      '&',
      ';',
      '"',
      "'",
      '=',
      ':',
      '!',
      '?',
      '[',
      ']',
      ' ',
      '\r',
      'x',
      '&amp;',
      '&#13;',
      '<!--',
      '-->',
      '<![CDATA[',
      ']]>',
      '</a>',
      '<a>',
      'xmlns:z="urn:z"',
      '<z:y/>',
    ];
    let state = 20251206;
    const random = (n: number) => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % n;
    };
    let reads = 0;
    let differences = 0;
    for (let round = 0; round < 4000; round++) {
      const seed = seeds[random(seeds.length)] as string;
      const at = random(seed.length + 1);
      const cut = random(4);
      const mutated =
        random(2) === 0
          ? `${seed.slice(0, at)}${pieces[random(pieces.length)]}${seed.slice(at + cut)}`
          : `${seed.slice(0, at)}${seed.slice(at + 1 + cut)}`;
      const expected = oldReader(mutated);
      const actual = newReader(mutated);
      if ('tree' in expected && 'refused' in actual && stricter.some((s) => s.message.test(newMessage(mutated)))) {
        differences++;
        continue;
      }
      expect(actual, mutated.length > 300 ? `${mutated.slice(0, 300)}…` : mutated).toEqual(expected);
      if ('tree' in expected) reads++;
    }
    // The documented differences are rare among mutations of real answers.
    expect(differences).toBeLessThan(40);
    // The mutations exercise both sides: many still read, many are refused.
    expect(reads).toBeGreaterThan(400);
    expect(reads).toBeLessThan(3600);
  });

  it.each(stricter)('refuses $why', ({ body, message }) => {
    expect(oldReader(body)).toHaveProperty('tree');
    expect(newReader(body)).toEqual({ refused: 'invalid_response' });
    expect(newMessage(body)).toMatch(message);
  });
});

describe('canonicalUrl', () => {
  /** The full resolution canonicalUrl used for every href before its plain-path shortcut. */
  function fullResolution(href: string, base: string): string {
    const resolved = new URL(href.trim(), base);
    resolved.hash = '';
    resolved.pathname = resolved.pathname
      .split('/')
      .map((segment) => {
        let decoded: string;
        try {
          decoded = decodeURIComponent(segment);
        } catch {
          return segment;
        }
        return encodeURIComponent(decoded).replace(/%(40|3A|21|24|26|27|28|29|2A|2B|2C|3B|3D)/gi, (_m, hex: string) =>
          String.fromCharCode(parseInt(hex, 16)),
        );
      })
      .join('/');
    return resolved.href;
  }

  it('spells every href as the full resolution does, shortcut or not', () => {
    const bases = [
      'https://dav.example.com/cal/',
      'http://user:pw@127.0.0.1:5232/bench/x/',
      'https://p01-caldav.icloud.com:443/123/calendars/home/?q=1#f',
    ];
    const paths = [
      '/cal/a.ics',
      ' /cal/a.ics\n',
      "/cal/A-Z_a.b~c!$&'()*+,;=:@x.ics",
      '/cal/./a.ics',
      '/cal/../a.ics',
      '/cal/..',
      '/cal/.hidden.ics',
      '//evil.example/a.ics',
      '/cal/a b.ics',
      '/cal/%40x.ics',
      '/cal/%2F.ics',
      '/cal/%zz.ics',
      '/cal/a.ics?x=1',
      '/cal/a.ics#frag',
      '/cal/\u00E9.ics',
      '/cal/a\\b.ics',
      '/cal/a"b.ics',
      '/cal//double.ics',
      '/',
      'relative.ics',
      'https://other.example/cal/a.ics',
      'https://dav.example.com/cal/a.ics',
      'https://dav.example.com:443/cal/a.ics',
      'https://DAV.example.com/cal/a.ics',
      'https://dav.example.com.evil/cal/a.ics',
      'https://dav.example.com/cal/../a.ics',
      'https://dav.example.com/cal/%40.ics',
      'http://user:pw@127.0.0.1:5232/bench/x/a.ics',
      'http://127.0.0.1:5232/bench/x/a.ics',
      'http://user:pw@127.0.0.1:52320/bench/x/a.ics',
      'https://p01-caldav.icloud.com/123/calendars/home/a.ics',
    ];
    for (const base of bases)
      for (const href of paths) expect(canonicalUrl(href, base), `${href} against ${base}`).toBe(fullResolution(href, base));
  });
});
