import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { hasTimedVeventWithoutEnd } from '../../support/icloud-emulator/ical-rules.ts';
import { multistatus, parsePropfind, propfindResponse, resource, serializeICloud } from '../../support/icloud-emulator/icloud-xml.ts';
import {
  CALDAV,
  CS,
  DAV,
  descendants,
  el,
  firstChild,
  parseXml,
  serializePrefixed,
  textOf,
  type XmlElement,
  type XmlNode,
} from '../../support/icloud-emulator/xml.ts';

const ICLOUD_FIXTURES = fileURLToPath(new URL('../../unit/caldav/fixtures/kashcal/caldav/icloud', import.meta.url));

/** Drops whitespace-only text, which iCloud's padding adds and XML consumers ignore. */
function significant(node: XmlElement): XmlElement {
  const children: XmlNode[] = node.children
    .filter((child) => typeof child !== 'string' || child.trim() !== '')
    .map((child) => (typeof child === 'string' ? child : significant(child)));
  return { ...node, children };
}

describe('XML reader', () => {
  it("reads iCloud's captured answers, resolving the repeated default namespaces", () => {
    const files = readdirSync(ICLOUD_FIXTURES).filter((name) => name.endsWith('.xml'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    const list = parseXml(readFileSync(join(ICLOUD_FIXTURES, '03_calendar_list.xml'), 'utf8'));
    const reminders = descendants(list, DAV, 'response').find(
      (response) => textOf(firstChild(response, DAV, 'href')!) === '/123456789/calendars/tasks/',
    )!;
    expect(descendants(reminders, CALDAV, 'comp').map((comp) => comp.attrs.name)).toEqual(['VTODO']);
    const home = parseXml(readFileSync(join(ICLOUD_FIXTURES, '02_calendar_home_set.xml'), 'utf8'));
    expect(textOf(descendants(home, CALDAV, 'calendar-home-set')[0]!)).toBe('https://p180-caldav.icloud.com:443/123456789/calendars/');
  });

  it('resolves prefixes, entities and CDATA, and rejects malformed input', () => {
    const doc = parseXml(
      '<?xml version="1.0"?><D:a xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><C:b x="1">&lt;&amp;&#65;<![CDATA[<raw>]]></C:b></D:a>',
    );
    expect(doc).toEqual(el(DAV, 'a', [el(CALDAV, 'b', ['<&A', '<raw>'], { x: '1' })]));
    expect(() => parseXml('<a><b></a>')).toThrow();
    expect(() => parseXml('<x:a/>')).toThrow(/unbound prefix/);
  });
});

describe('iCloud-style writer', () => {
  it('writes what the reader reads back to the same tree, in both styles', () => {
    const tree = multistatus([
      propfindResponse(
        resource('/123456789/calendars/home/', [
          el(DAV, 'displayname', ['Home & "Away"']),
          el(DAV, 'resourcetype', [el(DAV, 'collection'), el(CALDAV, 'calendar')]),
          el(CALDAV, 'supported-calendar-component-set', [el(CALDAV, 'comp', [], { name: 'VEVENT' })]),
          el(CS, 'source', [el(DAV, 'href', ['webcal://example/x.ics'])]),
        ]),
        {
          kind: 'prop',
          names: [
            { ns: DAV, name: 'displayname' },
            { ns: DAV, name: 'resourcetype' },
            { ns: CALDAV, name: 'supported-calendar-component-set' },
            { ns: CS, name: 'source' },
            { ns: DAV, name: 'getetag' },
          ],
        },
      ),
    ]);
    expect(significant(parseXml(serializeICloud(tree)))).toEqual(tree);
    expect(significant(parseXml(serializePrefixed(tree)))).toEqual(tree);
    // The missing getetag went into its own 404 propstat.
    expect(serializeICloud(tree)).toMatch(/<getetag xmlns="DAV:"\/>\s*<\/prop>\s*<status>HTTP\/1.1 404 Not Found<\/status>/);
  });

  it('reads PROPFIND bodies: named props, allprop, propname, and no body at all', () => {
    expect(parsePropfind(parseXml('<propfind xmlns="DAV:"><prop><getetag/><x:c xmlns:x="urn:x"/></prop></propfind>'))).toEqual({
      kind: 'prop',
      names: [
        { ns: DAV, name: 'getetag' },
        { ns: 'urn:x', name: 'c' },
      ],
    });
    expect(parsePropfind(parseXml('<propfind xmlns="DAV:"><allprop/></propfind>'))).toEqual({ kind: 'allprop' });
    expect(parsePropfind(parseXml('<propfind xmlns="DAV:"><propname/></propfind>'))).toEqual({ kind: 'propname' });
    expect(parsePropfind(undefined)).toEqual({ kind: 'allprop' });
  });
});

describe("iCloud's no-DTEND rule", () => {
  const calendar = (...eventLines: string[]): string =>
    ['BEGIN:VCALENDAR', 'VERSION:2.0', 'BEGIN:VEVENT', 'UID:u', ...eventLines, 'END:VEVENT', 'END:VCALENDAR', ''].join('\r\n');

  it.each([
    ['a timed start alone', true, ['DTSTART:20260101T100000Z']],
    ['a timed start with a zone', true, ['DTSTART;TZID=Europe/Berlin:20260101T100000']],
    ['a folded timed start', true, ['DTSTART:20260101', ' T100000Z']],
    [
      'a DURATION only inside the alarm',
      true,
      ['DTSTART:20260101T100000Z', 'BEGIN:VALARM', 'TRIGGER:-PT5M', 'DURATION:PT5M', 'REPEAT:1', 'END:VALARM'],
    ],
    ['a DTEND', false, ['DTSTART:20260101T100000Z', 'DTEND:20260101T110000Z']],
    ['a DURATION', false, ['DTSTART:20260101T100000Z', 'DURATION:PT1H']],
    ['an all-day start', false, ['DTSTART;VALUE=DATE:20260101']],
  ])('%s → refused: %s', (_what, refused, lines) => {
    expect(hasTimedVeventWithoutEnd(calendar(...lines))).toBe(refused);
  });

  it('looks at every VEVENT of the object (a recurrence override without an end counts)', () => {
    const ics = calendar(
      'DTSTART:20260101T100000Z',
      'DTEND:20260101T110000Z',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:u',
      'RECURRENCE-ID:20260108T100000Z',
      'DTSTART:20260108T120000Z',
    );
    expect(hasTimedVeventWithoutEnd(ics)).toBe(true);
    expect(
      hasTimedVeventWithoutEnd(
        calendar('SUMMARY:a VTODO would not be checked')
          .replace(/VEVENT/g, 'VTODO')
          .replace('BEGIN:VTODO', 'BEGIN:VTODO\r\nDTSTART:20260101T100000Z'),
      ),
    ).toBe(false);
  });
});
