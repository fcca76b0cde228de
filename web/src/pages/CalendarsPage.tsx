import { useEffect, useState } from 'react';
import type { Calendar } from '../api.ts';
import { Link } from '../router.tsx';
import { formatDuration } from '../time.ts';
import { useStaff } from './StaffShell.tsx';

const typeLabel: Record<Calendar['type'], string> = {
  round_robin: 'Round Robin',
  collective: 'Collective',
  class: 'Class Booking',
  service: 'Service Calendar',
  simple: 'Simple',
  event: 'Event',
};

export const ICLOUD_NOT_AVAILABLE = 'iCloud integration: not available for this calendar type';

/** The booking calendars of the workspace, each with its public booking page. */
export function CalendarsPage() {
  const { calendars, users, me } = useStaff();
  const canEdit = me.role !== 'member';
  const [copied, setCopied] = useState<string | null>(null);
  useEffect(() => {
    document.title = 'Booking calendars · Tandem';
  }, []);

  const copy = async (calendar: Calendar) => {
    try {
      await navigator.clipboard.writeText(`${location.origin}/book/${calendar.id}`);
      setCopied(calendar.id);
    } catch {
      setCopied(null);
    }
  };

  return (
    <div className="calendars-page">
      <div className="page-header">
        <h1>Booking calendars</h1>
        {canEdit && (
          <Link to="/app/calendars/new" className="button primary">
            New booking calendar
          </Link>
        )}
      </div>
      {calendars.length === 0 && (
        <p className="muted">No booking calendars yet.{canEdit ? ' Create one: clients book through its page.' : ''}</p>
      )}
      <ul className="calendar-list">
        {calendars.map((calendar) => {
          const members = calendar.members.map((m) => users.find((u) => u.id === m.userId)?.name ?? 'Someone').join(', ');
          return (
            <li key={calendar.id} className="card calendar-item" data-calendar-id={calendar.id}>
              <div className="calendar-item-main">
                <h2>{calendar.name}</h2>
                <p className="muted small">
                  {typeLabel[calendar.type]} · {formatDuration(calendar.durationMin)}
                  {calendar.services.length > 0 ? ` · ${calendar.services.length} service${calendar.services.length === 1 ? '' : 's'}` : ''}
                  {members ? ` · ${members}` : ''}
                </p>
                {calendar.icloudIntegration ? (
                  <p className="icloud-note ok small">
                    iCloud integration: appointments go to each member’s primary iCloud calendar, and their iCloud events block
                    availability.
                  </p>
                ) : (
                  <p className="icloud-note off small">{ICLOUD_NOT_AVAILABLE}</p>
                )}
              </div>
              <div className="calendar-item-actions">
                <Link
                  to={`/app/calendars/${calendar.id}`}
                  className="button secondary"
                  aria-label={`${canEdit ? 'Edit' : 'View'} ${calendar.name}`}
                >
                  {canEdit ? 'Edit' : 'View'}
                </Link>
                <Link to={`/book/${calendar.id}`} className="button secondary">
                  Booking page
                </Link>
                <button type="button" className="link-button small" onClick={() => void copy(calendar)}>
                  {copied === calendar.id ? 'Link copied' : 'Copy link'}
                </button>
              </div>
            </li>
          );
        })}
      </ul>
    </div>
  );
}
