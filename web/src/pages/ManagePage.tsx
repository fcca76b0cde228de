import { useCallback, useEffect, useState } from 'react';
import { ClientPolicyNote } from '../components/ClientPolicyNote.tsx';
import { ApiError, messageOf, publicApi, type FreeSlot, type PublicBooking } from '../api.ts';
import { SlotPicker } from '../components/SlotPicker.tsx';
import { Icon } from '../components/Icon.tsx';
import { Link } from '../router.tsx';
import { detectTimeZone, formatDateTime, formatRange, localDate, zoneLabel } from '../time.ts';
import { SLOT_TAKEN_MESSAGE } from './BookingPage.tsx';

type Mode = 'view' | 'reschedule' | 'confirm-cancel';

export function ManagePage({
  token,
  calendarHint,
  serviceHint,
}: {
  token: string;
  calendarHint: string | null;
  serviceHint: string | null;
}) {
  const [booking, setBooking] = useState<PublicBooking | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [timezone, setTimezone] = useState(detectTimeZone);
  const [mode, setMode] = useState<Mode>('view');
  const [picked, setPicked] = useState<FreeSlot | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [refreshKey, setRefreshKey] = useState(0);
  const [reason, setReason] = useState('');

  useEffect(() => {
    document.title = 'Your booking · Tandem';
    publicApi
      .booking(token)
      .then(setBooking, (failure: unknown) =>
        setLoadError(
          failure instanceof ApiError && failure.status === 404
            ? 'This link is not valid. Check that you copied all of it.'
            : messageOf(failure),
        ),
      );
  }, [token]);

  const calendarId = booking?.calendarId ?? calendarHint;
  const serviceId = booking?.serviceId ?? serviceHint;
  const loadSlots = useCallback(
    (q: { from: string; to: string; timezone: string }, signal: AbortSignal) =>
      calendarId ? publicApi.slots(calendarId, { ...q, serviceId }, signal) : Promise.resolve([]),
    [calendarId, serviceId],
  );

  if (loadError)
    return (
      <main className="public-page">
        <div className="card narrow">
          <h1>Your booking</h1>
          <p className="error" role="alert">
            {loadError}
          </p>
        </div>
      </main>
    );
  if (!booking)
    return (
      <main className="public-page">
        <p className="muted center">Loading…</p>
      </main>
    );

  const cancelled = booking.status === 'cancelled';
  const past = new Date(booking.end).getTime() < Date.now();

  const reschedule = async () => {
    if (!picked) return;
    setBusy(true);
    setError(null);
    try {
      const moved = await publicApi.reschedule(token, picked.start);
      setBooking({ ...booking, ...moved });
      setNotice(`Moved to ${formatDateTime(moved.start, timezone)}.`);
      setMode('view');
      setPicked(null);
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === 'slot_taken') {
        setPicked(null);
        setError(SLOT_TAKEN_MESSAGE);
        setRefreshKey((k) => k + 1);
      } else setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  const cancel = async () => {
    setBusy(true);
    setError(null);
    try {
      const result = await publicApi.cancel(token, reason.trim() || undefined);
      setBooking({ ...booking, ...result });
      setNotice('Your booking is cancelled.');
      setMode('view');
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="public-page">
      <div className="card narrow manage-card">
        <p className="eyebrow">Your booking</p>
        <h1>{booking.title}</h1>
        <p className="status-line">
          Status:{' '}
          <span className={`status status-${booking.status}`} data-testid="booking-status">
            {cancelled ? 'Cancelled' : 'Confirmed'}
          </span>
        </p>
        <p className={`when${cancelled ? ' struck' : ''}`}>
          <strong>{formatRange(booking.start, booking.end, timezone)}</strong>
        </p>
        <p className="muted small">Times in {zoneLabel(timezone, new Date(booking.start))}</p>
        {booking.location && (
          <p className="with-icon">
            <Icon name="pin" /> {booking.location}
          </p>
        )}
        {booking.seats > 1 && <p>{booking.seats} seats</p>}
        {notice && (
          <p className="notice success" role="status">
            {notice}
          </p>
        )}
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}

        {!cancelled && !past && mode === 'view' && (
          <div className="actions">
            <button
              type="button"
              className="primary"
              onClick={() => {
                setMode('reschedule');
                setNotice(null);
                setError(null);
              }}
              disabled={!calendarId}
            >
              Reschedule
            </button>
            <button
              type="button"
              className="danger-outline"
              onClick={() => {
                setMode('confirm-cancel');
                setNotice(null);
                setError(null);
              }}
            >
              Cancel booking
            </button>
          </div>
        )}
        {!cancelled && !calendarId && mode === 'view' && (
          <p className="muted small">To pick another time, cancel this booking and book again from the booking page.</p>
        )}
        {past && !cancelled && <p className="muted">This booking is in the past.</p>}
        {!cancelled && !past && <ClientPolicyNote token={token} timezone={timezone} version={booking.start} />}

        {mode === 'confirm-cancel' && (
          <div className="confirm-box" role="group" aria-label="Confirm cancellation">
            <p>Cancel this booking? The time will be given to someone else.</p>
            <label className="small">
              Reason (optional, passed on to the business){' '}
              <textarea value={reason} maxLength={1000} onChange={(e) => setReason(e.target.value)} />
            </label>
            <div className="actions">
              <button type="button" className="danger" onClick={() => void cancel()} disabled={busy}>
                {busy ? 'Cancelling…' : 'Yes, cancel it'}
              </button>
              <button type="button" className="secondary" onClick={() => setMode('view')} disabled={busy}>
                Keep it
              </button>
            </div>
          </div>
        )}

        {mode === 'reschedule' && calendarId && (
          <div className="reschedule">
            <h2>Pick a new time</h2>
            <SlotPicker
              loadSlots={loadSlots}
              timezone={timezone}
              onTimezoneChange={setTimezone}
              onPick={setPicked}
              selectedStart={picked?.start ?? null}
              refreshKey={refreshKey}
              hideStarts={[booking.start]}
              initialDate={localDate(booking.start, timezone)}
            />
            <div className="actions sticky-actions">
              <button type="button" className="primary" onClick={() => void reschedule()} disabled={!picked || busy}>
                {busy ? 'Moving…' : picked ? `Move to ${formatDateTime(picked.start, timezone)}` : 'Pick a time above'}
              </button>
              <button
                type="button"
                className="secondary"
                onClick={() => {
                  setMode('view');
                  setPicked(null);
                  setError(null);
                }}
                disabled={busy}
              >
                Keep the current time
              </button>
            </div>
          </div>
        )}

        {cancelled && calendarId && (
          <p>
            <Link to={`/book/${encodeURIComponent(calendarId)}`}>Book a new time</Link>
          </p>
        )}
      </div>
      <p className="powered muted small">Scheduling by Tandem</p>
    </main>
  );
}
