import { useEffect, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { messageOf } from '../api.ts';
import { api, FieldApiError, keys, unwrap, type BookingCalendar } from '../api/client.ts';
import type { paths } from '../api/schema.d.ts';
import { Dialog } from '../components/Dialog.tsx';
import { Link, navigate } from '../router.tsx';
import { detectTimeZone } from '../time.ts';
import { useStaff } from './StaffShell.tsx';

type CalendarBody = paths['/api/calendars']['post']['requestBody']['content']['application/json'];
type CalendarType = CalendarBody['type'];
type EventSchedule = NonNullable<CalendarBody['eventSchedule']>;

export const calendarTypes: Array<{ type: CalendarType; label: string; help: string }> = [
  {
    type: 'round_robin',
    label: 'Round Robin',
    help: 'Clients pick a time; one available member is assigned (by priority, then availability or an equal share).',
  },
  { type: 'collective', label: 'Collective', help: 'Every member attends: only times when all of them are free are offered.' },
  { type: 'class', label: 'Class Booking', help: 'One host, several seats per time: clients book a seat until the class is full.' },
  { type: 'service', label: 'Service Calendar', help: 'A menu of services, each with its own duration, price and staff.' },
  { type: 'simple', label: 'Simple', help: 'One person’s bookable hours, without calendar sync.' },
  { type: 'event', label: 'Event', help: 'Fixed times (once or repeating) with a capacity; clients take a place.' },
];

const NO_ICLOUD =
  'iCloud is not used for this calendar type: its appointments are not written to anyone’s calendar, and their calendar events do not block its times.';

interface ServiceRow {
  key: number;
  name: string;
  durationMin: string;
  price: string;
  currency: string;
  staffIds: string[];
}

/** The editor's state: numbers as the text in their inputs, so a half-typed value is not lost. */
interface FormState {
  type: CalendarType;
  name: string;
  slug: string;
  slugEdited: boolean;
  durationMin: string;
  intervalMin: string;
  bufferBeforeMin: string;
  bufferAfterMin: string;
  minNoticeHours: string;
  windowDays: string;
  dailyLimit: string;
  seats: string;
  distribution: 'availability' | 'equal';
  location: string;
  members: Array<{ userId: string; priority: string }>;
  hostId: string;
  services: ServiceRow[];
  event: { firstStart: string; timezone: string; durationMin: string; repeat: EventSchedule['repeat']; count: string };
}

let serviceKey = 0;
const newService = (staffIds: string[]): ServiceRow => ({
  key: ++serviceKey,
  name: '',
  durationMin: '30',
  price: '',
  currency: 'USD',
  staffIds,
});

function slugify(name: string): string {
  return name
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
}

function initialState(calendar: BookingCalendar | null, meId: string): FormState {
  const c = calendar;
  const members = c ? c.members.map((m) => ({ userId: m.userId, priority: String(m.priority) })) : [{ userId: meId, priority: '0' }];
  return {
    type: c?.type ?? 'round_robin',
    name: c?.name ?? '',
    slug: c?.slug ?? '',
    slugEdited: c !== null,
    durationMin: String(c?.durationMin ?? 30),
    intervalMin: c?.intervalMin !== undefined ? String(c.intervalMin) : '',
    bufferBeforeMin: String(c?.bufferBeforeMin ?? 0),
    bufferAfterMin: String(c?.bufferAfterMin ?? 0),
    minNoticeHours: String((c?.minNoticeMin ?? 0) / 60),
    windowDays: String(c?.windowDays ?? 60),
    dailyLimit: c?.dailyLimit ? String(c.dailyLimit) : '',
    seats: String(c?.seats ?? 10),
    distribution: c?.distribution ?? 'availability',
    location: c?.location ?? '',
    members,
    hostId: members[0]?.userId ?? meId,
    services: c?.services.length
      ? c.services.map((s) => ({
          key: ++serviceKey,
          name: s.name,
          durationMin: String(s.durationMin),
          price: s.priceCents === null ? '' : (s.priceCents / 100).toFixed(2),
          currency: s.currency ?? 'USD',
          staffIds: s.staffIds,
        }))
      : [newService([meId])],
    event: c?.eventSchedule
      ? {
          firstStart: c.eventSchedule.firstStart,
          timezone: c.eventSchedule.timezone,
          durationMin: String(c.eventSchedule.durationMin),
          repeat: c.eventSchedule.repeat,
          count: c.eventSchedule.count === null ? '' : String(c.eventSchedule.count),
        }
      : { firstStart: '', timezone: detectTimeZone(), durationMin: '60', repeat: 'none', count: '' },
  };
}

const int = (text: string): number => (text.trim() === '' ? Number.NaN : Number(text));

/** The request body for the API; the API (zod + the cross-field rules) is the judge of what is valid. */
function toBody(s: FormState): CalendarBody {
  const hostOnly = s.type === 'class' || s.type === 'simple' || s.type === 'event';
  const members = hostOnly
    ? [{ userId: s.hostId }]
    : s.type === 'service'
      ? [...new Set(s.services.flatMap((svc) => svc.staffIds))].map((userId) => ({ userId }))
      : s.members.map((m) => ({ userId: m.userId, ...(s.type === 'round_robin' && { priority: int(m.priority || '0') }) }));
  const body: CalendarBody = {
    type: s.type,
    name: s.name,
    slug: s.slug,
    durationMin: int(s.durationMin),
    bufferBeforeMin: int(s.bufferBeforeMin || '0'),
    bufferAfterMin: int(s.bufferAfterMin || '0'),
    minNoticeMin: Math.round(Number(s.minNoticeHours || '0') * 60),
    windowDays: int(s.windowDays),
    dailyLimit: s.dailyLimit.trim() === '' ? null : int(s.dailyLimit),
    location: s.location.trim() === '' ? null : s.location.trim(),
    members,
  };
  if (s.intervalMin.trim() !== '') body.intervalMin = int(s.intervalMin);
  if (s.type === 'round_robin') body.distribution = s.distribution;
  if (s.type === 'class' || s.type === 'event') body.seats = int(s.seats);
  if (s.type === 'service') {
    body.services = s.services.map((svc) => ({
      name: svc.name,
      durationMin: int(svc.durationMin),
      staffIds: svc.staffIds,
      priceCents: svc.price.trim() === '' ? null : Math.round(Number(svc.price) * 100),
      currency: svc.price.trim() === '' ? null : svc.currency.toUpperCase(),
    }));
  }
  if (s.type === 'event') {
    body.durationMin = int(s.event.durationMin);
    body.eventSchedule = {
      firstStart: s.event.firstStart,
      timezone: s.event.timezone,
      durationMin: int(s.event.durationMin),
      repeat: s.event.repeat,
      count: s.event.repeat === 'none' ? 1 : s.event.count.trim() === '' ? null : int(s.event.count),
    };
  }
  return body;
}

/** API error → field it belongs to: validation details carry a path; a few codes name a field. */
function errorsByField(error: unknown): { fields: Record<string, string>; general: string | null } {
  if (!(error instanceof FieldApiError)) return { fields: {}, general: error ? messageOf(error) : null };
  const fields = error.fieldErrors();
  if (error.code === 'slug_taken') fields.slug = error.message;
  if (error.code === 'invalid_timezone') fields['eventSchedule.timezone'] = error.message;
  return { fields, general: Object.keys(fields).length > 0 ? 'Please correct the marked fields.' : error.message };
}

function Field({
  label,
  name,
  errors,
  hint,
  children,
}: {
  label: string;
  name: string;
  errors: Record<string, string>;
  hint?: ReactNode;
  children: (props: { id: string; 'aria-invalid': boolean; 'aria-describedby': string | undefined }) => ReactNode;
}) {
  const id = useId();
  const error = errors[name];
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className="field" data-field={name}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-invalid': Boolean(error), 'aria-describedby': describedBy })}
      {hint && (
        <span id={`${id}-hint`} className="muted small">
          {hint}
        </span>
      )}
      {error && (
        <span id={`${id}-error`} className="field-error small" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

/** A labelled number input with its hint and its field error (values stay strings while typing). */
function NumberField({
  onChange,
  value,
  min,
  max,
  step,
  className,
  ...field
}: {
  label: string;
  name: string;
  errors: Record<string, string>;
  hint?: ReactNode;
  value: string | number;
  onChange: (value: string) => void;
  min?: number;
  max?: number;
  step?: string;
  className?: string;
}) {
  return (
    <Field {...field}>
      {(p) => (
        <input
          {...p}
          type="number"
          min={min}
          max={max}
          step={step}
          className={className}
          value={value}
          onChange={(e) => onChange(e.target.value)}
        />
      )}
    </Field>
  );
}

/** Create (calendarId null) or edit one booking calendar, every rule the API has. */
export function CalendarEditorPage({ calendarId }: { calendarId: string | null }) {
  const { me, users } = useStaff();
  const queryClient = useQueryClient();
  const existing = useQuery({
    queryKey: [...keys.calendars, calendarId],
    enabled: calendarId !== null,
    queryFn: () => unwrap(api.GET('/api/calendars/{id}', { params: { path: { id: calendarId ?? '' } } })),
  });
  useEffect(() => {
    document.title = `${calendarId ? 'Edit' : 'New'} booking calendar · Tandem`;
  }, [calendarId]);

  if (calendarId && existing.isPending) return <p className="muted">Loading…</p>;
  if (calendarId && existing.error)
    return (
      <p className="error" role="alert">
        {messageOf(existing.error)}
      </p>
    );
  return (
    <CalendarForm
      key={calendarId ?? 'new'}
      calendar={existing.data ?? null}
      meId={me.id}
      users={users}
      canEdit={me.role !== 'member'}
      onSaved={async (saved) => {
        await queryClient.invalidateQueries({ queryKey: keys.calendars });
        navigate(`/app/calendars?saved=${encodeURIComponent(saved.id)}`);
      }}
    />
  );
}

function CalendarForm({
  calendar,
  meId,
  users,
  canEdit,
  onSaved,
}: {
  calendar: BookingCalendar | null;
  meId: string;
  users: Array<{ id: string; name: string }>;
  canEdit: boolean;
  onSaved: (saved: BookingCalendar) => Promise<void>;
}) {
  const [state, setState] = useState<FormState>(() => initialState(calendar, meId));
  const [confirmDelete, setConfirmDelete] = useState(false);
  const headingRef = useRef<HTMLHeadingElement>(null);
  const queryClient = useQueryClient();
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => setState((s) => ({ ...s, [key]: value }));

  const save = useMutation({
    mutationFn: (body: CalendarBody) =>
      calendar
        ? unwrap(api.PUT('/api/calendars/{id}', { params: { path: { id: calendar.id } }, body }))
        : unwrap(api.POST('/api/calendars', { body })),
    onSuccess: onSaved,
  });
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/calendars/{id}', { params: { path: { id: calendar?.id ?? '' } } })),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: keys.calendars });
      navigate('/app/calendars');
    },
  });
  const { fields: errors, general } = errorsByField(save.error);

  useEffect(() => {
    if (general) document.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [general]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate(toBody(state));
  };

  const type = calendarTypes.find((t) => t.type === state.type)!;
  const noICloud = state.type === 'simple' || state.type === 'event';
  const hostOnly = state.type === 'class' || state.type === 'simple' || state.type === 'event';
  const memberIds = new Set(state.members.map((m) => m.userId));
  const toggleMember = (userId: string, on: boolean) =>
    set('members', on ? [...state.members, { userId, priority: '0' }] : state.members.filter((m) => m.userId !== userId));
  const setService = (key: number, patch: Partial<ServiceRow>) =>
    set(
      'services',
      state.services.map((svc) => (svc.key === key ? { ...svc, ...patch } : svc)),
    );
  const bookingUrl = calendar ? `${location.origin}/book/${calendar.id}` : null;

  return (
    <form className="calendar-editor" onSubmit={submit} noValidate aria-describedby={general ? 'calendar-form-error' : undefined}>
      <p className="breadcrumb small">
        <Link to="/app/calendars">← Booking calendars</Link>
      </p>
      <div className="page-header">
        <h1 ref={headingRef}>{calendar ? calendar.name : 'New booking calendar'}</h1>
        {bookingUrl && (
          <a className="button secondary" href={bookingUrl} target="_blank" rel="noreferrer">
            Open booking page
          </a>
        )}
      </div>
      {!canEdit && <p className="notice">Only the owner or an admin can change booking calendars.</p>}

      <fieldset className="card editor-section" disabled={!canEdit}>
        <legend>Type</legend>
        <div className="type-grid" role="radiogroup" aria-label="Calendar type">
          {calendarTypes.map((t) => (
            <label key={t.type} className={`type-option${state.type === t.type ? ' selected' : ''}`}>
              <input
                type="radio"
                name="type"
                value={t.type}
                aria-label={t.label}
                aria-describedby={`type-help-${t.type}`}
                checked={state.type === t.type}
                onChange={() => set('type', t.type)}
              />
              <span>
                <strong>{t.label}</strong>
                <span id={`type-help-${t.type}`} className="muted small block">
                  {t.help}
                </span>
              </span>
            </label>
          ))}
        </div>
        <p className={`icloud-note small ${noICloud ? 'off' : 'ok'}`} data-testid="icloud-note">
          {noICloud
            ? NO_ICLOUD
            : 'iCloud is used: appointments go to each assigned member’s primary calendar, and their conflict calendars block times.'}
        </p>
      </fieldset>

      <fieldset className="card editor-section" disabled={!canEdit}>
        <legend>Basics</legend>
        <Field label="Name" name="name" errors={errors}>
          {(p) => (
            <input
              {...p}
              value={state.name}
              maxLength={200}
              onChange={(e) => setState((s) => ({ ...s, name: e.target.value, slug: s.slugEdited ? s.slug : slugify(e.target.value) }))}
            />
          )}
        </Field>
        <Field label="Link name" name="slug" errors={errors} hint="Lower-case letters, digits and dashes; unique in your workspace.">
          {(p) => (
            <input
              {...p}
              value={state.slug}
              maxLength={64}
              onChange={(e) => setState((s) => ({ ...s, slug: e.target.value, slugEdited: true }))}
            />
          )}
        </Field>
        <Field label="Location" name="location" errors={errors} hint="An address, a phone number or a video link (optional).">
          {(p) => <input {...p} value={state.location} maxLength={500} onChange={(e) => set('location', e.target.value)} />}
        </Field>
      </fieldset>

      <fieldset className="card editor-section" disabled={!canEdit}>
        <legend>{type.label}: who and how many</legend>
        {hostOnly && (
          <Field label={state.type === 'simple' ? 'Person' : 'Host'} name="members" errors={errors}>
            {(p) => (
              <select {...p} value={state.hostId} onChange={(e) => set('hostId', e.target.value)}>
                {users.map((u) => (
                  <option key={u.id} value={u.id}>
                    {u.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        {(state.type === 'class' || state.type === 'event') && (
          <NumberField
            label="Seats per time"
            name="seats"
            errors={errors}
            hint="1 to 9,999 clients can book the same time."
            min={1}
            max={9999}
            value={state.seats}
            onChange={(value) => set('seats', value)}
          />
        )}
        {(state.type === 'round_robin' || state.type === 'collective') && (
          <div className="field" data-field="members">
            <span className="label" id="members-label">
              Members
            </span>
            <table className="members-table" aria-labelledby="members-label">
              <thead>
                <tr>
                  <th>Member</th>
                  {state.type === 'round_robin' && (
                    <th>
                      Priority <span className="muted small">(higher goes first)</span>
                    </th>
                  )}
                </tr>
              </thead>
              <tbody>
                {users.map((u) => {
                  const row = state.members.find((m) => m.userId === u.id);
                  return (
                    <tr key={u.id}>
                      <td>
                        <label className="with-icon">
                          <input type="checkbox" checked={memberIds.has(u.id)} onChange={(e) => toggleMember(u.id, e.target.checked)} />{' '}
                          {u.name}
                        </label>
                      </td>
                      {state.type === 'round_robin' && (
                        <td>
                          <input
                            type="number"
                            className="narrow-input"
                            aria-label={`Priority of ${u.name}`}
                            min={-1000}
                            max={1000}
                            disabled={!row}
                            value={row?.priority ?? ''}
                            onChange={(e) =>
                              set(
                                'members',
                                state.members.map((m) => (m.userId === u.id ? { ...m, priority: e.target.value } : m)),
                              )
                            }
                          />
                        </td>
                      )}
                    </tr>
                  );
                })}
              </tbody>
            </table>
            {errors.members && (
              <span className="field-error small" role="alert">
                {errors.members}
              </span>
            )}
          </div>
        )}
        {state.type === 'round_robin' && (
          <Field label="Distribution" name="distribution" errors={errors} hint="Among members of the same priority.">
            {(p) => (
              <select
                {...p}
                value={state.distribution}
                onChange={(e) => set('distribution', e.target.value === 'equal' ? 'equal' : 'availability')}
              >
                <option value="availability">Whoever is available (fewest bookings that day first)</option>
                <option value="equal">Equal share over time</option>
              </select>
            )}
          </Field>
        )}
        {state.type === 'service' && (
          <div className="services-editor">
            {state.services.map((svc, index) => (
              <fieldset key={svc.key} className="service-row" aria-label={`Service ${index + 1}`}>
                <legend>Service {index + 1}</legend>
                <div className="row-fields">
                  <Field label="Service name" name={`services.${index}.name`} errors={errors}>
                    {(p) => <input {...p} value={svc.name} onChange={(e) => setService(svc.key, { name: e.target.value })} />}
                  </Field>
                  <NumberField
                    label="Minutes"
                    name={`services.${index}.durationMin`}
                    errors={errors}
                    min={5}
                    max={1440}
                    className="narrow-input"
                    value={svc.durationMin}
                    onChange={(value) => setService(svc.key, { durationMin: value })}
                  />
                  <Field label="Price (optional)" name={`services.${index}.priceCents`} errors={errors}>
                    {(p) => (
                      <input
                        {...p}
                        inputMode="decimal"
                        className="narrow-input"
                        value={svc.price}
                        onChange={(e) => setService(svc.key, { price: e.target.value })}
                      />
                    )}
                  </Field>
                  <Field label="Currency" name={`services.${index}.currency`} errors={errors}>
                    {(p) => (
                      <input
                        {...p}
                        maxLength={3}
                        className="narrow-input"
                        value={svc.currency}
                        onChange={(e) => setService(svc.key, { currency: e.target.value })}
                      />
                    )}
                  </Field>
                </div>
                <div className="field inline" role="group" aria-label={`Staff for service ${index + 1}`}>
                  <span className="label">Staff:</span>
                  {users.map((u) => (
                    <label key={u.id} className="with-icon">
                      <input
                        type="checkbox"
                        checked={svc.staffIds.includes(u.id)}
                        onChange={(e) =>
                          setService(svc.key, {
                            staffIds: e.target.checked ? [...svc.staffIds, u.id] : svc.staffIds.filter((id) => id !== u.id),
                          })
                        }
                      />
                      {u.name}
                    </label>
                  ))}
                  {errors[`services.${index}.staffIds`] && (
                    <span className="field-error small" role="alert">
                      {errors[`services.${index}.staffIds`]}
                    </span>
                  )}
                </div>
                {state.services.length > 1 && (
                  <button
                    type="button"
                    className="link-button small"
                    onClick={() =>
                      set(
                        'services',
                        state.services.filter((s) => s.key !== svc.key),
                      )
                    }
                  >
                    Remove service {index + 1}
                  </button>
                )}
              </fieldset>
            ))}
            <button type="button" className="secondary" onClick={() => set('services', [...state.services, newService([meId])])}>
              Add a service
            </button>
          </div>
        )}
        {state.type === 'event' && (
          <div className="event-editor">
            <Field label="First date and time" name="eventSchedule.firstStart" errors={errors}>
              {(p) => (
                <input
                  {...p}
                  type="datetime-local"
                  value={state.event.firstStart}
                  onChange={(e) => set('event', { ...state.event, firstStart: e.target.value })}
                />
              )}
            </Field>
            <Field label="Time zone of the event" name="eventSchedule.timezone" errors={errors}>
              {(p) => (
                <input {...p} value={state.event.timezone} onChange={(e) => set('event', { ...state.event, timezone: e.target.value })} />
              )}
            </Field>
            <NumberField
              label="Event length (minutes)"
              name="eventSchedule.durationMin"
              errors={errors}
              min={5}
              max={1440}
              value={state.event.durationMin}
              onChange={(value) => set('event', { ...state.event, durationMin: value })}
            />
            <Field label="Repeats" name="eventSchedule.repeat" errors={errors}>
              {(p) => (
                <select
                  {...p}
                  value={state.event.repeat}
                  onChange={(e) => set('event', { ...state.event, repeat: e.target.value as EventSchedule['repeat'] })}
                >
                  <option value="none">Once</option>
                  <option value="daily">Daily</option>
                  <option value="weekly">Weekly</option>
                  <option value="monthly">Monthly</option>
                </select>
              )}
            </Field>
            {state.event.repeat !== 'none' && (
              <NumberField
                label="How many times"
                name="eventSchedule.count"
                errors={errors}
                hint="Empty: no end."
                min={1}
                max={1000}
                value={state.event.count}
                onChange={(value) => set('event', { ...state.event, count: value })}
              />
            )}
          </div>
        )}
      </fieldset>

      <fieldset className="card editor-section" disabled={!canEdit}>
        <legend>Times and limits</legend>
        <div className="rule-grid">
          {state.type !== 'event' && state.type !== 'service' && (
            <NumberField
              label="Duration (minutes)"
              name="durationMin"
              errors={errors}
              min={5}
              max={1440}
              value={state.durationMin}
              onChange={(value) => set('durationMin', value)}
            />
          )}
          {state.type === 'service' && (
            <NumberField
              label="Default duration (minutes)"
              name="durationMin"
              errors={errors}
              hint="Services have their own."
              min={5}
              max={1440}
              value={state.durationMin}
              onChange={(value) => set('durationMin', value)}
            />
          )}
          {state.type !== 'event' && (
            <NumberField
              label="Start times every (minutes)"
              name="intervalMin"
              errors={errors}
              hint="Empty: the duration."
              min={5}
              max={1440}
              value={state.intervalMin}
              onChange={(value) => set('intervalMin', value)}
            />
          )}
          <NumberField
            label="Buffer before (minutes)"
            name="bufferBeforeMin"
            errors={errors}
            min={0}
            max={1440}
            value={state.bufferBeforeMin}
            onChange={(value) => set('bufferBeforeMin', value)}
          />
          <NumberField
            label="Buffer after (minutes)"
            name="bufferAfterMin"
            errors={errors}
            min={0}
            max={1440}
            value={state.bufferAfterMin}
            onChange={(value) => set('bufferAfterMin', value)}
          />
          <NumberField
            label="Minimum notice (hours)"
            name="minNoticeMin"
            errors={errors}
            min={0}
            step="0.25"
            value={state.minNoticeHours}
            onChange={(value) => set('minNoticeHours', value)}
          />
          <NumberField
            label="Booking window (days ahead)"
            name="windowDays"
            errors={errors}
            min={1}
            max={730}
            value={state.windowDays}
            onChange={(value) => set('windowDays', value)}
          />
          <NumberField
            label="Bookings per day (limit)"
            name="dailyLimit"
            errors={errors}
            hint="Empty: no limit."
            min={1}
            max={1000}
            value={state.dailyLimit}
            onChange={(value) => set('dailyLimit', value)}
          />
        </div>
      </fieldset>

      {general && (
        <p id="calendar-form-error" className="error" role="alert">
          {general}
        </p>
      )}
      {canEdit && (
        <div className="actions">
          <button type="submit" className="primary" disabled={save.isPending}>
            {save.isPending ? 'Saving…' : calendar ? 'Save changes' : 'Create calendar'}
          </button>
          <Link to="/app/calendars" className="button secondary">
            Cancel
          </Link>
          {calendar && (
            <button type="button" className="danger-outline push-right" onClick={() => setConfirmDelete(true)}>
              Delete calendar
            </button>
          )}
        </div>
      )}
      {confirmDelete && calendar && (
        <Dialog title={`Delete “${calendar.name}”?`} onClose={() => setConfirmDelete(false)}>
          <p>
            The booking page stops working at once. A calendar with upcoming appointments cannot be deleted: cancel them first, so each
            client is told. Past appointments are deleted with it.
          </p>
          {remove.error && (
            <p className="error" role="alert">
              {messageOf(remove.error)}
            </p>
          )}
          <div className="actions">
            <button type="button" className="danger" disabled={remove.isPending} onClick={() => remove.mutate()}>
              Delete calendar
            </button>
            <button type="button" className="secondary" onClick={() => setConfirmDelete(false)}>
              Keep it
            </button>
          </div>
        </Dialog>
      )}
    </form>
  );
}
