import { useEffect, useMemo, useState } from 'react';
import type { FreeSlot } from '../api.ts';
import { messageOf } from '../api.ts';
import { addDays, datePart, formatDay, formatLongDate, formatTime, localDate, timeZones, zoneLabel } from '../time.ts';

const DAYS = 14;
const MAX_PAGES = 26;

export interface SlotPickerProps {
  /** Fetches free slots in [from, to) with local times in `timezone`. */
  loadSlots: (q: { from: string; to: string; timezone: string }, signal: AbortSignal) => Promise<FreeSlot[]>;
  timezone: string;
  onTimezoneChange: (timezone: string) => void;
  onPick: (slot: FreeSlot) => void;
  selectedStart?: string | null;
  /** Change it to load the slots again (after a booking, or a "slot taken" answer). */
  refreshKey?: number;
  /** Class and event calendars: show the seats left on each slot. */
  showSeats?: boolean;
  /** Hide these starts (e.g. the booking's own current time when rescheduling). */
  hideStarts?: string[];
  /** Open on this local date (YYYY-MM-DD in `timezone`), e.g. the day of the booking being moved. */
  initialDate?: string;
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T12:00:00Z`) - Date.parse(`${from}T12:00:00Z`)) / 86_400_000);
}

/** A strip of the next two weeks and the free times of the chosen day, in the booker's zone. */
export function SlotPicker(props: SlotPickerProps) {
  const { loadSlots, timezone, refreshKey = 0 } = props;
  const [page, setPage] = useState(() => {
    const ahead = props.initialDate ? daysBetween(localDate(new Date(), timezone), props.initialDate) : 0;
    return ahead > 0 ? Math.min(MAX_PAGES, Math.floor(ahead / DAYS)) : 0;
  });
  const [slots, setSlots] = useState<FreeSlot[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [chosenDate, setChosenDate] = useState<string | null>(props.initialDate ?? null);

  const today = localDate(new Date(), timezone);
  const firstDate = addDays(today, page * DAYS);
  const dates = useMemo(() => Array.from({ length: DAYS }, (_, i) => addDays(firstDate, i)), [firstDate]);

  useEffect(() => {
    const controller = new AbortController();
    const from = page === 0 ? new Date() : new Date(Date.parse(`${firstDate}T00:00:00Z`) - 14 * 3_600_000);
    const to = new Date(Date.parse(`${addDays(firstDate, DAYS)}T00:00:00Z`) + 14 * 3_600_000);
    setSlots(null);
    setError(null);
    loadSlots({ from: from.toISOString(), to: to.toISOString(), timezone }, controller.signal).then(
      (found) => setSlots(found),
      (failure: unknown) => {
        if (!controller.signal.aborted) setError(messageOf(failure));
      },
    );
    return () => controller.abort();
  }, [loadSlots, timezone, page, firstDate, refreshKey]);

  const hidden = useMemo(() => new Set(props.hideStarts ?? []), [props.hideStarts]);
  const byDate = useMemo(() => {
    const map = new Map<string, FreeSlot[]>();
    for (const slot of slots ?? []) {
      if (hidden.has(slot.start)) continue;
      const date = datePart(slot.localStart);
      const list = map.get(date) ?? [];
      list.push(slot);
      map.set(date, list);
    }
    return map;
  }, [slots, hidden]);

  const firstWithSlots = dates.find((d) => (byDate.get(d)?.length ?? 0) > 0) ?? null;
  const chosenHasSlots = chosenDate !== null && dates.includes(chosenDate) && (slots === null || (byDate.get(chosenDate)?.length ?? 0) > 0);
  const selectedDate = chosenHasSlots ? chosenDate : firstWithSlots;
  const daySlots = selectedDate ? (byDate.get(selectedDate) ?? []) : [];
  const zones = useMemo(() => timeZones([timezone]), [timezone]);

  return (
    <div className="slot-picker">
      <div className="field inline">
        <label htmlFor="tz">Time zone</label>
        <select id="tz" value={timezone} onChange={(e) => props.onTimezoneChange(e.target.value)}>
          {zones.map((z) => (
            <option key={z} value={z}>
              {z === timezone ? zoneLabel(z) : z.replaceAll('_', ' ')}
            </option>
          ))}
        </select>
      </div>

      <div className="date-strip-wrap">
        <button
          type="button"
          className="icon-button"
          aria-label="Earlier dates"
          disabled={page === 0}
          onClick={() => {
            setPage(page - 1);
            setChosenDate(null);
          }}
        >
          ‹
        </button>
        <div className="date-strip" role="group" aria-label="Pick a date">
          {dates.map((date) => {
            const count = byDate.get(date)?.length ?? 0;
            const { weekday, day, month } = formatDay(date);
            const label = `${formatLongDate(date)}, ${slots === null ? 'loading' : count === 0 ? 'no free times' : `${count} free time${count === 1 ? '' : 's'}`}`;
            return (
              <button
                key={date}
                type="button"
                className="date-button"
                data-date={date}
                aria-pressed={date === selectedDate}
                disabled={slots !== null && count === 0}
                onClick={() => setChosenDate(date)}
              >
                {/* The full date is the name (not an aria-label that hides the visible text from speech input). */}
                <span className="visually-hidden">{label}</span>
                <span className="weekday" aria-hidden="true">
                  {weekday}
                </span>
                <span className="day" aria-hidden="true">
                  {day}
                </span>
                <span className="month" aria-hidden="true">
                  {month}
                </span>
              </button>
            );
          })}
        </div>
        <button
          type="button"
          className="icon-button"
          aria-label="Later dates"
          disabled={page >= MAX_PAGES}
          onClick={() => {
            setPage(page + 1);
            setChosenDate(null);
          }}
        >
          ›
        </button>
      </div>

      <div className="slots" aria-live="polite">
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        {!error && slots === null && <p className="muted">Loading free times…</p>}
        {!error && slots !== null && !selectedDate && (
          <p className="muted">
            No free times in these two weeks.{' '}
            <button type="button" className="link-button" onClick={() => setPage(page + 1)}>
              Try later dates
            </button>
          </p>
        )}
        {!error && selectedDate && (
          <>
            <h3 className="slots-heading">{formatLongDate(selectedDate)}</h3>
            <ul className="slot-grid" aria-label={`Free times on ${formatLongDate(selectedDate)}`}>
              {daySlots.map((slot) => (
                <li key={slot.start}>
                  <button
                    type="button"
                    className="slot-button"
                    data-start={slot.start}
                    aria-pressed={props.selectedStart === slot.start}
                    onClick={() => props.onPick(slot)}
                  >
                    {formatTime(slot.start, timezone)}
                    {props.showSeats && <span className="seats">{slot.seatsLeft} left</span>}
                  </button>
                </li>
              ))}
            </ul>
          </>
        )}
      </div>
    </div>
  );
}
