import { useId, useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client.ts';
import type { Calendar } from '../api.ts';
import { messageOf } from '../api.ts';
import { detectTimeZone, formatDateTime } from '../time.ts';

/**
 * "Why is this time not bookable?" (issue 12.4): the server's explanation of one start on one
 * booking calendar, every reason per member. A button, not a tooltip, so keyboards reach it.
 */
export function ExplainPanel({ start, calendars, userId }: { start: Date; calendars: Calendar[]; userId: string }) {
  const zone = detectTimeZone();
  const onIt = calendars.filter((c) => c.members.some((m) => m.userId === userId));
  const choices = onIt.length > 0 ? onIt : calendars;
  const [calendarId, setCalendarId] = useState(choices[0]?.id ?? '');
  const [asked, setAsked] = useState(false);
  const selectId = useId();
  const calendar = choices.find((c) => c.id === calendarId) ?? null;
  const serviceId = calendar?.type === 'service' ? calendar.services[0]?.id : undefined;
  const explanation = useQuery({
    queryKey: ['explain', calendarId, start.toISOString(), zone, serviceId],
    enabled: asked && calendarId !== '',
    queryFn: () =>
      unwrap(
        api.GET('/api/calendars/{id}/explain', {
          params: { path: { id: calendarId }, query: { start: start.toISOString(), timezone: zone, ...(serviceId && { serviceId }) } },
        }),
      ),
  });
  if (choices.length === 0) return null;
  const data = explanation.data;
  return (
    <section className="explain" aria-label="Why is this time not bookable?">
      <div className="explain-ask">
        {choices.length > 1 && (
          <span className="field inline">
            <label htmlFor={selectId}>On</label>
            <select id={selectId} value={calendarId} onChange={(e) => setCalendarId(e.target.value)}>
              {choices.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </span>
        )}
        <button type="button" className="secondary" aria-expanded={asked} onClick={() => setAsked(true)}>
          Why is {formatDateTime(start, zone)} not bookable?
        </button>
      </div>
      {asked && explanation.isPending && <p className="muted small">Asking the slot engine…</p>}
      {explanation.isError && (
        <p className="error" role="alert">
          {messageOf(explanation.error)}
        </p>
      )}
      {data && (
        <div className="explain-answer" role="status">
          <p>
            <strong>
              {data.bookable
                ? `Bookable on ${calendar?.name ?? 'this calendar'}.`
                : `Not bookable on ${calendar?.name ?? 'this calendar'}:`}
            </strong>
          </p>
          <ul>
            {data.reasons.map((r, i) => (
              <li key={`c${i}`}>{r.message}</li>
            ))}
            {data.members.flatMap((m) =>
              m.free
                ? [<li key={m.userId}>{m.name}: free</li>]
                : m.reasons.map((r, i) => (
                    // Member reasons already start with the member's name.
                    <li key={`${m.userId}-${i}`}>{r.message}</li>
                  )),
            )}
          </ul>
        </div>
      )}
    </section>
  );
}
