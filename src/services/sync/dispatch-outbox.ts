import { appointmentEventUid } from '../../domain/sync/appointment-uid.ts';
import { rangesOverlap } from '../../domain/sync/desired-event.ts';
import { itemChangesForLink } from '../../domain/sync/inbound-actions.ts';
import { planOutbound, type OutboundAction } from '../../domain/sync/plan-outbound.ts';
import { reconcileConflict, type FetchedRemoteEvent } from '../../domain/sync/reconcile-conflict.ts';
import { retryDelayMs } from '../../domain/retry-policy.ts';
import type { AppointmentForSync, RemoteLink } from '../../domain/sync/types.ts';
import type {
  AppointmentRemoteEdit,
  EventCodec,
  FormerCalendar,
  OpenRemoteCalendar,
  OutboxOutcome,
  OutboxResult,
  OutboxRow,
  RemoteCalendar,
  SyncStore,
} from '../../domain/sync/ports.ts';
import {
  RemoteAccessDenied,
  RemoteCalendarError,
  RemoteNotFound,
  RemotePreconditionFailed,
  RemoteRefused,
  RemoteUnavailable,
} from './remote-errors.ts';

/**
 * The outbox dispatcher: writes appointment changes to each assigned user's primary calendar.
 * Create is PUT If-None-Match: *, update PUT If-Match, delete DELETE If-Match. A 412 means the event
 * changed in iCloud: we GET it and reconcile (reconcile-conflict.ts) — never overwrite blindly.
 * Every row ends done, due again later (backoff) or parked as failed; it is never dropped.
 *
 * Idempotent by construction: the plan comes from the appointment's current state and the recorded
 * link, and the href comes from the appointment's stable UID, so a run that crashed after a PUT and
 * before recording it finds the event with its 412 and adopts it instead of duplicating it.
 */

export interface DispatchOptions {
  now: Date;
  /** Rows claimed per run. */
  limit?: number;
  /** How long a claimed row stays invisible to other workers; a crashed worker's rows come back after it. */
  leaseMs?: number;
  /** The retry policy's random source (domain/retry-policy.ts); tests that state exact times inject one. */
  random?: () => number;
  /** Write / reconcile rounds per row before it is retried later (a calendar edited that busily is rare). */
  maxRounds?: number;
  /** Shutdown: finish the row in hand, leave the rest claimed (the caller releases them). */
  signal?: AbortSignal;
}

export interface DispatchDeps {
  store: SyncStore;
  openRemote: OpenRemoteCalendar;
  codec: EventCodec;
}

export interface RowReport {
  rowId: string;
  appointmentId: string;
  userId: string;
  steps: { type: OutboundAction['type'] | 'Reconcile'; reason: string }[];
  result: OutboxResult;
}

export interface DispatchReport {
  rows: RowReport[];
}

export async function dispatchOutbox(deps: DispatchDeps, options: DispatchOptions): Promise<DispatchReport> {
  const rows = await deps.store.claimOutboxRows({ now: options.now, limit: options.limit ?? 50, leaseMs: options.leaseMs ?? 2 * 60_000 });
  const report: DispatchReport = { rows: [] };
  // Rows with nothing to push (the user has no calendar, no copy was ever written) are finished at
  // once, together: a burst of bookings for such users would otherwise cost a read and a
  // transaction per row. The rest go one by one as before.
  const nothingToPush = new Set(
    rows.length > 0 && deps.store.finishRowsWithNothingToPush ? await deps.store.finishRowsWithNothingToPush(rows, options.now) : [],
  );
  // One at a time: rows of the same appointment must not race each other's conditional writes.
  for (const row of rows) {
    if (nothingToPush.has(row.id)) {
      const steps = [{ type: 'Noop' as const, reason: 'nothing to push: the user has no primary calendar and no copy was written' }];
      report.rows.push({ rowId: row.id, appointmentId: row.appointmentId, userId: row.userId, steps, result: { status: 'done' } });
      continue;
    }
    if (options.signal?.aborted) break;
    report.rows.push(await dispatchOutboxRow(deps, row, options));
  }
  return report;
}

/** A store call failed: that is a crash, not a remote failure, and must not be turned into a row retry. */
class StoreFailure extends Error {
  constructor(readonly original: unknown) {
    super('store call failed', { cause: original });
  }
}

async function viaStore<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw new StoreFailure(error);
  }
}

export async function dispatchOutboxRow(deps: DispatchDeps, row: OutboxRow, options: DispatchOptions): Promise<RowReport> {
  const target = await deps.store.loadOutboundTarget(row);
  const work = new RowWork(deps, row, options, target.appointment, target.primaryCalendarId, target.link, target.formerCalendar ?? null);
  let result: OutboxResult;
  let reconnect: OutboxOutcome['reconnect'];
  try {
    result = await work.run();
  } catch (error) {
    if (error instanceof StoreFailure) throw error.original;
    result = failureResult(row, error, options);
    reconnect = reconnectNeeded(error, work.calendarInHand);
  }
  await deps.store.finishOutboxRow({
    row,
    result,
    ...(reconnect && { reconnect }),
    ...(work.linkChanged
      ? {
          link: work.link,
          items: [
            ...itemChangesForLink(target.link, work.link, appointmentEventUid(row.appointmentId)),
            // The copy removed from a former primary is no longer there to be known.
            ...(work.formerRemoved ? [{ ...work.formerRemoved, item: null }] : []),
          ],
        }
      : {}),
    ...(work.remoteEdit ? { remoteEdit: work.remoteEdit } : {}),
  });
  return { rowId: row.id, appointmentId: row.appointmentId, userId: row.userId, steps: work.steps, result };
}

function failureResult(row: OutboxRow, error: unknown, options: DispatchOptions): OutboxResult {
  const attempt = row.attempt + 1;
  // The classifier's words where there are some (the same as the sync status shows), else the error's own.
  const failure = error instanceof RemoteCalendarError ? error.failure : null;
  const message =
    failure !== null ? `${failure.code}: ${failure.message}` : error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // Retrying cannot fix revoked access, a calendar that is gone, or an answer/address refused on
  // principle: park the row until someone acts (reconnecting, or the next change of the
  // appointment, requeues it). Everything else is transient.
  if (error instanceof RemoteAccessDenied || error instanceof RemoteNotFound || error instanceof RemoteRefused)
    return { status: 'failed', attempt, error: message };
  const retryAfterMs = error instanceof RemoteUnavailable ? error.retryAfterMs : null;
  const notBefore = new Date(options.now.getTime() + retryDelayMs(attempt, retryAfterMs, options.random ?? Math.random));
  return { status: 'retry', attempt, notBefore, error: message };
}

/**
 * Refused credentials (the classifier's `reconnect`) concern the whole connection, not this row: the
 * row is parked (failureResult) and requeued when the account is reconnected, and the connection is
 * marked at once. A connection already waiting to be reconnected is refused before any request is
 * made (no verdict), and is not marked again.
 */
function reconnectNeeded(error: unknown, calendarId: string | null): OutboxOutcome['reconnect'] {
  if (calendarId === null || !(error instanceof RemoteCalendarError) || error.failure?.action !== 'reconnect') return undefined;
  return { calendarId, error: { code: error.failure.code, message: error.failure.message } };
}

/** Write-ahead entries kept per link: more unconfirmed PUTs in a row than this means something else is wrong. */
const MAX_PENDING_WRITES = 8;

type Attempt<T> = { ok: true; value: T } | { ok: false; error: unknown };

async function attempt<T>(call: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await call() };
  } catch (error) {
    return { ok: false, error };
  }
}

class RowWork {
  readonly steps: RowReport['steps'] = [];
  linkChanged = false;
  /** The copy this run deleted from a former primary calendar. */
  formerRemoved: { calendarId: string; href: string } | null = null;
  remoteEdit: AppointmentRemoteEdit | undefined;
  /** The calendar the current step talks to: the one whose server a failure came from. */
  calendarInHand: string | null = null;
  private readonly remotes = new Map<string, RemoteCalendar>();
  private readonly uid: string;
  private readonly originalVersion: string | null;

  constructor(
    private readonly deps: DispatchDeps,
    private readonly row: OutboxRow,
    private readonly options: DispatchOptions,
    private appointment: AppointmentForSync | null,
    private readonly primaryCalendarId: string | null,
    public link: RemoteLink | null,
    private formerCalendar: FormerCalendar | null = null,
  ) {
    this.uid = appointmentEventUid(row.appointmentId);
    this.originalVersion = appointment?.version ?? null;
  }

  async run(): Promise<OutboxResult> {
    const primaryHref = this.primaryCalendarId === null ? null : (await this.open(this.primaryCalendarId)).hrefFor(this.uid);
    const rounds = this.options.maxRounds ?? 4;
    for (let round = 0; round < rounds; round++) {
      const action = planOutbound({
        userId: this.row.userId,
        appointmentId: this.row.appointmentId,
        appointment: this.appointment,
        primaryCalendarId: this.primaryCalendarId,
        primaryHref,
        link: this.link,
        formerCalendar: this.formerCalendar,
      });
      this.steps.push({ type: action.type, reason: action.reason });
      if (action.type === 'Noop') return { status: 'done' };
      if (action.type === 'DeleteRemote' && action.moving) {
        await this.removeFormerCopy(action);
        continue;
      }
      const remote = await this.open(action.calendarId);
      const finished =
        action.type === 'CreateRemote'
          ? await this.create(remote, action)
          : action.type === 'UpdateRemote'
            ? await this.update(remote, action)
            : await this.delete(remote, action);
      if (finished) return { status: 'done' };
    }
    throw new RemoteUnavailable('the event kept changing while we wrote it');
  }

  /**
   * The copy in the former primary goes before the new one is written. If it cannot (the calendar
   * went read-only, the account needs reconnecting, …), the move still happens and the copy is left,
   * with the reason in the row's steps (and the configuration's notice, primary-notice.ts). Anything
   * else (busy, timed out) is retried later like any write: a copy is left only on a refusal.
   */
  private async removeFormerCopy(action: Extract<OutboundAction, { type: 'DeleteRemote' }>): Promise<void> {
    try {
      await this.delete(await this.open(action.calendarId), action);
      this.formerRemoved = { calendarId: action.calendarId, href: action.href };
    } catch (error) {
      if (!(error instanceof RemoteAccessDenied || error instanceof RemoteRefused)) throw error;
      const why = error instanceof Error ? error.message : String(error);
      this.formerCalendar = { cannotDelete: `removing it failed (${why})` };
    }
  }

  private async open(calendarId: string): Promise<RemoteCalendar> {
    this.calendarInHand = calendarId;
    let remote = this.remotes.get(calendarId);
    if (remote === undefined) {
      remote = await this.deps.openRemote(calendarId);
      this.remotes.set(calendarId, remote);
    }
    return remote;
  }

  private ics(appointment: AppointmentForSync, sequence: number): string {
    return this.deps.codec.buildAppointmentEvent({
      uid: this.uid,
      title: appointment.title,
      description: appointment.description,
      location: appointment.location,
      url: appointment.url,
      start: appointment.start,
      end: appointment.end,
      timezone: appointment.timezone,
      sequence,
      dtstamp: this.options.now,
    });
  }

  private setLink(link: RemoteLink | null): void {
    this.link = link;
    this.linkChanged = true;
  }

  /** true when the row is done; false to plan again. */
  private async create(remote: RemoteCalendar, action: Extract<OutboundAction, { type: 'CreateRemote' }>): Promise<boolean> {
    const appointment = this.appointment!;
    const previous = this.link;
    const continuing =
      previous !== null && previous.createPending && previous.calendarId === action.calendarId && previous.href === action.href;
    await this.recordIntent(
      continuing
        ? previous
        : {
            appointmentId: this.row.appointmentId,
            userId: this.row.userId,
            calendarId: action.calendarId,
            href: action.href,
            etag: null,
            written: action.snapshot,
            sequence: action.sequence,
            removedRemotely: false,
            createPending: true,
            pendingWrites: [],
          },
      action.snapshot,
    );
    const put = await attempt(() => remote.put(action.href, this.ics(appointment, action.sequence), { ifNoneMatch: '*' }));
    if (put.ok) {
      this.setLink({
        appointmentId: this.row.appointmentId,
        userId: this.row.userId,
        calendarId: action.calendarId,
        href: action.href,
        etag: put.value.etag,
        written: action.snapshot,
        sequence: action.sequence,
        removedRemotely: false,
        createPending: false,
        pendingWrites: [],
      });
      return true;
    }
    if (!(put.error instanceof RemotePreconditionFailed)) throw put.error;
    // It is already there: an earlier PUT whose success we never recorded. The write-ahead record says
    // what such PUTs carried, so a user's edit since can still be told apart and followed.
    await this.reconcile(remote, action.calendarId, action.href, this.link, true);
    return false;
  }

  private async update(remote: RemoteCalendar, action: Extract<OutboundAction, { type: 'UpdateRemote' }>): Promise<boolean> {
    const appointment = this.appointment!;
    if (action.ifMatch !== null) {
      await this.recordIntent(this.link!, action.snapshot);
      const link = this.link!;
      const put = await attempt(() => remote.put(action.href, this.ics(appointment, action.sequence), { ifMatch: action.ifMatch! }));
      if (put.ok) {
        this.setLink({
          ...link,
          etag: put.value.etag,
          written: action.snapshot,
          sequence: action.sequence,
          removedRemotely: false,
          createPending: false,
          pendingWrites: [],
        });
        return true;
      }
      if (!(put.error instanceof RemotePreconditionFailed || put.error instanceof RemoteNotFound)) throw put.error;
    }
    await this.reconcile(remote, action.calendarId, action.href, this.link, false);
    return false;
  }

  /**
   * Write-ahead, before every PUT: note what it carries, so that if we crash before recording its
   * outcome, the next run still recognises the event as our own write (and not as an iCloud edit).
   */
  private async recordIntent(link: RemoteLink, snapshot: RemoteLink['written']): Promise<void> {
    const intent = { ...link, pendingWrites: [...link.pendingWrites, snapshot].slice(-MAX_PENDING_WRITES) };
    await viaStore(() => this.deps.store.recordWriteIntent(intent));
    this.link = intent;
  }

  private async delete(remote: RemoteCalendar, action: Extract<OutboundAction, { type: 'DeleteRemote' }>): Promise<boolean> {
    let ifMatch = action.ifMatch;
    if (ifMatch === null) {
      const found = await remote.get(action.href);
      if (found === null) return this.forgetLink();
      ifMatch = found.etag;
    }
    const etag = ifMatch;
    const deleted = await attempt(() => remote.delete(action.href, etag));
    if (deleted.ok || deleted.error instanceof RemoteNotFound) return this.forgetLink();
    if (!(deleted.error instanceof RemotePreconditionFailed)) throw deleted.error;
    // Edited in iCloud meanwhile: it still goes (the appointment is cancelled in Tandem, and the
    // client was told), but only under the etag we have just seen.
    const found = await remote.get(action.href);
    if (found === null) return this.forgetLink();
    this.steps.push({ type: 'Reconcile', reason: 'edited in iCloud before our delete: deleting under the new etag' });
    if (this.link !== null) this.setLink({ ...this.link, etag: found.etag });
    return false;
  }

  private forgetLink(): boolean {
    if (this.link !== null) this.setLink(null);
    return true;
  }

  private async reconcile(
    remote: RemoteCalendar,
    calendarId: string,
    href: string,
    link: RemoteLink | null,
    creating: boolean,
  ): Promise<void> {
    const appointment = this.appointment!;
    const found = await remote.get(href);
    if (found === null) {
      if (!creating && link !== null) {
        this.steps.push({ type: 'Reconcile', reason: 'deleted in iCloud: the appointment is flagged, not recreated' });
        this.setLink({ ...link, etag: null, removedRemotely: true, pendingWrites: [] });
      } else {
        this.steps.push({ type: 'Reconcile', reason: 'gone again before we could adopt it: creating once more' });
      }
      return;
    }
    const outcome = reconcileConflict({
      appointment,
      userId: this.row.userId,
      calendarId,
      href,
      link: link !== null && link.calendarId === calendarId ? link : null,
      remote: { etag: found.etag, event: this.readEvent(found.ics, appointment.timezone) },
    });
    this.steps.push({ type: 'Reconcile', reason: outcome.reason });
    this.setLink(outcome.link);
    if (outcome.remoteEdit !== null && this.originalVersion !== null) {
      const edit = outcome.remoteEdit;
      const spans = await viaStore(() => this.deps.store.loadConfirmedAppointmentSpans(this.row.userId, [edit]));
      const overlapsWith = spans.filter((s) => s.id !== appointment.id && rangesOverlap(s, edit)).map((s) => s.id);
      this.remoteEdit = {
        appointmentId: appointment.id,
        userId: this.row.userId,
        expectedVersion: this.originalVersion,
        start: edit.start,
        end: edit.end,
        title: edit.title,
        overlapFlagged: overlapsWith.length > 0,
        overlapsWith,
      };
      this.appointment = { ...appointment, start: edit.start, end: edit.end, title: edit.title };
    }
  }

  private readEvent(ics: string, zone: string): FetchedRemoteEvent['event'] {
    try {
      const event = this.deps.codec.readAppointmentEvent(ics, zone);
      return { start: event.start, end: event.end, title: event.summary, sequence: event.sequence };
    } catch {
      return null;
    }
  }
}
