import { appointmentIdFromUid } from '../../domain/sync/appointment-uid.ts';
import type { FetchedItem } from '../../domain/sync/plan-inbound.ts';
import type { SyncWindow } from '../../domain/sync/sync-window.ts';
import type { EventCodec } from '../../domain/sync/ports.ts';

/**
 * Turns one fetched object into what the planner compares: hash, UID, occurrences. Every failure is
 * caught here and becomes an unreadable item, so one broken event never stops a calendar's sync.
 */
export function parseRemoteItem(
  codec: EventCodec,
  object: { href: string; etag: string | null; ics: string },
  context: { span: SyncWindow; zone: string; selfEmails: string[] },
): FetchedItem {
  const contentHash = attempt(() => codec.contentHash(object.ics));
  const uid = attempt(() => codec.readUid(object.ics));
  const base = { href: object.href, etag: object.etag, contentHash: contentHash.ok ? contentHash.value : null, uid: uid.ok ? uid.value : null };
  if (!contentHash.ok) return { ...base, content: { ok: false, error: contentHash.error } };
  if (!uid.ok || uid.value === null) return { ...base, content: { ok: false, error: uid.ok ? 'no VEVENT with a UID' : uid.error } };

  const expanded = attempt(() => codec.expand(object.ics, { from: context.span.from, to: context.span.to, zone: context.zone, selfEmails: context.selfEmails }));
  if (!expanded.ok) return { ...base, content: { ok: false, error: expanded.error } };

  // Only our own events need reading as one event (their time is an appointment's time).
  let event = null;
  if (appointmentIdFromUid(uid.value) !== null) {
    const read = attempt(() => codec.readAppointmentEvent(object.ics, context.zone));
    event = read.ok ? { start: read.value.start, end: read.value.end, title: read.value.summary } : null;
  }
  const occurrences = expanded.value.map((o) => ({
    recurrenceId: o.recurrenceId,
    start: o.start,
    end: o.end,
    allDay: o.allDay,
    blocks: o.blocks,
    summary: o.summary,
    status: o.status,
  }));
  return { ...base, content: { ok: true, occurrences, expandedUntil: context.span.to, event } };
}

function attempt<T>(f: () => T): { ok: true; value: T } | { ok: false; error: string } {
  try {
    return { ok: true, value: f() };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}
