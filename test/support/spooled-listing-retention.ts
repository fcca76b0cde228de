/**
 * Run as a process of its own (`node --import tsx`), by test/unit/caldav/spooled-listing.test.ts:
 * reads a first import's listing with data from its spool file, as a just-started server does —
 * the reader's code not yet optimised, which is when V8 hands out substrings as views of their
 * parent text — keeps what the import keeps (the members and the token) and prints, as JSON, how
 * much of the heap that holds and how large the listing was.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { ListingSpool } from '../../src/caldav/listing-spool.ts';
import { closeMultistatusPool } from '../../src/caldav/read-multistatus-off-thread.ts';
import { readSpooledSyncCollection } from '../../src/caldav/sync-collection.ts';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const heapUsed = (): number => {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed;
};

const CALENDAR = 'https://caldav.example/calendars/me/work/';
// 4,000 members of ~10 kB: a ~39 MB listing around ~0.5 MB of hrefs, etags and token.
const members: string[] = [];
for (let i = 0; i < 4_000; i++) {
  members.push(
    `<D:response><D:href>/calendars/me/work/event-${i}-of-the-listing.ics</D:href><D:propstat><D:prop>` +
      `<D:getetag>"etag-of-event-${i}"</D:getetag><C:calendar-data>BEGIN:VCALENDAR&#13;\nDESCRIPTION:${'d'.repeat(10_000)}&#13;\n` +
      `END:VCALENDAR&#13;\n</C:calendar-data></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>\n`,
  );
}
const body = Buffer.from(
  `<?xml version='1.0' encoding='utf-8'?>\n<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">${members.join('')}` +
    `<D:sync-token>http://radicale.org/ns/sync/the-token-of-this-listing</D:sync-token></D:multistatus>`,
);
members.length = 0;
const spool = ListingSpool.create(CALENDAR);
for (let at = 0; at < body.length; at += 65_536) spool.write(body.subarray(at, at + 65_536));

const before = heapUsed();
const read = await readSpooledSyncCollection({
  fd: spool.fd,
  size: spool.length,
  url: CALENDAR,
  calendarUrl: CALENDAR,
  maxMemberBytes: 1 << 20,
});
const kept = { changed: read.changed, syncToken: read.syncToken };
const held = heapUsed() - before;
spool.close();
await closeMultistatusPool();
console.log(
  JSON.stringify({ held, listingBytes: body.length, members: kept.changed.length, last: kept.changed.at(-1), syncToken: kept.syncToken }),
);
