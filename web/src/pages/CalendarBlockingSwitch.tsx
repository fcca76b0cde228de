import { useState } from 'react';
import { messageOf, staffApi, type RemoteCalendar } from '../api.ts';
import { useStaff } from './StaffShell.tsx';

type Choice = 'server' | 'yes' | 'no';

/**
 * "Events on this calendar block my availability": follow what the server says (Apple's
 * "events affect availability", RFC 6638 schedule-calendar-transp), or yes / no whatever it says.
 */
export function CalendarBlockingSwitch({
  calendar,
  disabled,
  serverName,
}: {
  calendar: RemoteCalendar;
  disabled: boolean;
  /** "iCloud" for an iCloud connection; any other server is not named iCloud. */
  serverName: string;
}) {
  const { me } = useStaff();
  const [override, setOverride] = useState<boolean | null>(calendar.blocksAvailabilityOverride ?? null);
  const [error, setError] = useState<string | null>(null);
  const serverSays = calendar.serverTransparent ? 'no' : 'yes';
  const value: Choice = override === null ? 'server' : override ? 'yes' : 'no';
  const change = (next: Choice) => {
    const blocks = next === 'server' ? null : next === 'yes';
    setError(null);
    staffApi.setCalendarBlocking(me.id, calendar.id, blocks).then(
      (saved) => setOverride(saved.blocksAvailabilityOverride),
      (e: unknown) => setError(messageOf(e)),
    );
  };
  return (
    <label className="small blocking-switch">
      Blocks my availability{' '}
      <select
        value={value}
        disabled={disabled}
        aria-label={`Events on ${calendar.displayName || 'this calendar'} block my availability`}
        onChange={(e) => change(e.target.value as Choice)}
      >
        <option value="server">
          as {serverName} says ({serverSays})
        </option>
        <option value="yes">yes</option>
        <option value="no">no</option>
      </select>
      {error && <span className="error small"> {error}</span>}
    </label>
  );
}
