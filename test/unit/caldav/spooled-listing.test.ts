/**
 * A listing with data, kept on disk (listing-spool.ts) and read a group of members at a time
 * (sync-collection.ts readSpooledSyncCollection), must read as the whole answer reads: the same
 * members, deletions, token and truncation as parseSyncCollection; and its objects, read back by
 * href (multiget.ts SpooledObjects), the same items as the answer read as a multiget.
 */
import { execFileSync } from 'node:child_process';
import { fstatSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CalDavError } from '../../../src/caldav/errors.ts';
import { ListingSpool } from '../../../src/caldav/listing-spool.ts';
import { parseMultiget, SpooledObjects } from '../../../src/caldav/multiget.ts';
import { closeMultistatusPool, OFF_THREAD_MIN_CHARS } from '../../../src/caldav/read-multistatus-off-thread.ts';
import { parseSyncCollection, readSpooledSyncCollection, type SpooledListing } from '../../../src/caldav/sync-collection.ts';

const FIXTURES = join(import.meta.dirname, 'fixtures', 'kashcal', 'caldav');
const CALENDAR = 'https://caldav.example/calendars/me/work/';

function spoolOf(body: Buffer, pieces = 7919): ListingSpool {
  const spool = ListingSpool.create(CALENDAR);
  for (let at = 0; at < body.length; at += pieces) spool.write(body.subarray(at, at + pieces));
  return spool;
}

/** A Radicale-like listing with data: `count` members (every tenth with an awkward body), a deletion, a token. */
function listingWithData(count: number): Buffer {
  const members: string[] = [];
  for (let i = 0; i < count; i++) {
    const summary = i % 10 === 0 ? `Été & <b>${i}</b> 東京 😀` : `Event ${i}`;
    const escaped = summary.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const data =
      i % 97 === 0
        ? `<C:calendar-data><![CDATA[BEGIN:VCALENDAR\r\nSUMMARY:${summary} </D:response>\r\nEND:VCALENDAR\r\n]]></C:calendar-data>`
        : `<C:calendar-data>BEGIN:VCALENDAR&#13;\nSUMMARY:${escaped}&#13;\nEND:VCALENDAR&#13;\n</C:calendar-data>`;
    // Every 50th member comes without its data (a server may leave a property out): a 404 propstat.
    const props =
      i % 50 === 7
        ? `<D:propstat><D:prop><D:getetag>"e${i}"</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat><D:propstat><D:prop><C:calendar-data/></D:prop><D:status>HTTP/1.1 404 Not Found</D:status></D:propstat>`
        : `<D:propstat><D:prop><D:getetag>"e${i}"</D:getetag>${data}</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>`;
    members.push(`<D:response><D:href>/calendars/me/work/e${i}.ics</D:href>${props}</D:response>\n`);
  }
  return Buffer.from(
    `<?xml version='1.0' encoding='utf-8'?>\n<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">${members.join('')}` +
      `<D:response><D:href>/calendars/me/work/gone.ics</D:href><D:status>HTTP/1.1 404 Not Found</D:status></D:response>` +
      `<D:sync-token>http://radicale.org/ns/sync/abc</D:sync-token></D:multistatus>`,
    'utf8',
  );
}

/** The listing in `spool`, read as a first import reads it. */
function readListing(spool: ListingSpool, maxMemberBytes = 1 << 20): Promise<SpooledListing> {
  return readSpooledSyncCollection({ fd: spool.fd, size: spool.length, url: CALENDAR, calendarUrl: CALENDAR, maxMemberBytes });
}

/** Its objects, as the CalDAV remote keeps them for the engine's batches. */
function objectsOf(spool: ListingSpool, read: SpooledListing): SpooledObjects {
  return new SpooledObjects(spool, {
    url: CALENDAR,
    root: read.root,
    rootEnd: read.rootEnd,
    hrefs: read.changed.map((c) => c.href),
    ranges: read.ranges,
  });
}

afterAll(() => closeMultistatusPool());

describe('a listing with data, on disk', () => {
  const syncFixtures = ['nextcloud/05_sync_collection.xml', 'openxchange/04_sync_collection.xml', 'stalwart/04_sync_collection.xml'];

  it.each(syncFixtures)('reads %s as the whole answer reads', async (name) => {
    const body = readFileSync(join(FIXTURES, name));
    const url = 'https://caldav.example/';
    const whole = parseSyncCollection({ body: body.toString('utf8'), url, calendarUrl: url });
    const spool = spoolOf(body, 101);
    try {
      const read = await readSpooledSyncCollection({ fd: spool.fd, size: spool.length, url, calendarUrl: url, maxMemberBytes: 1 << 20 });
      expect({ changed: read.changed, deleted: read.deleted, syncToken: read.syncToken, truncated: read.truncated }).toEqual(whole);
    } finally {
      spool.close();
    }
  });

  it('reads 2,345 members in groups as one reading of the whole; each member with data is found where its data is', async () => {
    const body = listingWithData(2_345);
    const whole = parseSyncCollection({ body: body.toString('utf8'), url: CALENDAR });
    const spool = spoolOf(body);
    const read = await readListing(spool);
    expect({ changed: read.changed, deleted: read.deleted, syncToken: read.syncToken, truncated: read.truncated }).toEqual(whole);
    expect(read.changed).toHaveLength(2_345);
    const withoutData = read.changed.filter((_, i) => read.ranges[2 * i]! < 0).map((c) => c.href);
    expect(withoutData).toEqual(read.changed.filter((_, i) => i % 50 === 7).map((c) => c.href));

    const objects = objectsOf(spool, read);
    const asMultiget = parseMultiget({ body: body.toString('utf8'), url: CALENDAR });
    const expected = new Map(asMultiget.map((item) => [item.href, item]));
    // Asked for as the engine asks: batches of 500 in listing order, a few out of order, and a batch
    // whose members span more than one run read in place (OFF_THREAD_MIN_CHARS).
    const hrefs = read.changed.map((c) => c.href);
    const batches = [hrefs.slice(0, 500), hrefs.slice(500, 1000), [hrefs[2000]!, hrefs[3]!, hrefs[1500]!, hrefs[7]!], hrefs.slice(1000)];
    expect(read.ranges[2 * 2_344 + 1]! - read.ranges[2 * 1_000]!).toBeGreaterThan(OFF_THREAD_MIN_CHARS);
    for (const batch of batches) {
      const items = await objects.read(batch, CALENDAR);
      const held = batch.filter((href) => objects.has(href));
      expect(items.map((item) => item.href).sort()).toEqual([...held].sort());
      for (const item of items) expect(item).toEqual(expected.get(item.href));
    }
    objects.close();
    // The file is closed (and was never left in the temp directory).
    expect(() => fstatSync(spool.fd)).toThrow();
    expect(readdirSync(tmpdir()).filter((f) => f.startsWith(`tandem-listing-${process.pid}-`))).toEqual([]);
  });

  it('reads data sent as plain text (not decoded there) as the whole answer reads, and the edge cases of "has data" the same', async () => {
    // Radicale's kind of data, raw CRLF and no references, among contents whose "has data" is decided
    // by what trim() keeps after references: spaces only, a no-break space (a space to trim()), a
    // reference to a space, a reference after text, and a calendar-data in another namespace.
    const contents = [
      (i: number) => `BEGIN:VCALENDAR\r\nSUMMARY:Plain ${i} 東京\r\nEND:VCALENDAR\r\n`,
      () => ' \r\n\t ',
      () => '\u00a0',
      () => '&#32;',
      () => ' x&#32;',
      () => '\u00a0BEGIN',
    ];
    const members: string[] = [];
    // 3,000 members, ~1 MB: several pieces of the file, a group ending while the next member is half read.
    for (let i = 0; i < 3_000; i++) {
      const content = contents[i % 7 === 0 ? 1 + (i % 5) : 0]!(i);
      const other = i % 11 === 0 ? '<o:calendar-data xmlns:o="urn:example:other">Not CalDAV</o:calendar-data>' : '';
      members.push(
        `<D:response><D:href>/calendars/me/work/p${i}.ics</D:href><D:propstat><D:prop><D:getetag>"p${i}"</D:getetag>${other}<C:calendar-data>${content}</C:calendar-data></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>\n`,
      );
    }
    const body = Buffer.from(
      `<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">${members.join('')}<D:sync-token>t</D:sync-token></D:multistatus>`,
      'utf8',
    );
    const whole = parseSyncCollection({ body: body.toString('utf8'), url: CALENDAR });
    const spool = spoolOf(body);
    try {
      const read = await readListing(spool);
      expect({ changed: read.changed, deleted: read.deleted, syncToken: read.syncToken, truncated: read.truncated }).toEqual(whole);
      const withData = read.changed.filter((_, i) => read.ranges[2 * i]! >= 0).map((c) => c.href);
      const expected = parseMultiget({ body: body.toString('utf8'), url: CALENDAR })
        .filter((item) => (item.calendarData ?? '').trim() !== '')
        .map((item) => item.href);
      expect(withData).toEqual(expected);
      // Spaces, the no-break space and the reference to a space are no data; the rest is.
      expect(withData).toHaveLength(
        3_000 - [1, 2, 3].reduce((n, k) => n + members.filter((_, i) => i % 7 === 0 && 1 + (i % 5) === k).length, 0),
      );
    } finally {
      spool.close();
    }
  });

  it('refuses a listing whose calendar-data in another namespace holds a stray "&", as the whole answer is refused', async () => {
    const body = Buffer.from(
      `<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:response><D:href>/calendars/me/work/a.ics</D:href><D:propstat><D:prop><D:getetag>"a"</D:getetag><o:calendar-data xmlns:o="urn:example:other">A & B</o:calendar-data><C:calendar-data>BEGIN</C:calendar-data></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response><D:sync-token>t</D:sync-token></D:multistatus>`,
    );
    expect(() => parseSyncCollection({ body: body.toString('utf8'), url: CALENDAR })).toThrow(/'&' that starts no reference/);
    const spool = spoolOf(body);
    try {
      await expect(readListing(spool)).rejects.toThrow(/'&' that starts no reference/);
    } finally {
      spool.close();
    }
  });

  it('reads a group holding a member far over the object cap (read off the event loop) as the whole answer reads', async () => {
    const small = listingWithData(600).toString('utf8');
    // A 6 MB event among the members: its group is read on the listing's thread.
    const huge = `<D:response><D:href>/calendars/me/work/huge.ics</D:href><D:propstat><D:prop><D:getetag>"h"</D:getetag><C:calendar-data>BEGIN:VCALENDAR&#13;\nDESCRIPTION:${'x'.repeat(6_000_000)}&#13;\nEND:VCALENDAR&#13;\n</C:calendar-data></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>`;
    const at = small.indexOf('<D:response><D:href>/calendars/me/work/e300.ics');
    const body = Buffer.from(`${small.slice(0, at)}${huge}${small.slice(at)}`, 'utf8');
    const whole = parseSyncCollection({ body: body.toString('utf8'), url: CALENDAR });
    const spool = spoolOf(body, 65_536);
    const read = await readListing(spool, 50 << 20);
    expect({ changed: read.changed, deleted: read.deleted, syncToken: read.syncToken, truncated: read.truncated }).toEqual(whole);
    const objects = objectsOf(spool, read);
    const [item] = await objects.read([`${CALENDAR}huge.ics`], CALENDAR);
    expect(item?.calendarData?.length).toBeGreaterThan(6_000_000);
    // With its neighbours, as a batch asks for it: they are read in place, it on the reader's thread.
    const expected = new Map(parseMultiget({ body: body.toString('utf8'), url: CALENDAR }).map((i) => [i.href, i]));
    const batch = read.changed.slice(295, 306).map((c) => c.href);
    expect(batch).toContain(`${CALENDAR}huge.ics`);
    const items = await objects.read(batch, CALENDAR);
    expect(items.map((i) => i.href).sort()).toEqual(batch.filter((href) => objects.has(href)).sort());
    for (const read of items) expect(read).toEqual(expected.get(read.href));
    objects.close();
  });

  it("gives back hrefs, etags and a token that do not keep the listing's text alive, read as a just-started server reads it", () => {
    // In a process of its own: with the reader's code cold, its substrings were views of each group's
    // text, and a first import holding its hrefs held the whole listing (decision 0020, eleventh session).
    const script = join(import.meta.dirname, '..', '..', 'support', 'spooled-listing-retention.ts');
    const out = JSON.parse(execFileSync(process.execPath, ['--import', 'tsx', script], { encoding: 'utf8' })) as {
      held: number;
      listingBytes: number;
      members: number;
      last: { href: string; etag: string };
      syncToken: string;
    };
    expect(out.members).toBe(4_000);
    expect(out.last).toEqual({ href: `${CALENDAR}event-3999-of-the-listing.ics`, etag: '"etag-of-event-3999"' });
    expect(out.syncToken).toBe('http://radicale.org/ns/sync/the-token-of-this-listing');
    // Views would hold all of its ~39 MB; copies hold ~0.5 MB (and the heap's noise).
    expect(out.held).toBeLessThan(out.listingBytes / 8);
  });

  it('closes the file only once the reads under way are done', async () => {
    const body = listingWithData(1_200);
    const spool = spoolOf(body);
    const read = await readListing(spool);
    const objects = objectsOf(spool, read);
    const reading = objects.read(
      read.changed.map((c) => c.href),
      CALENDAR,
    );
    objects.close();
    expect(fstatSync(spool.fd).size).toBe(body.length);
    expect((await reading).length).toBeGreaterThan(1_000);
    expect(() => fstatSync(spool.fd)).toThrow();
    await expect(objects.read([read.changed[0]!.href], CALENDAR)).rejects.toThrow(/let go/);
  });

  it('refuses to keep a listing where the temporary folder cannot take it, as it refuses one too large', () => {
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = join(tmpdir(), `no-such-folder-${process.pid}`);
    try {
      const refused = (() => {
        try {
          ListingSpool.create(CALENDAR).close();
          return null;
        } catch (error) {
          return error;
        }
      })();
      expect(refused).toBeInstanceOf(CalDavError);
      expect((refused as CalDavError).kind).toBe('refused_response');
      expect((refused as CalDavError).message).toMatch(/could not be kept in the temporary folder .*ENOENT/);
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  it('refuses a listing larger than its cap as it arrives, without writing past it', () => {
    const spool = ListingSpool.create(CALENDAR, 10_000);
    try {
      spool.write(Buffer.alloc(6_000));
      expect(() => spool.write(Buffer.alloc(6_000))).toThrow(/exceeds the 10000-byte limit/);
      expect(spool.length).toBe(6_000);
    } finally {
      spool.close();
    }
  });
});
