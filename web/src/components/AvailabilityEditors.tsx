import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { messageOf } from '../api.ts';
import { api, keys, unwrap, type TeamUser } from '../api/client.ts';
import { formatLongDate, localDate } from '../time.ts';
import { SaveStatus } from './SaveStatus.tsx';

type Range = { start: string; end: string };
type Week = Record<string, Range[]>;
const weekdays = [
  ['1', 'Monday'],
  ['2', 'Tuesday'],
  ['3', 'Wednesday'],
  ['4', 'Thursday'],
  ['5', 'Friday'],
  ['6', 'Saturday'],
  ['7', 'Sunday'],
] as const;

function RangesEditor({ label, ranges, onChange }: { label: string; ranges: Range[]; onChange: (ranges: Range[]) => void }) {
  return (
    <div className="ranges">
      {ranges.map((range, index) => (
        <div className="range" key={index}>
          <input
            type="time"
            aria-label={`${label} from (${index + 1})`}
            value={range.start}
            onChange={(e) => onChange(ranges.map((r, i) => (i === index ? { ...r, start: e.target.value } : r)))}
          />
          <span aria-hidden="true">–</span>
          <input
            type="time"
            aria-label={`${label} until (${index + 1})`}
            value={range.end === '24:00' ? '23:59' : range.end}
            onChange={(e) => onChange(ranges.map((r, i) => (i === index ? { ...r, end: e.target.value } : r)))}
          />
          <button
            type="button"
            className="link-button small"
            aria-label={`Remove ${label} hours ${index + 1}`}
            onClick={() => onChange(ranges.filter((_, i) => i !== index))}
          >
            Remove
          </button>
        </div>
      ))}
      <button
        type="button"
        className="link-button small"
        onClick={() => onChange([...ranges, ranges.length ? { start: '13:00', end: '17:00' } : { start: '09:00', end: '17:00' }])}
      >
        Add hours{ranges.length ? '' : ` on ${label}`}
      </button>
    </div>
  );
}

/**
 * Someone's weekly working hours, saved as a whole. `whose` speaks of the person ("your",
 * "Bea Baker's"): My profile edits one's own, the Team screen anyone's (owner/admin).
 */
export function WeeklyHoursCard({ user, whose }: { user: TeamUser; whose: string }) {
  const [week, setWeek] = useState<Week>(() => ({ ...user.weeklyHours }));
  const queryClient = useQueryClient();
  const save = useMutation({
    mutationFn: () => unwrap(api.PATCH('/api/users/{id}', { params: { path: { id: user.id } }, body: { weeklyHours: week } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keys.users }),
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Weekly working hours">
      <h2>Weekly working hours</h2>
      <p className="muted small">
        In {whose} time zone ({user.timezone.replaceAll('_', ' ')}). Several ranges a day are fine, e.g. a lunch break. No hours: not
        bookable that day.
      </p>
      {weekdays.map(([day, label]) => (
        <div className="day-row" key={day} role="group" aria-label={label}>
          <strong>{label}</strong>
          <RangesEditor label={label} ranges={week[day] ?? []} onChange={(ranges) => setWeek((w) => ({ ...w, [day]: ranges }))} />
        </div>
      ))}
      <SaveStatus save={save} saved="Working hours saved." />
      <div className="actions">
        <button type="submit" className="primary" disabled={save.isPending}>
          Save working hours
        </button>
      </div>
    </form>
  );
}

/** Someone's days off and different hours on given dates (in their time zone), from today on. */
export function DateOverridesCard({ userId, timezone }: { userId: string; timezone: string }) {
  const queryClient = useQueryClient();
  const today = localDate(new Date(), timezone);
  const overrides = useQuery({
    queryKey: keys.overrides(userId),
    queryFn: () => unwrap(api.GET('/api/users/{id}/overrides', { params: { path: { id: userId }, query: { from: today } } })),
  });
  const [date, setDate] = useState('');
  const [kind, setKind] = useState<'off' | 'hours'>('off');
  const [ranges, setRanges] = useState<Range[]>([{ start: '10:00', end: '14:00' }]);
  const ids = { date: useId(), heading: useId(), kind: useId() };
  const invalidate = () => queryClient.invalidateQueries({ queryKey: keys.overrides(userId) });
  const add = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT('/api/users/{id}/overrides/{date}', {
          params: { path: { id: userId, date } },
          body: { ranges: kind === 'off' ? [] : ranges },
        }),
      ),
    onSuccess: async () => {
      setDate('');
      await invalidate();
    },
  });
  const remove = useMutation({
    mutationFn: (d: string) => unwrap(api.DELETE('/api/users/{id}/overrides/{date}', { params: { path: { id: userId, date: d } } })),
    onSuccess: invalidate,
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    add.mutate();
  };
  return (
    <section className="card" aria-labelledby={ids.heading}>
      <h2 id={ids.heading}>Days off and different hours</h2>
      {overrides.data?.length === 0 && <p className="muted">None planned.</p>}
      <ul className="plain-list override-list">
        {overrides.data?.map((o) => (
          <li key={o.date} className="range">
            <strong>{formatLongDate(o.date)}</strong>
            <span>{o.ranges.length === 0 ? 'Day off' : o.ranges.map((r) => `${r.start}–${r.end}`).join(', ')}</span>
            <button
              type="button"
              className="link-button small"
              aria-label={`Remove the change on ${formatLongDate(o.date)}`}
              onClick={() => remove.mutate(o.date)}
            >
              Remove
            </button>
          </li>
        ))}
      </ul>
      <form onSubmit={submit} aria-label="Add a day off or different hours">
        <div className="field inline">
          <label htmlFor={ids.date}>Date</label>
          <input id={ids.date} type="date" min={today} value={date} required onChange={(e) => setDate(e.target.value)} />
          <label className="with-icon">
            <input type="radio" name={ids.kind} checked={kind === 'off'} onChange={() => setKind('off')} /> Day off
          </label>
          <label className="with-icon">
            <input type="radio" name={ids.kind} checked={kind === 'hours'} onChange={() => setKind('hours')} /> Different hours
          </label>
        </div>
        {kind === 'hours' && <RangesEditor label="that day" ranges={ranges} onChange={setRanges} />}
        {add.error && (
          <p className="error" role="alert">
            {messageOf(add.error)}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="secondary" disabled={add.isPending || !date}>
            Add
          </button>
        </div>
      </form>
    </section>
  );
}
