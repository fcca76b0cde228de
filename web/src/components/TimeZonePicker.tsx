import { useId, useMemo } from 'react';
import { timeZones } from '../time.ts';

function offsetAndTime(zone: string, at: Date): string {
  try {
    const offset =
      new Intl.DateTimeFormat('en-GB', { timeZone: zone, timeZoneName: 'shortOffset' })
        .formatToParts(at)
        .find((p) => p.type === 'timeZoneName')?.value ?? '';
    const time = new Intl.DateTimeFormat(undefined, { timeZone: zone, hour: 'numeric', minute: '2-digit' }).format(at);
    return `${offset.replace('-', '\u2212')} · now ${time}`;
  } catch {
    return '';
  }
}

/**
 * A time zone field that is searched by typing (a native datalist: keyboard and screen-reader
 * friendly), each suggestion showing its UTC offset and the current local time there.
 */
export function TimeZonePicker({
  id,
  value,
  onChange,
  invalid,
}: {
  id: string;
  value: string;
  onChange: (zone: string) => void;
  invalid?: boolean;
}) {
  const listId = useId();
  const now = useMemo(() => new Date(), []);
  const zones = useMemo(() => timeZones([value]).filter(Boolean), [value]);
  const current = zones.includes(value) ? offsetAndTime(value, now) : '';
  return (
    <>
      <input
        id={id}
        type="search"
        list={listId}
        value={value}
        autoComplete="off"
        aria-invalid={invalid ?? false}
        aria-describedby={`${id}-now`}
        onChange={(e) => onChange(e.target.value)}
      />
      <datalist id={listId}>
        {zones.map((zone) => (
          <option key={zone} value={zone}>
            {offsetAndTime(zone, now)}
          </option>
        ))}
      </datalist>
      <span id={`${id}-now`} className="muted small">
        {current ? `${value.replaceAll('_', ' ')}: ${current}` : 'Type a city, e.g. London or New York, and pick from the list.'}
      </span>
    </>
  );
}
