/**
 * A long listing read off the event loop comes back as one packed string (read-multistatus-off-thread.ts):
 * unpacked, it must give back exactly the strings packed, whatever their characters, and the strings
 * it gives back must not keep the packed string alive (decision 0020, ninth session): a first import
 * keeps the hrefs for its whole length and drops the etags.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { packStrings, unpackPairs } from '../../../src/caldav/read-multistatus-off-thread.ts';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Hrefs and etags a server may really send, and some it should not. */
const AWKWARD: Array<[string | null, string | null]> = [
  ['https://caldav.example/cal/a.ics', '"abc"'],
  ['https://caldav.example/cal/12:34:56.ics', null],
  ['~', '~'],
  ['', ''],
  ['https://caldav.example/cal/%7E~:~:5:x.ics', '"5:~"'],
  ['https://caldav.example/cal/é日本語😀.ics', 'W/"😀"'],
  ['https://caldav.example/cal/nul\u0000and\u0001control.ics', '"\u0000"'],
  ['https://caldav.example/cal/quote"back\\slash\n.ics', '"\\""'],
  ['https://caldav.example/cal/lone-surrogate-\ud800.ics', '"\udfff"'],
  [null, '"etag of no href"'],
  [`https://caldav.example/cal/${'x'.repeat(70_000)}.ics`, `"${'9'.repeat(12)}"`],
];

async function roundTrip(pairs: ReadonlyArray<[string | null, string | null]>): Promise<Array<[string | null, string | null]>> {
  return unpackPairs(packStrings(pairs.flat()), pairs.length);
}

function heapUsedAfterGc(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
}

describe('the packed listing', () => {
  it('reads back equal to what was packed, on awkward hrefs and etags', async () => {
    expect(await roundTrip(AWKWARD)).toEqual(AWKWARD);
  });

  it('reads back equal across the turns of the event loop it yields (more than 5,000 pairs)', async () => {
    const many = Array.from({ length: 12_345 }, (_, i): [string | null, string | null] => [
      `https://caldav.example/cal/${i}:${'~'.repeat(i % 3)}.ics`,
      i % 7 === 0 ? null : `"${i}"`,
    ]);
    expect(await roundTrip(many)).toEqual(many);
  });

  it('gives back strings that do not keep the packed string alive', async () => {
    // 2,000 members with 20,000-character etags: a 40 MB packed string around ~0.1 MB of hrefs.
    const members = 2_000;
    const etag = `"${'e'.repeat(20_000)}"`;
    let packed: string | null = packStrings(
      Array.from({ length: members }, (_, i) => [`https://caldav.example/cal/member-${i}.ics`, etag]).flat(),
    );
    const packedBytes = packed.length;
    const before = heapUsedAfterGc() - packedBytes;
    const pairs = await unpackPairs(packed, members);
    packed = null;
    // Keep the hrefs only, as a first import does while its batches are fetched.
    const hrefs = pairs.map(([href]) => href);
    pairs.length = 0;
    const held = heapUsedAfterGc() - before;
    expect(hrefs).toHaveLength(members);
    expect(hrefs[members - 1]).toBe(`https://caldav.example/cal/member-${members - 1}.ics`);
    // Slices of the packed string would hold all of its 40 MB; copies hold ~0.1 MB (and the heap's noise).
    expect(held).toBeLessThan(packedBytes / 4);
  });
});
