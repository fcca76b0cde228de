import { useState } from 'react';
import { useMutation, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client.ts';
import { messageOf } from '../api.ts';
import { detectTimeZone, formatDateTime } from '../time.ts';

/**
 * Holidays (issue 12.5): the appointments an imported all-day or multi-day block overlaps, and
 * cancelling them all in one action after a confirmation that says the clients are told.
 */
export function HolidayAppointments({ blockId, onDone }: { blockId: string; onDone: (message: string) => void }) {
  const zone = detectTimeZone();
  const [confirming, setConfirming] = useState(false);
  const overlapping = useQuery({
    queryKey: ['block-appointments', blockId],
    queryFn: () => unwrap(api.GET('/api/blocked-slots/{id}/appointments', { params: { path: { id: blockId } } })),
  });
  const cancelAll = useMutation({
    mutationFn: () => unwrap(api.POST('/api/blocked-slots/{id}/cancel-appointments', { params: { path: { id: blockId } } })),
    onSuccess: (cancelled) =>
      onDone(`${cancelled.length} appointment${cancelled.length === 1 ? '' : 's'} cancelled; the clients are told.`),
  });
  const appointments = overlapping.data?.appointments ?? [];
  return (
    <section className="holiday" aria-label="Appointments during this time">
      <h3>Appointments during this time</h3>
      {overlapping.isPending && <p className="muted small">Looking for appointments…</p>}
      {overlapping.isError && (
        <p className="error" role="alert">
          {messageOf(overlapping.error)}
        </p>
      )}
      {overlapping.isSuccess && appointments.length === 0 && <p className="muted small">None: no booking overlaps it.</p>}
      {appointments.length > 0 && (
        <>
          <ul className="plain-list">
            {appointments.map((a) => (
              <li key={a.id}>
                {formatDateTime(a.start, zone)} · {a.title}
              </li>
            ))}
          </ul>
          {!confirming ? (
            <button type="button" className="danger-outline" onClick={() => setConfirming(true)}>
              Cancel all {appointments.length}
            </button>
          ) : (
            <div className="confirm-box" role="group" aria-label="Confirm cancelling">
              <p>
                Cancel all {appointments.length} appointment{appointments.length === 1 ? '' : 's'}? Each client is told once that their
                appointment is cancelled.
              </p>
              {cancelAll.isError && (
                <p className="error" role="alert">
                  {messageOf(cancelAll.error)}
                </p>
              )}
              <div className="actions">
                <button type="button" className="danger" disabled={cancelAll.isPending} onClick={() => cancelAll.mutate()}>
                  {cancelAll.isPending ? 'Cancelling…' : 'Yes, cancel them all'}
                </button>
                <button type="button" className="secondary" disabled={cancelAll.isPending} onClick={() => setConfirming(false)}>
                  Keep them
                </button>
              </div>
            </div>
          )}
        </>
      )}
    </section>
  );
}
