import { appointmentIdFromUid } from '../../domain/sync/appointment-uid.ts';
import type { FetchedItem } from '../../domain/sync/plan-inbound.ts';
import type { SyncWindow } from '../../domain/sync/sync-window.ts';
import type { ImportedOccurrence, ItemProblem } from '../../domain/sync/types.ts';
import type { EventCodec } from '../../domain/sync/ports.ts';
import { DEFAULT_SYNC_LIMITS, type SyncLimits } from './sync-limits.ts';

export interface ParseContext {
  span: SyncWindow;
  zone: string;
  selfEmails: string[];
  /** The caps (sync-limits.ts); defaults when absent. */
  limits?: SyncLimits;
}

/**
 * Turns one fetched object into what the planner compares: hash, UID, occurrences. Every failure is
 * caught here and becomes an unreadable item with a stable code, so one broken event never stops a
 * calendar's sync; an object read in part (a VEVENT skipped, a series capped) is imported with a
 * problem the calendar shows.
 */
export function parseRemoteItem(
  codec: EventCodec,
  object: { href: string; etag: string | null; ics: string },
  context: ParseContext,
): FetchedItem {
  const limits = context.limits ?? DEFAULT_SYNC_LIMITS;
  const oversize = sizeProblem(object.ics, limits.maxObjectBytes);
  // Not even hashed: the size check is the one thing worth doing with a 50 MB event.
  if (oversize !== null)
    return {
      href: object.href,
      etag: object.etag,
      contentHash: null,
      uid: null,
      content: { ok: false, error: oversize, errorCode: 'ical_object_too_large' },
    };

  const contentHash = attempt(() => codec.contentHash(object.ics));
  const uid = attempt(() => codec.readUid(object.ics));
  const base = {
    href: object.href,
    etag: object.etag,
    contentHash: contentHash.ok ? contentHash.value : null,
    uid: uid.ok ? uid.value : null,
  };
  if (!contentHash.ok) return { ...base, content: { ok: false, error: contentHash.error, errorCode: contentHash.code } };
  const problems: ItemProblem[] = [];
  const expand = () =>
    codec.expand(object.ics, {
      from: context.span.from,
      to: context.span.to,
      zone: context.zone,
      selfEmails: context.selfEmails,
      maxOccurrences: limits.maxOccurrencesPerObject,
      onProblem: (problem) => problems.push(problem),
    });
  if (!uid.ok || uid.value === null) {
    // Say why there is no usable event when the parser can tell (too deep, malformed), not just "no UID".
    const reading = uid.ok ? attempt(expand) : uid;
    return {
      ...base,
      content: reading.ok
        ? { ok: false, error: 'no VEVENT with a UID', errorCode: 'ical_unreadable' }
        : { ok: false, error: reading.error, errorCode: reading.code },
    };
  }
  const expanded = attempt(expand);
  if (!expanded.ok) return { ...base, content: { ok: false, error: expanded.error, errorCode: expanded.code } };

  // Only our own events need reading as one event (their time is an appointment's time).
  let event = null;
  if (appointmentIdFromUid(uid.value) !== null) {
    const read = attempt(() => codec.readAppointmentEvent(object.ics, context.zone));
    event = read.ok ? { start: read.value.start, end: read.value.end, title: read.value.summary } : null;
  }
  // Once per occurrence (tens of thousands per import): a literal and two assignments, no conditional spreads.
  const occurrences = expanded.value.map((o) => {
    const occurrence: ImportedOccurrence = {
      recurrenceId: o.recurrenceId,
      start: o.start,
      end: o.end,
      allDay: o.allDay,
      blocks: o.blocks,
      summary: o.summary,
      status: o.status,
    };
    if (o.invitation !== undefined) occurrence.invitation = o.invitation;
    if (o.occurrences !== undefined && o.occurrences > 1) occurrence.occurrences = o.occurrences;
    return occurrence;
  });
  const problem = summarize(problems);
  return { ...base, content: { ok: true, occurrences, expandedUntil: context.span.to, event, ...(problem !== null && { problem }) } };
}

/**
 * Without reading the text where its length decides: a UTF-16 unit is 1 to 3 UTF-8 bytes, so only
 * lengths between a third of the cap and the cap need counting (counting 50 MB takes the event loop
 * seconds on a busy machine).
 */
function sizeProblem(ics: string, maxBytes: number): string | null {
  if (ics.length * 3 <= maxBytes) return null;
  const bytes = ics.length > maxBytes ? ics.length : Buffer.byteLength(ics, 'utf8');
  if (bytes <= maxBytes) return null;
  const size = ics.length > maxBytes ? `at least ${megabytes(bytes)}` : megabytes(bytes);
  return `the object is ${size}, larger than the ${megabytes(maxBytes)} Tandem reads (ICAL_MAX_OBJECT_BYTES): it was not read and blocks no time`;
}

function megabytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} kB`;
}

/** One line per item: the first problem, and how many more there are. */
function summarize(problems: readonly ItemProblem[]): ItemProblem | null {
  const first = problems[0];
  if (first === undefined) return null;
  return problems.length === 1
    ? first
    : { code: first.code, message: `${first.message} (and ${problems.length - 1} more problem(s) in this object)` };
}

function attempt<T>(f: () => T): { ok: true; value: T } | { ok: false; error: string; code: string } {
  try {
    return { ok: true, value: f() };
  } catch (error) {
    // The iCalendar modules' errors carry a stable code (ICalParseError.code); anything else is "unreadable".
    const code =
      typeof (error as { code?: unknown } | null)?.code === 'string' && String((error as { code: string }).code).startsWith('ical_')
        ? (error as { code: string }).code
        : 'ical_unreadable';
    // A stack overflow from odd input is still just an unreadable event.
    return { ok: false, error: error instanceof Error ? error.message : String(error), code };
  }
}
