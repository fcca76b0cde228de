import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, messageOf, newIdempotencyKey, publicApi, type FreeSlot, type PublicBooking, type PublicCalendar } from '../api.ts';
import { SlotPicker } from '../components/SlotPicker.tsx';
import { Icon } from '../components/Icon.tsx';
import { Link } from '../router.tsx';
import { detectTimeZone, formatDuration, formatPrice, formatRange, formatDateTime, zoneLabel } from '../time.ts';

export const SLOT_TAKEN_MESSAGE = 'That time was just taken — pick another.';

export function manageLink(token: string, calendarId: string, serviceId: string | null): string {
  const params = new URLSearchParams({ calendar: calendarId });
  if (serviceId) params.set('service', serviceId);
  return `/manage/${encodeURIComponent(token)}?${params.toString()}`;
}

const hasSeats = (calendar: PublicCalendar) => calendar.type === 'class' || calendar.type === 'event';

export function BookingPage({ calendarId }: { calendarId: string }) {
  const [calendar, setCalendar] = useState<PublicCalendar | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [serviceId, setServiceId] = useState<string | null>(null);
  const [timezone, setTimezone] = useState(detectTimeZone);
  const [slot, setSlot] = useState<FreeSlot | null>(null);
  const [refreshKey, setRefreshKey] = useState(0);
  const [notice, setNotice] = useState<string | null>(null);
  const [done, setDone] = useState<{ booking: PublicBooking; manageToken: string } | null>(null);

  useEffect(() => {
    publicApi.calendar(calendarId).then(
      (found) => {
        setCalendar(found);
        document.title = `Book: ${found.name} · Tandem`;
        if (found.services.length === 1) setServiceId(found.services[0]!.id);
      },
      (error: unknown) =>
        setLoadError(
          error instanceof ApiError && error.status === 404
            ? 'This booking page does not exist (or is no longer available).'
            : messageOf(error),
        ),
    );
  }, [calendarId]);

  const loadSlots = useCallback(
    (q: { from: string; to: string; timezone: string }, signal: AbortSignal) => publicApi.slots(calendarId, { ...q, serviceId }, signal),
    [calendarId, serviceId],
  );

  if (loadError)
    return (
      <main className="public-page">
        <div className="card narrow">
          <h1>Booking</h1>
          <p className="error" role="alert">
            {loadError}
          </p>
        </div>
      </main>
    );
  if (!calendar)
    return (
      <main className="public-page">
        <p className="muted center">Loading…</p>
      </main>
    );

  const service = calendar.services.find((s) => s.id === serviceId) ?? null;
  const needsService = calendar.type === 'service' && !service;
  const duration = service?.durationMin ?? calendar.durationMin;

  return (
    <main className="public-page">
      <div className="card booking-card">
        <aside className="booking-summary">
          <p className="eyebrow">Book online</p>
          <h1>{calendar.name}</h1>
          <ul className="facts">
            <li>
              <Icon name="clock" /> {formatDuration(duration)}
            </li>
            {calendar.location && (
              <li>
                <Icon name="pin" /> {calendar.location}
              </li>
            )}
            {hasSeats(calendar) && (
              <li>
                <Icon name="people" /> up to {calendar.seats} people per session
              </li>
            )}
            {service && formatPrice(service.priceCents, service.currency) && (
              <li>
                <Icon name="tag" /> {formatPrice(service.priceCents, service.currency)}
              </li>
            )}
            <li>
              <Icon name="globe" /> {zoneLabel(timezone)}
            </li>
          </ul>
          {!slot && !done && <p className="muted small intro">Pick a time that suits you. You will get a link to reschedule or cancel.</p>}
          {slot && !done && (
            <div className="picked">
              <p className="muted small">Your time</p>
              <p>
                <strong>{formatDateTime(slot.start, timezone)}</strong>
              </p>
            </div>
          )}
        </aside>

        <section className="booking-main">
          {done ? (
            <Confirmation
              calendar={calendar}
              serviceId={serviceId}
              timezone={timezone}
              result={done}
              onAnother={() => {
                setDone(null);
                setSlot(null);
                setRefreshKey((k) => k + 1);
              }}
            />
          ) : (
            <>
              {calendar.services.length > 0 && (
                <fieldset className="services">
                  <legend>Choose a service</legend>
                  {calendar.services.map((s) => (
                    <label key={s.id} className={`service-option${s.id === serviceId ? ' selected' : ''}`}>
                      <input
                        type="radio"
                        name="service"
                        value={s.id}
                        checked={s.id === serviceId}
                        onChange={() => {
                          setServiceId(s.id);
                          setSlot(null);
                        }}
                      />
                      <span className="service-name">{s.name}</span>
                      <span className="muted small">
                        {formatDuration(s.durationMin)}
                        {formatPrice(s.priceCents, s.currency) ? ` · ${formatPrice(s.priceCents, s.currency)}` : ''}
                      </span>
                    </label>
                  ))}
                </fieldset>
              )}
              {notice && (
                <p className="notice" role="alert">
                  {notice}
                </p>
              )}
              {needsService ? (
                <p className="muted">Pick a service to see its free times.</p>
              ) : slot ? (
                <BookingForm
                  calendar={calendar}
                  slot={slot}
                  serviceId={serviceId}
                  timezone={timezone}
                  onBack={() => setSlot(null)}
                  onBooked={(result) => {
                    setDone(result);
                    setNotice(null);
                  }}
                  onTaken={() => {
                    setSlot(null);
                    setNotice(SLOT_TAKEN_MESSAGE);
                    setRefreshKey((k) => k + 1);
                  }}
                />
              ) : (
                <>
                  <h2>Pick a date and time</h2>
                  <SlotPicker
                    loadSlots={loadSlots}
                    timezone={timezone}
                    onTimezoneChange={setTimezone}
                    onPick={(picked) => {
                      setSlot(picked);
                      setNotice(null);
                    }}
                    refreshKey={refreshKey}
                    showSeats={hasSeats(calendar)}
                  />
                </>
              )}
            </>
          )}
        </section>
      </div>
      <p className="powered muted small">Scheduling by Tandem</p>
    </main>
  );
}

function BookingForm(props: {
  calendar: PublicCalendar;
  slot: FreeSlot;
  serviceId: string | null;
  timezone: string;
  onBack: () => void;
  onBooked: (result: { booking: PublicBooking; manageToken: string }) => void;
  onTaken: () => void;
}) {
  const { calendar, slot } = props;
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [phone, setPhone] = useState('');
  const [seats, setSeats] = useState(1);
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const maxSeats = Math.max(1, slot.seatsLeft);
  // Keyboard and screen-reader users land in the form they just opened by choosing a time.
  const nameRef = useRef<HTMLInputElement>(null);
  useEffect(() => nameRef.current?.focus(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitting(true);
    setError(null);
    try {
      const result = await publicApi.book(
        calendar.id,
        {
          start: slot.start,
          contact: { name: name.trim(), email: email.trim(), ...(phone.trim() && { phone: phone.trim() }) },
          ...(props.serviceId && { serviceId: props.serviceId }),
          ...(hasSeats(calendar) && { seats }),
          timezone: props.timezone,
        },
        newIdempotencyKey(),
      );
      props.onBooked(result);
    } catch (failure) {
      if (failure instanceof ApiError && failure.code === 'slot_taken') props.onTaken();
      else setError(messageOf(failure));
      setSubmitting(false);
    }
  };

  return (
    <form className="booking-form" onSubmit={(event) => void submit(event)} aria-label="Your details">
      <button type="button" className="link-button back" onClick={props.onBack}>
        ‹ Pick another time
      </button>
      <h2>Your details</h2>
      <p className="when">
        {formatRange(slot.start, slot.end, props.timezone)}
        <br />
        <span className="muted small">{zoneLabel(props.timezone)}</span>
      </p>
      <div className="field">
        <label htmlFor="name">Name</label>
        <input
          ref={nameRef}
          id="name"
          name="name"
          autoComplete="name"
          required
          maxLength={200}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="email">Email</label>
        <input
          id="email"
          name="email"
          type="email"
          autoComplete="email"
          required
          maxLength={320}
          value={email}
          onChange={(e) => setEmail(e.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor="phone">
          Phone <span className="muted small">(optional)</span>
        </label>
        <input
          id="phone"
          name="phone"
          type="tel"
          autoComplete="tel"
          maxLength={50}
          value={phone}
          onChange={(e) => setPhone(e.target.value)}
        />
      </div>
      {hasSeats(calendar) && (
        <div className="field">
          <label htmlFor="seats">
            Seats <span className="muted small">({slot.seatsLeft} left)</span>
          </label>
          <input
            id="seats"
            name="seats"
            type="number"
            min={1}
            max={maxSeats}
            required
            value={seats}
            onChange={(e) => setSeats(Number(e.target.value))}
          />
        </div>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <button type="submit" className="primary" disabled={submitting}>
        {submitting ? 'Booking…' : 'Confirm booking'}
      </button>
    </form>
  );
}

function Confirmation(props: {
  calendar: PublicCalendar;
  serviceId: string | null;
  timezone: string;
  result: { booking: PublicBooking; manageToken: string };
  onAnother: () => void;
}) {
  const { booking, manageToken } = props.result;
  const link = manageLink(manageToken, props.calendar.id, props.serviceId);
  // Focus follows the booking to its confirmation, so it is read out and the next Tab is in it.
  const headingRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => headingRef.current?.focus(), []);
  return (
    <div className="confirmation" role="status">
      <div className="check" aria-hidden="true">
        ✓
      </div>
      <h2 ref={headingRef} tabIndex={-1}>
        You’re booked
      </h2>
      <p className="when">
        <strong>{formatRange(booking.start, booking.end, props.timezone)}</strong>
      </p>
      <p className="muted small">Times in {zoneLabel(props.timezone, new Date(booking.start))}</p>
      <dl className="details">
        <dt>What</dt>
        <dd>{booking.title}</dd>
        {booking.location && (
          <>
            <dt>Where</dt>
            <dd>{booking.location}</dd>
          </>
        )}
        {booking.seats > 1 && (
          <>
            <dt>Seats</dt>
            <dd>{booking.seats}</dd>
          </>
        )}
      </dl>
      <p>Need to change something? Keep this link to reschedule or cancel:</p>
      <p className="manage-link">
        <Link to={link} className="manage">{`${location.origin}${link}`}</Link>
      </p>
      <button type="button" className="secondary" onClick={props.onAnother}>
        Book another time
      </button>
    </div>
  );
}
