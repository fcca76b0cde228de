/**
 * One test per captured server response (KashCal's fixture set): each is fed to the pure parse
 * function of the request module that would receive it, and what it must yield is spelled out.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCalendarQuery } from '../../../src/caldav/calendar-query.ts';
import { parseCalendarHomeSet, parseCurrentUserPrincipal } from '../../../src/caldav/discover-account.ts';
import { ALL_COMPONENTS, parseCalendarList, type RemoteCalendarInfo } from '../../../src/caldav/list-calendars.ts';
import { parseMultiget } from '../../../src/caldav/multiget.ts';
import { parseSyncCollection } from '../../../src/caldav/sync-collection.ts';
import { foundProp, foundText, NS, parseMultistatus, primaryHref } from '../../../src/caldav/xml.ts';

const ROOT = join(import.meta.dirname, 'fixtures', 'kashcal', 'caldav');
const read = (name: string) => readFileSync(join(ROOT, name), 'utf8');

function listFixtures(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? listFixtures(path) : [relative(ROOT, path)];
  });
}

/** A writable, connectable calendar with the given fields; tests override what differs. */
function calendar(fields: Partial<RemoteCalendarInfo> & { url: string; displayName: string }): RemoteCalendarInfo {
  return {
    color: null,
    components: [...ALL_COMPONENTS],
    writable: true,
    subscribed: false,
    connectable: true,
    notConnectableReason: null,
    transparent: false,
    ...fields,
  };
}

function expectICalendar(data: string | null | undefined): void {
  expect(data).toMatch(/^BEGIN:VCALENDAR\r?\n/);
  expect(data).toMatch(/END:VCALENDAR\s*$/);
}

const ICLOUD_HOME = 'https://p180-caldav.icloud.com:443/123456789/calendars/';
const NEXTCLOUD = 'https://cloud.example.com';
const OX = 'https://dav.mailbox.org';
const STALWART = 'https://mail.example.com';
const ZOHO = 'https://calendar.zoho.com';
const ZOHO_USER = 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2c3d4';

const cases: Record<string, () => void> = {
  'aegee/02_calendar_home_set.xml': () => {
    // SOGo names three homes (own, shared, organisation); all are kept, in order.
    expect(
      parseCalendarHomeSet({ body: read('aegee/02_calendar_home_set.xml'), url: 'https://cal.aegee.org/dav/principals/user/aaa/' }),
    ).toEqual([
      'https://cal.aegee.org/dav/calendars/user/aaa/',
      'https://cal.aegee.org/dav/calendars/user/bbb/',
      'https://cal.aegee.org/dav/calendars/user/cal/',
    ]);
  },

  'generic/no_component_set.xml': () => {
    const list = parseCalendarList({ body: read('generic/no_component_set.xml'), url: 'https://dav.example.com/calendars/user/' });
    expect(list).toEqual([calendar({ url: 'https://dav.example.com/calendars/user/personal/', displayName: 'Personal' })]);
    // No supported-calendar-component-set means every component is supported (RFC 4791 §5.2.3).
    expect(list[0]?.components).toContain('VEVENT');
  },

  'generic/rfc_compliant_response.xml': () => {
    const body = read('generic/rfc_compliant_response.xml');
    const home = 'https://dav.example.com/calendars/user/';
    // Read as a listing: the calendar is kept (colour without alpha), the .ics member is not a calendar.
    expect(parseCalendarList({ body, url: home })).toEqual([
      calendar({ url: `${home}default/`, displayName: 'My Calendar', color: '#FF5733', components: ['VEVENT'] }),
    ]);
    // Read as a report on the calendar: the one event, the collection itself left out.
    const items = parseCalendarQuery({ body, url: `${home}default/` });
    expect(items.map((i) => [i.href, i.etag, i.status])).toEqual([[`${home}default/meeting.ics`, '"etag-meeting-v1"', 200]]);
    expectICalendar(items[0]?.calendarData);
    expect(items[0]?.calendarData).toContain('UID:meeting-123@example.com');
  },

  'icloud/01_current_user_principal.xml': () => {
    expect(parseCurrentUserPrincipal({ body: read('icloud/01_current_user_principal.xml'), url: 'https://caldav.icloud.com/' })).toBe(
      'https://caldav.icloud.com/123456789/principal/',
    );
  },

  'icloud/02_calendar_home_set.xml': () => {
    // The home is an absolute URL on the partition host; `:443` is the https default, so the URL
    // parser drops it — the same resource, spelled canonically.
    expect(
      parseCalendarHomeSet({ body: read('icloud/02_calendar_home_set.xml'), url: 'https://caldav.icloud.com/123456789/principal/' }),
    ).toEqual(['https://p180-caldav.icloud.com/123456789/calendars/']);
  },

  'icloud/03_calendar_list.xml': () => {
    const list = parseCalendarList({ body: read('icloud/03_calendar_list.xml'), url: ICLOUD_HOME });
    // Left out: the home ("Test User"), inbox, notification, Reminders (VTODO only), outbox.
    expect(list).toEqual([
      calendar({
        url: 'https://p180-caldav.icloud.com/123456789/calendars/4D24D1CF-D573-4130-BFB7-F9E0B616E6FE/',
        displayName: 'Personal Calendar',
        color: '#1E4C63',
        components: ['VEVENT'],
      }),
      calendar({
        url: 'https://p180-caldav.icloud.com/123456789/calendars/work/',
        displayName: 'Work Calendar',
        color: '#FFFFFF',
        components: ['VEVENT'],
      }),
    ]);
  },

  'nextcloud/01_current_user_principal.xml': () => {
    expect(parseCurrentUserPrincipal({ body: read('nextcloud/01_current_user_principal.xml'), url: `${NEXTCLOUD}/remote.php/dav/` })).toBe(
      `${NEXTCLOUD}/remote.php/dav/principals/users/testuser/`,
    );
  },

  'nextcloud/02_calendar_home_set.xml': () => {
    expect(
      parseCalendarHomeSet({
        body: read('nextcloud/02_calendar_home_set.xml'),
        url: `${NEXTCLOUD}/remote.php/dav/principals/users/testuser/`,
      }),
    ).toEqual([`${NEXTCLOUD}/remote.php/dav/calendars/testuser/`]);
  },

  'nextcloud/03_calendar_list.xml': () => {
    const home = `${NEXTCLOUD}/remote.php/dav/calendars/testuser/`;
    // Left out: the home, the VTODO-only "Tasks", inbox and outbox. Shared holidays are read-only.
    expect(parseCalendarList({ body: read('nextcloud/03_calendar_list.xml'), url: home })).toEqual([
      calendar({
        url: `${home}personal/`,
        displayName: 'Personal',
        color: '#0082C9',
        components: ['VEVENT', 'VTODO'],
      }),
      calendar({ url: `${home}work/`, displayName: 'Work', color: '#FF6B6B', components: ['VEVENT'] }),
      calendar({
        url: `${home}shared-holidays/`,
        displayName: 'Company Holidays',
        color: '#4CAF50',
        components: ['VEVENT'],
        writable: false,
      }),
    ]);
  },

  'nextcloud/04_event_report.xml': () => {
    const cal = `${NEXTCLOUD}/remote.php/dav/calendars/testuser/personal/`;
    const items = parseCalendarQuery({ body: read('nextcloud/04_event_report.xml'), url: cal });
    expect(items.map((i) => [i.href, i.etag])).toEqual([
      [`${cal}event1.ics`, '"abc123def456"'],
      [`${cal}event2.ics`, '"xyz789ghi012"'],
      [`${cal}event3.ics`, '"allday456789"'],
    ]);
    for (const item of items) expectICalendar(item.calendarData);
    expect(items[1]?.calendarData).toContain('RRULE:FREQ=WEEKLY;BYDAY=MO');
    expect(items[2]?.calendarData).toContain('DTSTART;VALUE=DATE:20240125');
  },

  'nextcloud/05_sync_collection.xml': () => {
    const cal = `${NEXTCLOUD}/remote.php/dav/calendars/testuser/personal/`;
    expect(parseSyncCollection({ body: read('nextcloud/05_sync_collection.xml'), url: cal })).toEqual({
      changed: [
        { href: `${cal}event1.ics`, etag: '"abc123def456-v2"' },
        { href: `${cal}event4.ics`, etag: '"new123event"' },
      ],
      deleted: [`${cal}deleted-event.ics`],
      syncToken: 'http://sabre.io/ns/sync/63845d9c3a7b9',
      truncated: false,
    });
  },

  'openxchange/01_current_user_principal.xml': () => {
    expect(parseCurrentUserPrincipal({ body: read('openxchange/01_current_user_principal.xml'), url: `${OX}/caldav/` })).toBe(
      `${OX}/caldav/testuser@mailbox.org/`,
    );
  },

  'openxchange/02_calendar_home_set.xml': () => {
    // OX's home is the principal URL itself.
    expect(parseCalendarHomeSet({ body: read('openxchange/02_calendar_home_set.xml'), url: `${OX}/caldav/testuser@mailbox.org/` })).toEqual(
      [`${OX}/caldav/testuser@mailbox.org/`],
    );
  },

  'openxchange/03_calendar_list.xml': () => {
    const home = `${OX}/caldav/testuser@mailbox.org/`;
    const body = read('openxchange/03_calendar_list.xml');
    expect(parseCalendarList({ body, url: home })).toEqual([
      calendar({ url: `${home}Kalender/`, displayName: 'Kalender', color: '#0E61B9' }),
      calendar({ url: `${home}Arbeit/`, displayName: 'Arbeit', color: '#CC0000' }),
      calendar({ url: `${home}shared-holidays/`, displayName: 'German Holidays', color: '#00AA00', writable: false }),
    ]);
    // Numeric text stays a string (a generic XML-to-JS mapping would turn the ctags into numbers).
    const kalender = parseMultistatus({ body, url: home }).responses.find((r) => primaryHref(r).endsWith('/Kalender/'));
    expect(kalender && foundText(kalender, NS.CALENDARSERVER, 'getctag')).toBe('1706889600');
  },

  'openxchange/04_sync_collection.xml': () => {
    const cal = `${OX}/caldav/testuser@mailbox.org/Kalender/`;
    // The token comes after the responses here; position does not matter.
    expect(parseSyncCollection({ body: read('openxchange/04_sync_collection.xml'), url: cal })).toEqual({
      changed: [
        { href: `${cal}event-123.ics`, etag: '"ox-etag-abc123"' },
        { href: `${cal}event-456.ics`, etag: '"ox-etag-def456"' },
      ],
      deleted: [`${cal}deleted-event.ics`],
      syncToken: 'http://www.open-xchange.com/sync/1706889999',
      truncated: false,
    });
  },

  'openxchange/05_multiget_response.xml': () => {
    const cal = `${OX}/caldav/testuser@mailbox.org/Kalender/`;
    const items = parseMultiget({ body: read('openxchange/05_multiget_response.xml'), url: cal });
    expect(items.map((i) => [i.href, i.etag, i.status])).toEqual([
      [`${cal}event-123.ics`, '"ox-etag-abc123"', 200],
      [`${cal}recurring-456.ics`, '"ox-etag-def456"', 200],
    ]);
    for (const item of items) expectICalendar(item.calendarData);
    expect(items[1]?.calendarData).toContain('RECURRENCE-ID:20260217T090000Z');
  },

  'radicale/03_calendar_list_multi_propstat.xml': () => {
    const home = 'http://localhost:5232/testuser/';
    // calendar-color sits in a 404 propstat: absent, so null — the calendars themselves are intact.
    expect(parseCalendarList({ body: read('radicale/03_calendar_list_multi_propstat.xml'), url: home })).toEqual([
      calendar({ url: `${home}personal/`, displayName: 'Personal' }),
      calendar({ url: `${home}work/`, displayName: 'Work' }),
    ]);
  },

  'radicale/03_calendar_list_single_propstat.xml': () => {
    const home = 'http://localhost:5232/testuser/';
    expect(parseCalendarList({ body: read('radicale/03_calendar_list_single_propstat.xml'), url: home })).toEqual([
      calendar({ url: `${home}personal/`, displayName: 'Personal Calendar', color: '#3366FF' }),
    ]);
  },

  'stalwart/01_current_user_principal.xml': () => {
    expect(parseCurrentUserPrincipal({ body: read('stalwart/01_current_user_principal.xml'), url: `${STALWART}/dav/cal` })).toBe(
      `${STALWART}/dav/principal/admin/`,
    );
  },

  'stalwart/02_calendar_home_set.xml': () => {
    expect(parseCalendarHomeSet({ body: read('stalwart/02_calendar_home_set.xml'), url: `${STALWART}/dav/principal/admin/` })).toEqual([
      `${STALWART}/dav/cal/admin/`,
    ]);
  },

  'stalwart/03_calendar_list_all_optional_404.xml': () => {
    // The 404 propstat comes first, and holds unprefixed elements in no namespace: all ignored.
    expect(parseCalendarList({ body: read('stalwart/03_calendar_list_all_optional_404.xml'), url: `${STALWART}/dav/cal/admin/` })).toEqual([
      calendar({ url: `${STALWART}/dav/cal/admin/minimal-calendar/`, displayName: 'Minimal Calendar' }),
    ]);
  },

  'stalwart/03_calendar_list_multiple_propstat.xml': () => {
    expect(parseCalendarList({ body: read('stalwart/03_calendar_list_multiple_propstat.xml'), url: `${STALWART}/dav/cal/admin/` })).toEqual(
      [calendar({ url: `${STALWART}/dav/cal/admin/test-calendar/`, displayName: 'Test Calendar' })],
    );
  },

  'stalwart/03_calendar_list_namespace_variants.xml': () => {
    const home = `${STALWART}/dav/cal/admin/`;
    // CalDAV-prefixed, Apple-namespaced and default-namespaced `calendar` all count.
    expect(parseCalendarList({ body: read('stalwart/03_calendar_list_namespace_variants.xml'), url: home })).toEqual([
      calendar({ url: `${home}caldav-prefix-calendar/`, displayName: 'CalDAV Prefix Calendar' }),
      calendar({ url: `${home}apple-prefix-calendar/`, displayName: 'Apple Prefix Calendar' }),
      calendar({ url: `${home}bare-calendar/`, displayName: 'Bare Calendar Element' }),
    ]);
  },

  'stalwart/03_calendar_list_no_status.xml': () => {
    // A propstat without <status> counts as 200.
    expect(parseCalendarList({ body: read('stalwart/03_calendar_list_no_status.xml'), url: `${STALWART}/dav/cal/admin/` })).toEqual([
      calendar({
        url: `${STALWART}/dav/cal/admin/no-status-calendar/`,
        displayName: 'No Status Calendar',
        color: '#FF5733',
      }),
    ]);
  },

  'stalwart/03_calendar_list_resourcetype_404.xml': () => {
    const body = read('stalwart/03_calendar_list_resourcetype_404.xml');
    const home = `${STALWART}/dav/cal/admin/`;
    // A resourcetype reported under 404 is absent: not a calendar…
    expect(parseCalendarList({ body, url: home })).toEqual([]);
    const [response] = parseMultistatus({ body, url: home }).responses;
    expect(response && foundProp(response, NS.DAV, 'resourcetype')).toBeNull();
    // …and, as a member in a sync-collection answer, not a deletion either (only a bare 404 status is).
    const asSync = body
      .replace('/dav/cal/admin/nonexistent-calendar/', '/dav/cal/admin/ghost.ics')
      .replace('</D:multistatus>', '<D:sync-token>t-1</D:sync-token></D:multistatus>');
    expect(parseSyncCollection({ body: asSync, url: home })).toEqual({
      changed: [{ href: `${home}ghost.ics`, etag: null }],
      deleted: [],
      syncToken: 't-1',
      truncated: false,
    });
  },

  'stalwart/03_calendar_list_single_propstat.xml': () => {
    expect(parseCalendarList({ body: read('stalwart/03_calendar_list_single_propstat.xml'), url: `${STALWART}/dav/cal/admin/` })).toEqual([
      calendar({
        url: `${STALWART}/dav/cal/admin/test-calendar/`,
        displayName: 'Test Calendar',
        color: '#0082C9',
      }),
    ]);
  },

  'stalwart/04_sync_collection.xml': () => {
    const cal = `${STALWART}/dav/cal/admin/test-calendar/`;
    expect(parseSyncCollection({ body: read('stalwart/04_sync_collection.xml'), url: cal })).toEqual({
      changed: [
        { href: `${cal}event-changed.ics`, etag: '"stalwart-etag-changed-abc123"' },
        { href: `${cal}event-new.ics`, etag: '"stalwart-etag-new-def456"' },
      ],
      deleted: [`${cal}event-deleted.ics`],
      syncToken: 'http://stalwart.example.com/ns/sync/new-token-789',
      truncated: false,
    });
  },

  'stalwart/05_multiget_response.xml': () => {
    const cal = `${STALWART}/dav/cal/admin/test-calendar/`;
    const items = parseMultiget({ body: read('stalwart/05_multiget_response.xml'), url: cal });
    expect(items.map((i) => [i.href, i.etag, i.status])).toEqual([
      [`${cal}meeting.ics`, '"stalwart-etag-meeting-111"', 200],
      [`${cal}recurring.ics`, '"stalwart-etag-recurring-222"', 200],
    ]);
    for (const item of items) expectICalendar(item.calendarData);
    expect(items[1]?.calendarData).toContain('UID:stalwart-recurring-uid-002');
  },

  'zoho/01_current_user_principal.xml': () => {
    // Answered at /caldav (no trailing slash); the principal href is absolute-path.
    expect(parseCurrentUserPrincipal({ body: read('zoho/01_current_user_principal.xml'), url: `${ZOHO}/caldav` })).toBe(
      `${ZOHO}/caldav/${ZOHO_USER}/user/`,
    );
  },

  'zoho/02_calendar_home_set.xml': () => {
    expect(parseCalendarHomeSet({ body: read('zoho/02_calendar_home_set.xml'), url: `${ZOHO}/caldav/${ZOHO_USER}/user/` })).toEqual([
      `${ZOHO}/caldav/${ZOHO_USER}/`,
    ]);
  },

  'zoho/03_calendar_list.xml': () => {
    const home = `${ZOHO}/caldav/${ZOHO_USER}/`;
    // The home (collection + principal), inbox and outbox are left out; the `B:` prefix is just a prefix.
    expect(parseCalendarList({ body: read('zoho/03_calendar_list.xml'), url: home })).toEqual([
      calendar({ url: `${home}events/`, displayName: 'My Calendar' }),
    ]);
  },

  'zoho/04_ctag_missing.xml': () => {
    const body = read('zoho/04_ctag_missing.xml');
    const home = `${ZOHO}/caldav/${ZOHO_USER}/`;
    const [response] = parseMultistatus({ body, url: home }).responses;
    if (response === undefined) throw new Error('fixture has a response');
    // getctag under 404 is simply absent; the displayname from the 200 propstat survives.
    expect(foundText(response, NS.DAV, 'displayname')).toBe('My Calendar');
    expect(foundText(response, NS.CALENDARSERVER, 'getctag')).toBeNull();
    // Without a calendar resourcetype it is not offered as a calendar.
    expect(parseCalendarList({ body, url: home })).toEqual([]);
  },

  'zoho/05_calendar_query_no_data.xml': () => {
    const cal = `${ZOHO}/caldav/${ZOHO_USER}/events/`;
    const items = parseCalendarQuery({ body: read('zoho/05_calendar_query_no_data.xml'), url: cal });
    // The collection's own response is left out; the events come without data (Zoho ignores the
    // request for it), which is what makes calendarQueryExpanded fall back to a multiget.
    expect(items).toEqual([
      { href: `${cal}aabb0011223344556677889900aabb01@zoho.com.ics`, etag: '1770859402675', calendarData: null, status: 200 },
      { href: `${cal}ccdd0011223344556677889900ccdd02@zoho.com.ics`, etag: '1770859408075', calendarData: null, status: 200 },
    ]);
  },

  'zoho/05_event_report.xml': () => {
    const cal = 'https://calendar.zoho.com/caldav/user@example.com/default/';
    const items = parseCalendarQuery({ body: read('zoho/05_event_report.xml'), url: cal });
    expect(items.map((i) => [i.href, i.etag])).toEqual([
      [`${cal}event1.ics`, '"zoho-etag-001"'],
      [`${cal}event2.ics`, '"zoho-etag-002"'],
    ]);
    for (const item of items) expectICalendar(item.calendarData);
  },

  'zoho/06_calendar_multiget.xml': () => {
    const cal = `${ZOHO}/caldav/${ZOHO_USER}/events/`;
    // Asked for with `@`, answered with `%40`: results carry the href as the caller wrote it.
    const requested = [
      `${cal}aabb0011223344556677889900aabb01@zoho.com.ics`,
      `/caldav/${ZOHO_USER}/events/ccdd0011223344556677889900ccdd02@zoho.com.ics`,
    ];
    const items = parseMultiget({ body: read('zoho/06_calendar_multiget.xml'), url: cal, requested });
    expect(items.map((i) => [i.href, i.etag, i.status])).toEqual([
      [requested[0], '1770859402675', 200],
      [requested[1], '1770859408075', 200],
    ]);
    for (const item of items) expectICalendar(item.calendarData);
    expect(items[0]?.calendarData).toContain('DTSTART;TZID=America/Chicago:20260212T091500');
  },
};

describe('CalDAV fixtures', () => {
  it('has one test for every fixture file, and a file for every test', () => {
    expect(listFixtures(ROOT).sort()).toEqual(Object.keys(cases).sort());
    expect(Object.keys(cases)).toHaveLength(35);
  });

  for (const [file, check] of Object.entries(cases)) {
    it(file, check);
  }
});
