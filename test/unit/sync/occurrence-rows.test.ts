import { describe, expect, it } from 'vitest';
import { appointmentEventUid } from '../../../src/domain/sync/appointment-uid.ts';
import { isPacked, type ImportedOccurrence } from '../../../src/domain/sync/types.ts';
import parseInWorker from '../../../src/services/sync/parse-worker.ts';
import { occurrenceRowParameters, packOccurrenceRows, unpackOccurrenceRows } from '../../../src/store/sync-store/occurrence-rows.ts';

const at = (iso: string): Date => new Date(iso);

const A: ImportedOccurrence[] = [
  {
    recurrenceId: null,
    start: at('2026-12-07T09:00:00.123Z'),
    end: at('2026-12-07T10:00:00.999Z'),
    allDay: false,
    blocks: true,
    summary: 'plain',
    status: null,
  },
  {
    recurrenceId: '2026-12-08T00:00:00.000Z',
    start: at('2026-12-08T00:00:00Z'),
    end: at('2026-12-09T00:00:00Z'),
    allDay: true,
    blocks: false,
    summary: '',
    status: 'CONFIRMED',
    invitation: 'tentative',
  },
];
const B: ImportedOccurrence[] = [
  {
    recurrenceId: 'r',
    start: at('1969-12-31T23:59:59.001Z'),
    end: at('2400-01-01T00:00:00Z'),
    allDay: false,
    blocks: true,
    summary: 'émoji 🗓️ "q" \\ {x}',
    status: 'TENTATIVE',
    invitation: 'needs-action',
    occurrences: 120,
  },
];

/** The elements of a binary text[] (array-elements.ts's format), for reading parameters back. */
function textElements(array: Buffer): (string | null)[] {
  const dimensions = array.readInt32BE(0);
  if (dimensions === 0) return [];
  const count = array.readInt32BE(12);
  const out: (string | null)[] = [];
  let offset = 20;
  for (let i = 0; i < count; i++) {
    const length = array.readInt32BE(offset);
    offset += 4;
    out.push(length < 0 ? null : array.toString('utf8', offset, offset + length));
    offset += Math.max(0, length);
  }
  return out;
}

describe('occurrence rows (what a parse thread posts instead of occurrence objects)', () => {
  it('read back exactly after crossing threads (structured clone), empty items included', () => {
    const handles = structuredClone(packOccurrenceRows([A, [], B]));
    expect(handles.map((h) => h.count)).toEqual([2, 0, 1]);
    // One block for the batch, not one per item.
    expect(new Set(handles.map((h) => h.block)).size).toBe(1);
    expect(handles.map((h) => unpackOccurrenceRows(h))).toEqual([A, [], B]);
  });

  it("a statement's parameters hold exactly the given items' rows, in their order, each with its id", () => {
    const [a, empty, b] = packOccurrenceRows([A, [], B]);
    const ids = ['00000000-0000-4000-8000-00000000000a', '00000000-0000-4000-8000-00000000000b'];
    const both = occurrenceRowParameters(a!.block, [
      { item: b!.item, id: ids[1]! },
      { item: a!.item, id: ids[0]! },
    ]);
    expect(both.rows).toBe(3);
    // Columns in OCCURRENCE_COLUMNS' order: summary is the eighth.
    expect(textElements(both.columns[7]!)).toEqual([B[0]!.summary, 'plain', '']);
    expect(textElements(both.columns[6]!)).toEqual(['needs-action', null, 'tentative']);
    const onlyB = occurrenceRowParameters(b!.block, [
      { item: empty!.item, id: ids[0]! },
      { item: b!.item, id: ids[1]! },
    ]);
    expect(onlyB.rows).toBe(1);
    expect(textElements(onlyB.columns[1]!)).toEqual(['r']);
  });

  it('the parse thread packs imported events and keeps events of our own appointments listed', () => {
    const ics = (uid: string): string =>
      [
        'BEGIN:VCALENDAR',
        'VERSION:2.0',
        'PRODID:-//test//EN',
        'BEGIN:VEVENT',
        `UID:${uid}`,
        'DTSTAMP:20261201T000000Z',
        'DTSTART:20261210T090000Z',
        'DTEND:20261210T100000Z',
        'SUMMARY:Busy',
        'END:VEVENT',
        'END:VCALENDAR',
        '',
      ].join('\r\n');
    const parsed = parseInWorker({
      objects: [
        { href: '/c/foreign.ics', etag: '"1"', ics: ics('foreign@example.com') },
        { href: '/c/ours.ics', etag: '"2"', ics: ics(appointmentEventUid('a1')) },
      ],
      context: { span: { from: at('2026-12-01T00:00:00Z'), to: at('2027-01-01T00:00:00Z') }, zone: 'UTC', selfEmails: [] },
    });
    const [foreign, ours] = parsed.map((item) => (item.content.ok ? item.content.occurrences : []));
    expect(isPacked(foreign!)).toBe(true);
    expect(isPacked(ours!)).toBe(false);
    const expected = [
      {
        recurrenceId: null,
        start: at('2026-12-10T09:00:00Z'),
        end: at('2026-12-10T10:00:00Z'),
        allDay: false,
        blocks: true,
        summary: 'Busy',
        status: null,
      },
    ];
    expect(unpackOccurrenceRows(foreign!)).toEqual(expected);
    expect(ours).toEqual(expected);
  });
});
