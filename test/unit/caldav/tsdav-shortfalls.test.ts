/**
 * Why src/caldav parses and requests on its own instead of through tsdav (docs/decisions/0003):
 * the same captured responses, fed to tsdav 2 and to our parsers. If a tsdav upgrade makes one of
 * these fail, that shortfall is gone and the decision is worth revisiting.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { davRequest, fetchCalendars, syncCollection as tsdavSyncCollection, type DAVAccount } from 'tsdav';
import { describe, expect, it } from 'vitest';
import { parseCalendarList } from '../../../src/caldav/list-calendars.ts';
import { parseMultiget } from '../../../src/caldav/multiget.ts';
import { parseSyncCollection } from '../../../src/caldav/sync-collection.ts';

const read = (name: string) => readFileSync(join(import.meta.dirname, 'fixtures', 'kashcal', 'caldav', name), 'utf8');

/** A fetch that answers every request with one fixture, as a 207. */
function answering(file: string): typeof fetch {
  return (async () =>
    new Response(read(file), { status: 207, headers: { 'content-type': 'application/xml; charset=utf-8' } })) as typeof fetch;
}

const ICLOUD_HOME = 'https://p180-caldav.icloud.com:443/123456789/calendars/';

describe('tsdav 2 against captured responses', () => {
  it('resolves iCloud calendar hrefs against the root host instead of the partition host that answered', async () => {
    const account: DAVAccount = {
      accountType: 'caldav',
      serverUrl: 'https://caldav.icloud.com',
      rootUrl: 'https://caldav.icloud.com/',
      homeUrl: ICLOUD_HOME,
    };
    const theirs = await fetchCalendars({ account, fetch: answering('icloud/03_calendar_list.xml') });
    expect(theirs.map((c) => new URL(c.url).host)).toContain('caldav.icloud.com');
    const ours = parseCalendarList({ body: read('icloud/03_calendar_list.xml'), url: ICLOUD_HOME });
    expect(new Set(ours.map((c) => new URL(c.url).host))).toEqual(new Set(['p180-caldav.icloud.com']));
  });

  it('offers the VTODO-only Reminders list as a calendar', async () => {
    const account: DAVAccount = {
      accountType: 'caldav',
      serverUrl: 'https://caldav.icloud.com',
      rootUrl: 'https://caldav.icloud.com/',
      homeUrl: ICLOUD_HOME,
    };
    const theirs = await fetchCalendars({ account, fetch: answering('icloud/03_calendar_list.xml') });
    expect(theirs.map((c) => c.displayName)).toContain('Reminders');
    const ours = parseCalendarList({ body: read('icloud/03_calendar_list.xml'), url: ICLOUD_HOME });
    expect(ours.map((c) => c.displayName)).not.toContain('Reminders');
  });

  it('turns numeric etags into numbers (an opaque token, compared as a string, must stay one)', async () => {
    const theirs = await davRequest({
      url: 'https://calendar.zoho.com/caldav/x/events/',
      init: { method: 'REPORT', namespace: 'd', body: {} },
      fetch: answering('zoho/06_calendar_multiget.xml'),
    });
    expect(typeof theirs[0]?.props?.getetag).toBe('number');
    const ours = parseMultiget({ body: read('zoho/06_calendar_multiget.xml'), url: 'https://calendar.zoho.com/caldav/x/events/' });
    expect(ours[0]?.etag).toBe('1770859402675');
  });

  it('leaves the new sync token out of its sync-collection result (it is only in the raw tree)', async () => {
    const theirs = await tsdavSyncCollection({
      url: 'https://cloud.example.com/remote.php/dav/calendars/testuser/personal/',
      props: {},
      syncLevel: 1,
      syncToken: 'old',
      fetch: answering('nextcloud/05_sync_collection.xml'),
    });
    for (const response of theirs) expect(Object.keys(response)).not.toContain('syncToken');
    const ours = parseSyncCollection({
      body: read('nextcloud/05_sync_collection.xml'),
      url: 'https://cloud.example.com/remote.php/dav/calendars/testuser/personal/',
    });
    expect(ours.syncToken).toBe('http://sabre.io/ns/sync/63845d9c3a7b9');
  });
});
