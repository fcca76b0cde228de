import { useEffect, useRef, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { messageOf } from '../api.ts';
import { api, unwrap } from '../api/client.ts';
import { Link } from '../router.tsx';
import { detectTimeZone, formatRange } from '../time.ts';
import { useStaff } from './StaffShell.tsx';

/**
 * One appointment, by the link written into every calendar event (`/appointments/<id>`): who, when,
 * which calendar, the clients, and cancelling it. Signing in first is handled by the staff shell.
 */
export function AppointmentPage({ appointmentId }: { appointmentId: string }) {
  const { users, calendars } = useStaff();
  const queryClient = useQueryClient();
  const zone = detectTimeZone();
  const [confirming, setConfirming] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const appointment = useQuery({
    queryKey: ['appointment', appointmentId],
    queryFn: () => unwrap(api.GET('/api/appointments/{id}', { params: { path: { id: appointmentId } } })),
  });
  const cancel = useMutation({
    mutationFn: () => unwrap(api.POST('/api/appointments/{id}/cancel', { params: { path: { id: appointmentId } } })),
    onSuccess: (data) => {
      queryClient.setQueryData(['appointment', appointmentId], data);
      setConfirming(false);
    },
  });
  useEffect(() => {
    document.title = `${appointment.data?.title ?? 'Appointment'} · Tandem`;
    if (appointment.data) heading.current?.focus();
  }, [appointment.data]);

  if (appointment.isPending) return <p className="muted">Loading…</p>;
  if (appointment.error) {
    return (
      <div className="card narrow">
        <h1>Appointment not found</h1>
        <p className="muted">{messageOf(appointment.error)} It may belong to another workspace, or the link is incomplete.</p>
        <p>
          <Link to="/app">Go to the week view</Link>
        </p>
      </div>
    );
  }
  const a = appointment.data;
  const calendar = calendars.find((c) => c.id === a.calendarId);
  const service = calendar?.services.find((s) => s.id === a.serviceId);
  const nameOf = (id: string) => users.find((u) => u.id === id)?.name ?? 'A former member';
  return (
    <div className="card narrow appointment-page">
      <p className="breadcrumb small">
        <Link to="/app">← Week</Link>
      </p>
      <h1 ref={heading} tabIndex={-1}>
        {a.title}
      </h1>
      <p>
        <span className={`status status-${a.status}`}>{a.status === 'confirmed' ? 'Confirmed' : 'Cancelled'}</span>
      </p>
      <dl className="details">
        <dt>When</dt>
        <dd>
          {formatRange(a.start, a.end, zone)} <span className="muted small">({zone})</span>
        </dd>
        <dt>Calendar</dt>
        <dd>
          {calendar ? <Link to={`/app/calendars/${calendar.id}`}>{calendar.name}</Link> : 'Deleted calendar'}
          {service ? ` · ${service.name}` : ''}
        </dd>
        <dt>With</dt>
        <dd>{a.assigneeIds.map(nameOf).join(', ') || '—'}</dd>
        <dt>Clients</dt>
        <dd>
          <ul className="plain-list">
            {a.attendees.map((attendee) => (
              <li key={attendee.id}>
                {attendee.name} · <a href={`mailto:${attendee.email}`}>{attendee.email}</a>
                {attendee.seats > 1 ? ` · ${attendee.seats} seats` : ''}
                {attendee.status === 'cancelled' ? ' (cancelled)' : ''}
              </li>
            ))}
          </ul>
        </dd>
        {a.location && (
          <>
            <dt>Location</dt>
            <dd>{a.location}</dd>
          </>
        )}
      </dl>
      {a.removedFromICloud && (
        <p className="notice">This appointment’s event was deleted in the calendar app; the appointment itself still stands.</p>
      )}
      {cancel.error && (
        <p className="error" role="alert">
          {messageOf(cancel.error)}
        </p>
      )}
      {a.status === 'confirmed' && !confirming && (
        <div className="actions">
          <button type="button" className="danger-outline" onClick={() => setConfirming(true)}>
            Cancel appointment
          </button>
        </div>
      )}
      {confirming && (
        <div className="confirm-box">
          <p>Cancel this appointment? The clients are told, and the event is removed from the calendar.</p>
          <div className="actions">
            <button type="button" className="danger" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
              Cancel appointment
            </button>
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
