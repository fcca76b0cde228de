import { useCallback, useEffect, useMemo, useRef, useState, type FormEvent } from 'react';
import FullCalendar from '@fullcalendar/react';
import timeGridPlugin from '@fullcalendar/timegrid';
import interactionPlugin from '@fullcalendar/interaction';
import type { DateSelectArg, EventClickArg, EventContentArg, EventDropArg, EventInput, EventSourceFuncArg } from '@fullcalendar/core';
import {
  ApiError,
  messageOf,
  newIdempotencyKey,
  staffApi,
  type Appointment,
  type BlockedSlot,
  type Calendar,
  type FreeSlot,
  type RemoteCalendar,
} from '../api.ts';
import { Dialog } from '../components/Dialog.tsx';
import { SlotPicker } from '../components/SlotPicker.tsx';
import { Link } from '../router.tsx';
import { detectTimeZone, formatDateTime, formatRange, formatTime, localDate, zoneLabel } from '../time.ts';
import { SLOT_TAKEN_MESSAGE } from './BookingPage.tsx';
import { useStaff } from './StaffShell.tsx';
import { DeliveryStatus } from '../components/DeliveryStatus.tsx';
import { ExplainPanel } from '../components/ExplainPanel.tsx';
import { HolidayAppointments } from '../components/HolidayAppointments.tsx';
import { api, unwrap } from '../api/client.ts';
import { useQuery } from '@tanstack/react-query';

type EventMeta = { kind: 'appointment'; appointment: Appointment } | { kind: 'blocked'; slot: BlockedSlot; remote: RemoteCalendar | null };

type Selected =
  | { kind: 'appointment'; appointment: Appointment }
  | { kind: 'blocked'; slot: BlockedSlot; remote: RemoteCalendar | null }
  | { kind: 'range'; start: Date; end: Date }
  | { kind: 'move'; appointment: Appointment; start: Date; revert: () => void };

const calendarTypeLabel: Record<Calendar['type'], string> = {
  round_robin: 'Round Robin',
  collective: 'Collective',
  class: 'Class Booking',
  service: 'Service Calendar',
  simple: 'Simple',
  event: 'Event',
};

/** `source`: "iCloud" for iCloud connections, the server's host name for any other CalDAV server. */
type LabelledRemote = RemoteCalendar & { source?: string };

function remoteLabel(remote: LabelledRemote | null): string {
  return remote ? `${remote.source ?? 'iCloud'} · ${remote.displayName}` : 'Calendar';
}

function sourceOf(connection: { provider: 'icloud' | 'caldav'; serverUrl?: string }): string {
  if (connection.provider === 'icloud') return 'iCloud';
  try {
    return connection.serverUrl ? new URL(connection.serverUrl).hostname : 'CalDAV';
  } catch {
    return 'CalDAV';
  }
}

export function WeekPage() {
  const { me, users, calendars } = useStaff();
  const [userId, setUserId] = useState(me.id);
  const [remoteCalendars, setRemoteCalendars] = useState<Map<string, LabelledRemote>>(new Map());
  const [selected, setSelected] = useState<Selected | null>(null);
  const [toast, setToast] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const calendarRef = useRef<FullCalendar>(null);
  const wrapRef = useRef<HTMLDivElement>(null);
  const browserZone = useMemo(detectTimeZone, []);
  // FullCalendar formats in English; follow the browser's 12/24-hour habit at least.
  const hour12 = useMemo(() => new Intl.DateTimeFormat(undefined, { hour: 'numeric' }).resolvedOptions().hour12 ?? false, []);
  // A phone shows one day at a time: seven columns do not fit 390 px.
  const phone = useMemo(() => window.matchMedia('(max-width: 640px)').matches, []);
  const member = users.find((u) => u.id === userId) ?? me;
  const memberZone = member.timezone;

  useEffect(() => {
    document.title = 'Week · Tandem';
  }, []);

  useEffect(() => {
    // FullCalendar re-creates its scrollers (view change, resize): make each new one focusable.
    const root = wrapRef.current;
    if (!root) return;
    focusableScrollers(root);
    const observer = new MutationObserver(() => focusableScrollers(root));
    observer.observe(root, { childList: true, subtree: true });
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    // Names of iCloud calendars for imported slots; without access (or on a server without
    // connections) the label just says "iCloud".
    let current = true;
    staffApi.connections(userId === me.id ? undefined : userId).then(
      (connections) => {
        if (current)
          setRemoteCalendars(
            new Map(connections.flatMap((c) => c.calendars.map((rc) => [rc.id, { ...rc, source: sourceOf(c) }] as const))),
          );
      },
      () => {
        if (current) setRemoteCalendars(new Map());
      },
    );
    return () => {
      current = false;
    };
  }, [userId, me.id]);

  const loadEvents = useCallback(
    async (info: EventSourceFuncArg): Promise<EventInput[]> => {
      const range = { from: info.start.toISOString(), to: info.end.toISOString(), userId };
      try {
        const [appointments, blocked] = await Promise.all([staffApi.appointments(range), staffApi.blockedSlots(range)]);
        setLoadError(null);
        const events: EventInput[] = [];
        for (const slot of blocked) {
          const remote = slot.remoteCalendarId ? (remoteCalendars.get(slot.remoteCalendarId) ?? null) : null;
          const imported = slot.source === 'imported';
          // An all-day event covers whole days of the member's zone: give FullCalendar those dates.
          const start = slot.allDay ? localDate(slot.start, memberZone) : slot.start;
          const end = slot.allDay ? localDate(slot.end, memberZone) : slot.end;
          events.push({
            id: `b:${slot.id}`,
            start,
            end,
            allDay: slot.allDay,
            title: slot.title || (imported ? 'Busy' : 'Blocked'),
            editable: false,
            classNames: ['ev-blocked', imported ? 'ev-imported' : 'ev-manual', ...(slot.blocks ? [] : ['ev-free'])],
            ...(imported && remote?.color ? { borderColor: remote.color } : {}),
            extendedProps: { kind: 'blocked', slot, remote } satisfies EventMeta,
          });
        }
        for (const appointment of appointments) {
          if (appointment.status === 'cancelled') continue;
          events.push({
            id: `a:${appointment.id}`,
            start: appointment.start,
            end: appointment.end,
            title: appointment.title,
            startEditable: true,
            durationEditable: false,
            classNames: [
              'ev-appointment',
              ...(appointment.removedFromICloud ? ['ev-removed'] : []),
              ...(appointment.overlapFlagged ? ['ev-overlap'] : []),
            ],
            extendedProps: { kind: 'appointment', appointment } satisfies EventMeta,
          });
        }
        return events;
      } catch (failure) {
        setLoadError(messageOf(failure));
        return [];
      }
    },
    [userId, memberZone, remoteCalendars],
  );

  const refetch = () => calendarRef.current?.getApi().refetchEvents();
  const done = (message: string) => {
    setSelected(null);
    setToast(message);
    refetch();
  };

  useEffect(() => {
    if (!toast) return;
    const timer = window.setTimeout(() => setToast(null), 5000);
    return () => window.clearTimeout(timer);
  }, [toast]);

  const onEventClick = (arg: EventClickArg) => {
    const meta = metaOf(arg.event.extendedProps);
    if (!meta) return;
    setSelected(
      meta.kind === 'appointment'
        ? { kind: 'appointment', appointment: meta.appointment }
        : { kind: 'blocked', slot: meta.slot, remote: meta.remote },
    );
  };
  const onSelect = (arg: DateSelectArg) => {
    setSelected({ kind: 'range', start: arg.start, end: arg.end });
    arg.view.calendar.unselect();
  };
  const onEventDrop = (arg: EventDropArg) => {
    const meta = metaOf(arg.event.extendedProps);
    if (meta?.kind !== 'appointment' || !arg.event.start) {
      arg.revert();
      return;
    }
    setSelected({ kind: 'move', appointment: meta.appointment, start: arg.event.start, revert: arg.revert });
  };

  return (
    <div className="week-page">
      <div className="page-header">
        <h1>Week</h1>
        <button type="button" className="primary" onClick={() => setSelected({ kind: 'range', ...nextFreeHalfHour() })}>
          New…
        </button>
        <div className="field inline">
          <label htmlFor="member">Team member</label>
          <select id="member" value={userId} onChange={(e) => setUserId(e.target.value)}>
            {users.map((u) => (
              <option key={u.id} value={u.id}>
                {u.id === me.id ? `${u.name} (me)` : u.name}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="muted small">
        Times in {zoneLabel(browserZone)}
        {member.timezone !== browserZone ? ` · ${member.name} works in ${zoneLabel(member.timezone)}` : ''}. Drag an appointment to move it;
        select empty time (or press New…) to block it or book a client.
      </p>
      {loadError && (
        <p className="error" role="alert">
          {loadError}
        </p>
      )}
      <div className="calendar-wrap" ref={wrapRef}>
        <FullCalendar
          ref={calendarRef}
          plugins={[timeGridPlugin, interactionPlugin]}
          initialView={phone ? 'timeGridDay' : 'timeGridWeek'}
          headerToolbar={
            phone
              ? { left: 'prev,next', center: 'title', right: 'today' }
              : { left: 'prev,next today', center: 'title', right: 'timeGridWeek,timeGridDay' }
          }
          titleFormat={phone ? { weekday: 'short', month: 'short', day: 'numeric' } : undefined}
          firstDay={1}
          nowIndicator
          selectable
          selectMirror
          editable
          eventDurationEditable={false}
          slotEventOverlap={false}
          allDayText="All day"
          scrollTime="07:00:00"
          contentHeight={phone ? 560 : 680}
          expandRows
          slotLabelFormat={{ hour: 'numeric', minute: '2-digit', hour12 }}
          eventTimeFormat={{ hour: 'numeric', minute: '2-digit', hour12 }}
          displayEventEnd={false}
          events={loadEvents}
          eventContent={renderEvent}
          eventClick={onEventClick}
          // Text arrows instead of FullCalendar's icon font (role="img" without a name); the buttons keep their hints.
          buttonIcons={false}
          buttonText={{ today: 'Today', week: 'Week', day: 'Day', prev: '‹ Prev', next: 'Next ›' }}
          eventInteractive
          select={onSelect}
          eventDrop={onEventDrop}
        />
      </div>
      <Legend />
      {toast && (
        <div className="toast" role="status">
          {toast}
        </div>
      )}

      {selected?.kind === 'appointment' && (
        <AppointmentDialog appointment={selected.appointment} calendars={calendars} onClose={() => setSelected(null)} onDone={done} />
      )}
      {selected?.kind === 'blocked' && (
        <BlockedDialog
          slot={selected.slot}
          remote={selected.remote}
          calendars={calendars}
          onClose={() => setSelected(null)}
          onDone={done}
        />
      )}
      {selected?.kind === 'range' && (
        <RangeDialog
          start={selected.start}
          end={selected.end}
          userId={userId}
          memberName={member.name}
          calendars={calendars}
          onClose={() => setSelected(null)}
          onDone={done}
        />
      )}
      {selected?.kind === 'move' && (
        <MoveDialog
          appointment={selected.appointment}
          start={selected.start}
          onClose={() => {
            selected.revert();
            setSelected(null);
          }}
          onDone={done}
        />
      )}
    </div>
  );
}

/**
 * FullCalendar's time grid scrolls: keyboards must be able to reach it to scroll it (axe:
 * scrollable-region-focusable). No role or name is added: inside FullCalendar's grid either breaks
 * its (already strained) ARIA structure further.
 */
function focusableScrollers(root: HTMLElement): void {
  root.querySelectorAll<HTMLElement>('.fc-scroller-liquid-absolute:not([tabindex])').forEach((el) => {
    el.tabIndex = 0;
  });
}

/** The New… button's default: the next half hour from now, 30 minutes long. */
function nextFreeHalfHour(): { start: Date; end: Date } {
  const start = new Date(Math.ceil(Date.now() / 1_800_000) * 1_800_000);
  return { start, end: new Date(start.getTime() + 1_800_000) };
}

/** Our events carry their meta; FullCalendar's own (the selection mirror) do not. */
function metaOf(extendedProps: Record<string, unknown>): EventMeta | null {
  const kind = extendedProps.kind;
  return kind === 'appointment' || kind === 'blocked' ? (extendedProps as unknown as EventMeta) : null;
}

function renderEvent(arg: EventContentArg) {
  const meta = metaOf(arg.event.extendedProps);
  if (!meta)
    return (
      <div className="ev">
        <div className="ev-line">
          <span className="ev-time">{arg.timeText}</span>
        </div>
      </div>
    );
  const { start, end } = arg.event;
  // The title wraps as far as the event's height allows: two lines in half an hour, one when a
  // badge or the iCloud calendar's name needs the second, more from an hour up.
  const tall = Boolean(start && end && end.getTime() - start.getTime() >= 3_600_000);
  const extraLine =
    meta.kind === 'appointment' ? meta.appointment.removedFromICloud || meta.appointment.overlapFlagged : meta.slot.source === 'imported';
  const className = `ev${tall ? ' ev-tall' : ''}${extraLine ? ' ev-extra' : ''}`;
  const tooltip = describe(meta, arg.timeText, arg.event.title);
  if (meta.kind === 'appointment') {
    const a = meta.appointment;
    return (
      <div className={className} title={tooltip}>
        <div className="ev-line">
          <span className="ev-time">{arg.timeText}</span> <span className="ev-title">{arg.event.title}</span>
        </div>
        {(a.removedFromICloud || a.overlapFlagged) && (
          <div className="ev-badges">
            {a.removedFromICloud && <span className="badge badge-warn">removed from iCloud</span>}
            {a.overlapFlagged && <span className="badge badge-danger">overlap</span>}
          </div>
        )}
      </div>
    );
  }
  const imported = meta.slot.source === 'imported';
  return (
    <div className={className} title={tooltip}>
      <div className="ev-line">
        {!arg.event.allDay && <span className="ev-time">{arg.timeText}</span>} <span className="ev-title">{arg.event.title}</span>
      </div>
      {imported && (
        <div className="ev-source">
          {remoteLabel(meta.remote)}
          {meta.slot.blocks ? '' : ' · free'}
        </div>
      )}
    </div>
  );
}

/** The whole text of an event, as its tooltip: short events are cut visually. */
function describe(meta: EventMeta, timeText: string, title: string): string {
  const parts = [timeText, title];
  if (meta.kind === 'appointment') {
    if (meta.appointment.removedFromICloud) parts.push('removed from iCloud');
    if (meta.appointment.overlapFlagged) parts.push('overlap');
  } else if (meta.slot.source === 'imported') {
    parts.push(remoteLabel(meta.remote), meta.slot.blocks ? 'busy' : 'free, does not block');
  } else parts.push('blocked by hand');
  return parts.filter(Boolean).join(' · ');
}

function Legend() {
  return (
    <ul className="legend" aria-label="Legend">
      <li>
        <span className="swatch sw-appointment" /> Appointment
      </li>
      <li>
        <span className="swatch sw-manual" /> Blocked by hand
      </li>
      <li>
        <span className="swatch sw-imported" /> From your calendars (busy)
      </li>
      <li>
        <span className="swatch sw-free" /> From your calendars (free, does not block)
      </li>
      <li>
        <span className="badge badge-warn">removed from iCloud</span> event deleted in iCloud, booking kept
      </li>
      <li>
        <span className="badge badge-danger">overlap</span> moved in iCloud onto another booking
      </li>
    </ul>
  );
}

function AppointmentDialog({
  appointment,
  calendars,
  onClose,
  onDone,
}: {
  appointment: Appointment;
  calendars: Calendar[];
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const { users } = useStaff();
  const calendar = calendars.find((c) => c.id === appointment.calendarId) ?? null;
  const [mode, setMode] = useState<'view' | 'cancel' | 'move'>('view');
  const [timezone, setTimezone] = useState(detectTimeZone);
  const [picked, setPicked] = useState<FreeSlot | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [refreshKey, setRefreshKey] = useState(0);
  const assignees = appointment.assigneeIds.map((id) => users.find((u) => u.id === id)?.name ?? 'Someone').join(', ');
  const attendees = appointment.attendees.filter((a) => a.status === 'confirmed');

  const loadSlots = useCallback(
    (q: { from: string; to: string; timezone: string }, signal: AbortSignal) =>
      staffApi.slots(appointment.calendarId, { ...q, serviceId: appointment.serviceId }, signal),
    [appointment.calendarId, appointment.serviceId],
  );

  const run = async (action: () => Promise<string>) => {
    setBusy(true);
    setError(null);
    try {
      onDone(await action());
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === 'slot_taken') {
        setPicked(null);
        setRefreshKey((k) => k + 1);
        setError(SLOT_TAKEN_MESSAGE);
      } else setError(messageOf(failure));
      setBusy(false);
    }
  };

  return (
    <Dialog title={appointment.title} onClose={onClose} wide={mode === 'move'}>
      <p className="when">
        <strong>{formatRange(appointment.start, appointment.end, timezone)}</strong>
      </p>
      <dl className="details">
        <dt>Calendar</dt>
        <dd>{calendar ? `${calendar.name} (${calendarTypeLabel[calendar.type]})` : '—'}</dd>
        <dt>With</dt>
        <dd>{assignees || '—'}</dd>
        <dt>{attendees.length > 1 ? 'Clients' : 'Client'}</dt>
        <dd>
          {attendees.length === 0 ? (
            '—'
          ) : (
            <ul className="plain">
              {attendees.map((a) => (
                <li key={a.id}>
                  {a.name} · <a href={`mailto:${a.email}`}>{a.email}</a>
                  {a.seats > 1 ? ` · ${a.seats} seats` : ''}
                </li>
              ))}
            </ul>
          )}
        </dd>
        {appointment.location && (
          <>
            <dt>Where</dt>
            <dd>{appointment.location}</dd>
          </>
        )}
      </dl>
      {appointment.removedFromICloud && (
        <p className="notice warn">
          <span className="badge badge-warn">removed from iCloud</span> Its event was deleted in iCloud. The booking is kept; cancel it here
          so the client is told.
        </p>
      )}
      {appointment.overlapFlagged && (
        <p className="notice danger">
          <span className="badge badge-danger">overlap</span> It was moved in iCloud onto a time that overlaps another booking.
        </p>
      )}
      <DeliveryStatus appointmentId={appointment.id} />
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}

      {mode === 'view' && (
        <div className="actions">
          <button type="button" className="primary" onClick={() => setMode('move')}>
            Move…
          </button>
          <button type="button" className="danger-outline" onClick={() => setMode('cancel')}>
            Cancel appointment
          </button>
          {calendar && (
            <Link to={`/book/${calendar.id}`} className="push-right small">
              Booking page
            </Link>
          )}
        </div>
      )}
      {mode === 'cancel' && (
        <div className="confirm-box">
          <p>Cancel this appointment? {attendees.length ? 'The client is told.' : ''}</p>
          <div className="actions">
            <button
              type="button"
              className="danger"
              disabled={busy}
              onClick={() =>
                void run(async () => {
                  await staffApi.cancel(appointment.id);
                  return 'Appointment cancelled.';
                })
              }
            >
              {busy ? 'Cancelling…' : 'Yes, cancel it'}
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => setMode('view')}>
              Keep it
            </button>
          </div>
        </div>
      )}
      {mode === 'move' && (
        <div className="reschedule">
          <h3>Pick a new time</h3>
          <SlotPicker
            loadSlots={loadSlots}
            timezone={timezone}
            onTimezoneChange={setTimezone}
            onPick={setPicked}
            selectedStart={picked?.start ?? null}
            refreshKey={refreshKey}
            hideStarts={[appointment.start]}
            initialDate={localDate(appointment.start, timezone)}
          />
          <div className="actions">
            <button
              type="button"
              className="primary"
              disabled={!picked || busy}
              onClick={() =>
                picked &&
                void run(async () => {
                  const moved = await staffApi.reschedule(appointment.id, picked.start);
                  return `Moved to ${formatDateTime(moved.start, timezone)}.`;
                })
              }
            >
              {busy ? 'Moving…' : picked ? `Move to ${formatDateTime(picked.start, timezone)}` : 'Pick a time above'}
            </button>
            <button
              type="button"
              className="secondary"
              disabled={busy}
              onClick={() => {
                setMode('view');
                setPicked(null);
              }}
            >
              Back
            </button>
          </div>
        </div>
      )}
    </Dialog>
  );
}

function MoveDialog({
  appointment,
  start,
  onClose,
  onDone,
}: {
  appointment: Appointment;
  start: Date;
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const zone = detectTimeZone();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const move = async () => {
    setBusy(true);
    setError(null);
    try {
      await staffApi.reschedule(appointment.id, start.toISOString());
      onDone(`Moved to ${formatDateTime(start, zone)}.`);
    } catch (failure) {
      setError(failure instanceof ApiError && failure.code === 'slot_taken' ? 'That time is taken — pick another.' : messageOf(failure));
      setBusy(false);
    }
  };
  return (
    <Dialog title="Move appointment?" onClose={onClose}>
      <p>
        <strong>{appointment.title}</strong>
      </p>
      <p>
        From {formatDateTime(appointment.start, zone)}
        <br />
        to <strong>{formatDateTime(start, zone)}</strong>
      </p>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" className="primary" onClick={() => void move()} disabled={busy || error !== null}>
          {busy ? 'Moving…' : 'Move'}
        </button>
        <button type="button" className="secondary" onClick={onClose} disabled={busy}>
          {error ? 'Close' : 'Keep the current time'}
        </button>
      </div>
    </Dialog>
  );
}

function BlockedDialog({
  slot,
  remote,
  calendars,
  onClose,
  onDone,
}: {
  slot: BlockedSlot;
  remote: RemoteCalendar | null;
  calendars: Calendar[];
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const zone = detectTimeZone();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const imported = slot.source === 'imported';
  // A holiday: all day or longer than a day; its bookings can be cancelled together.
  const holiday = imported && (slot.allDay || Date.parse(slot.end) - Date.parse(slot.start) >= 86_400_000);
  // Explain a time inside the block: its start, or midday of an all-day block's first day.
  const explainAt = slot.allDay ? new Date(`${localDate(slot.start, zone)}T12:00`) : new Date(slot.start);
  const remove = async () => {
    setBusy(true);
    try {
      await staffApi.unblock(slot.id);
      onDone('Block removed.');
    } catch (failure) {
      setError(messageOf(failure));
      setBusy(false);
    }
  };
  return (
    <Dialog title={slot.title || (imported ? 'Busy' : 'Blocked')} onClose={onClose}>
      <p className="when">
        <strong>{slot.allDay ? allDayText(slot, zone) : formatRange(slot.start, slot.end, zone)}</strong>
      </p>
      {imported ? (
        <>
          <dl className="details">
            <dt>Event</dt>
            <dd>{slot.title || '(no title)'}</dd>
            <dt>Calendar</dt>
            <dd>{remoteLabel(remote)}</dd>
          </dl>
          <p>{slot.blocks ? 'It blocks availability.' : 'It is marked free (or cancelled/declined), so it does not block availability.'}</p>
          <p className="muted small">
            Change or delete it in {remote && 'source' in remote && remote.source !== 'iCloud' ? 'that calendar' : 'iCloud'}; Tandem follows
            within about a minute.
          </p>
        </>
      ) : (
        <p>Blocked by hand in Tandem (not sent to iCloud).</p>
      )}
      {slot.blocks && <ExplainPanel start={explainAt} calendars={calendars} userId={slot.userId} />}
      {holiday && <HolidayAppointments blockId={slot.id} onDone={onDone} />}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        {!imported && (
          <button type="button" className="danger-outline" onClick={() => void remove()} disabled={busy}>
            {busy ? 'Removing…' : 'Remove block'}
          </button>
        )}
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

/** "All day, 2026-12-24" or, over several days, "All day, 2026-12-24 – 2026-12-26". */
function allDayText(slot: BlockedSlot, zone: string): string {
  const first = localDate(slot.start, zone);
  const last = localDate(new Date(Date.parse(slot.end) - 1), zone);
  return first === last ? `All day, ${first}` : `All day, ${first} – ${last}`;
}

function RangeDialog(props: {
  start: Date;
  end: Date;
  userId: string;
  memberName: string;
  calendars: Calendar[];
  onClose: () => void;
  onDone: (message: string) => void;
}) {
  const [tab, setTab] = useState<'block' | 'book'>('block');
  const zone = detectTimeZone();
  // Date and times in the browser's zone, editable: the New… button opens this dialog too.
  const [date, setDate] = useState(localDate(props.start, zone));
  const [from, setFrom] = useState(wallTime(props.start, zone));
  const [until, setUntil] = useState(wallTime(props.end, zone));
  // Memoised by value: the book form reloads its free times when `start` changes identity.
  const picked = useMemo(() => {
    const start = new Date(`${date}T${from}`);
    const endSameDay = new Date(`${date}T${until}`);
    // An end at or before the start (e.g. 23:30–00:00) ends on the next day.
    const end = endSameDay > start ? endSameDay : new Date(endSameDay.getTime() + 86_400_000);
    return Number.isNaN(start.getTime()) || Number.isNaN(end.getTime()) ? null : { start, end };
  }, [date, from, until]);
  const range = picked ? { ...props, ...picked } : props;
  return (
    <Dialog title={`${formatDateTime(range.start, zone)} – ${formatTime(range.end, zone)}`} onClose={props.onClose}>
      <fieldset className="when-fields">
        <legend className="visually-hidden">When</legend>
        <div className="field">
          <label htmlFor="range-date">Date</label>
          <input id="range-date" type="date" required value={date} onChange={(e) => setDate(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="range-from">From</label>
          <input id="range-from" type="time" required step={300} value={from} onChange={(e) => setFrom(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="range-until">Until</label>
          <input id="range-until" type="time" required step={300} value={until} onChange={(e) => setUntil(e.target.value)} />
        </div>
      </fieldset>
      <div className="tabs" role="tablist" aria-label="What to do with this time">
        <button type="button" role="tab" aria-selected={tab === 'block'} onClick={() => setTab('block')}>
          Block time
        </button>
        <button type="button" role="tab" aria-selected={tab === 'book'} onClick={() => setTab('book')}>
          Book for a client
        </button>
      </div>
      {tab === 'block' ? <BlockForm {...range} /> : <StaffBookForm {...range} />}
    </Dialog>
  );
}

/** "HH:mm" of an instant in a zone, for <input type="time">. */
function wallTime(instant: Date, zone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(instant);
}

function BlockForm({
  start,
  end,
  userId,
  memberName,
  onDone,
}: {
  start: Date;
  end: Date;
  userId: string;
  memberName: string;
  onDone: (message: string) => void;
}) {
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await staffApi.block({ userId, start: start.toISOString(), end: end.toISOString(), title: title.trim() });
      onDone('Time blocked.');
    } catch (failure) {
      setError(messageOf(failure));
      setBusy(false);
    }
  };
  return (
    <form onSubmit={(event) => void submit(event)} role="tabpanel" aria-label="Block time">
      <p className="muted small">{memberName} will not be bookable then. Blocks made here are not sent to iCloud.</p>
      <div className="field">
        <label htmlFor="block-title">
          Reason <span className="muted small">(optional)</span>
        </label>
        <input id="block-title" maxLength={200} value={title} onChange={(e) => setTitle(e.target.value)} placeholder="e.g. Lunch" />
      </div>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Blocking…' : 'Block time'}
      </button>
    </form>
  );
}

function StaffBookForm({
  start,
  userId,
  calendars,
  onDone,
}: {
  start: Date;
  userId: string;
  calendars: Calendar[];
  onDone: (message: string) => void;
}) {
  const zone = detectTimeZone();
  const { users } = useStaff();
  const mine = calendars.filter((c) => c.members.some((m) => m.userId === userId));
  const [calendarId, setCalendarId] = useState(mine[0]?.id ?? '');
  const calendar = mine.find((c) => c.id === calendarId) ?? null;
  const [serviceId, setServiceId] = useState<string>('');
  const [slots, setSlots] = useState<FreeSlot[] | null>(null);
  const [slotStart, setSlotStart] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [phone, setPhone] = useState('');
  const [seats, setSeats] = useState(1);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const needsService = calendar?.type === 'service';
  const effectiveService = needsService ? serviceId || calendar.services[0]?.id || '' : '';
  // Who would get it: Round Robin may choose another member than the one whose week is shown.
  const preview = useQuery({
    queryKey: ['assignees', calendar?.id, slotStart, effectiveService],
    enabled: Boolean(calendar && slotStart),
    staleTime: 0,
    queryFn: () =>
      unwrap(
        api.GET('/api/calendars/{id}/assignees', {
          params: { path: { id: calendar!.id }, query: { start: slotStart!, ...(effectiveService && { serviceId: effectiveService }) } },
        }),
      ),
  });
  const nameOf = (id: string) => users.find((u) => u.id === id)?.name ?? 'someone';

  useEffect(() => {
    if (!calendar) return;
    const controller = new AbortController();
    const day = localDate(start, zone);
    const from = new Date(Date.parse(`${day}T00:00:00Z`) - 14 * 3_600_000).toISOString();
    const to = new Date(Date.parse(`${day}T00:00:00Z`) + 38 * 3_600_000).toISOString();
    setSlots(null);
    staffApi.slots(calendar.id, { from, to, timezone: zone, serviceId: effectiveService || null }, controller.signal).then(
      (found) => {
        const sameDay = found.filter((s) => localDate(s.start, zone) === day);
        setSlots(sameDay);
        setSlotStart(sameDay.find((s) => new Date(s.start).getTime() === start.getTime())?.start ?? null);
      },
      (failure: unknown) => {
        if (!controller.signal.aborted) setError(messageOf(failure));
      },
    );
    return () => controller.abort();
  }, [calendar, effectiveService, start, zone]);

  if (mine.length === 0)
    return (
      <p className="muted" role="tabpanel">
        This team member is on no booking calendar yet.
      </p>
    );

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!calendar || !slotStart) return;
    setBusy(true);
    setError(null);
    try {
      const { appointment } = await staffApi.book(
        {
          calendarId: calendar.id,
          start: slotStart,
          contact: { name: name.trim(), email: email.trim(), ...(phone.trim() && { phone: phone.trim() }) },
          ...(effectiveService && { serviceId: effectiveService }),
          ...((calendar.type === 'class' || calendar.type === 'event') && { seats }),
        },
        newIdempotencyKey(),
      );
      onDone(`Booked ${name.trim()} with ${appointment.assigneeIds.map(nameOf).join(', ')}: ${formatDateTime(slotStart, zone)}.`);
    } catch (failure) {
      setError(failure instanceof ApiError && failure.code === 'slot_taken' ? SLOT_TAKEN_MESSAGE : messageOf(failure));
      setBusy(false);
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} role="tabpanel" aria-label="Book for a client">
      <div className="field">
        <label htmlFor="book-calendar">Booking calendar</label>
        <select
          id="book-calendar"
          value={calendarId}
          onChange={(e) => {
            setCalendarId(e.target.value);
            setServiceId('');
          }}
        >
          {mine.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name}
            </option>
          ))}
        </select>
      </div>
      {needsService && (
        <div className="field">
          <label htmlFor="book-service">Service</label>
          <select id="book-service" value={effectiveService} onChange={(e) => setServiceId(e.target.value)}>
            {calendar.services.map((s) => (
              <option key={s.id} value={s.id}>
                {s.name} ({s.durationMin} min)
              </option>
            ))}
          </select>
        </div>
      )}
      <fieldset className="field">
        <legend>Time</legend>
        {slots === null ? (
          <p className="muted small">Loading free times…</p>
        ) : slots.length === 0 ? (
          <p className="muted small">No free times on this calendar that day.</p>
        ) : (
          <div className="slot-grid compact">
            {slots.map((s) => (
              <button
                key={s.start}
                type="button"
                className="slot-button"
                aria-pressed={s.start === slotStart}
                onClick={() => setSlotStart(s.start)}
              >
                {formatTime(s.start, zone)}
              </button>
            ))}
          </div>
        )}
        {slots !== null && calendar && !slots.some((s) => Date.parse(s.start) === start.getTime()) && (
          <ExplainPanel key={`${calendar.id}${start.toISOString()}`} start={start} calendars={[calendar]} userId={userId} />
        )}
      </fieldset>
      {slotStart && (
        <p className="assignee-preview" role="status" aria-live="polite">
          {preview.data ? (
            <>
              Will be assigned to <strong>{preview.data.assignees.map((a) => a.name).join(', ')}</strong>
            </>
          ) : preview.isError ? (
            messageOf(preview.error)
          ) : (
            'Finding who gets it…'
          )}
        </p>
      )}
      <div className="field">
        <label htmlFor="book-name">Client name</label>
        <input id="book-name" required maxLength={200} value={name} onChange={(e) => setName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="book-email">Client email</label>
        <input id="book-email" type="email" required maxLength={320} value={email} onChange={(e) => setEmail(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="book-phone">
          Phone <span className="muted small">(optional)</span>
        </label>
        <input id="book-phone" type="tel" maxLength={50} value={phone} onChange={(e) => setPhone(e.target.value)} />
      </div>
      {(calendar?.type === 'class' || calendar?.type === 'event') && (
        <div className="field">
          <label htmlFor="book-seats">Seats</label>
          <input id="book-seats" type="number" min={1} required value={seats} onChange={(e) => setSeats(Number(e.target.value))} />
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy || !slotStart}>
        {busy ? 'Booking…' : slotStart ? `Book at ${formatTime(slotStart, zone)}` : 'Pick a time'}
      </button>
    </form>
  );
}
