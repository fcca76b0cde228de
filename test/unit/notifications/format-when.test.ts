/** formatWhen makes one DateTime per call; what it shows must not change. */
import { DateTime } from 'luxon';
import fc from 'fast-check';
import { it, expect } from 'vitest';
import { formatWhen } from '../../../src/services/notifications/render-message.ts';
/** The formatting as it was written first: three DateTimes per call. */
function reference(iso: string, zone: string): string {
  const time = DateTime.fromISO(iso, { zone: 'utc' }).setZone(zone);
  const shown = time.isValid ? time : DateTime.fromISO(iso, { zone: 'utc' });
  return `${shown.setLocale('en-GB').toFormat('cccc d LLLL yyyy, HH:mm')} (${shown.zoneName ?? 'UTC'})`;
}
it('is Luxon parsing the instant, moving it to the zone and formatting in en-GB (unknown zones shown in UTC)', () => {
  const zones = [
    'UTC',
    'Europe/Berlin',
    'America/New_York',
    'Asia/Kolkata',
    'Pacific/Chatham',
    'Australia/Lord_Howe',
    'Not/AZone',
    'utc',
    'Etc/GMT+5',
    'europe/berlin',
  ];
  fc.assert(
    fc.property(fc.integer({ min: Date.UTC(1950, 0, 1), max: Date.UTC(2100, 0, 1) }), fc.constantFrom(...zones), (ms, zone) => {
      const iso = new Date(ms).toISOString();
      expect(formatWhen(iso, zone)).toBe(reference(iso, zone));
    }),
    { numRuns: 1000 },
  );
});
