import { eventResourceName } from '../../src/domain/sync/appointment-uid.ts';
import { itemStateAfter, type InboundAction, type LinkUpdate } from '../../src/domain/sync/inbound-actions.ts';
import type { LinkedAppointment } from '../../src/domain/sync/plan-inbound.ts';
import type {
  AppointmentForSync,
  AppointmentSpan,
  ImportedOccurrence,
  RemoteLink,
  SavedItem,
  TimeRange,
} from '../../src/domain/sync/types.ts';
import type {
  AppointmentRemoteEdit,
  CalendarSyncState,
  CalendarWarning,
  InboundBatch,
  OutboundTarget,
  OutboxOutcome,
  OutboxRow,
  PutCondition,
  RemoteCalendar,
  SyncCollectionPage,
  SyncStore,
} from '../../src/domain/sync/ports.ts';
import {
  RemoteAccessDenied,
  RemoteNotFound,
  RemotePreconditionFailed,
  RemoteSyncTokenInvalid,
  RemoteUnavailable,
} from '../../src/services/sync/remote-errors.ts';
import { CalDavError } from '../../src/caldav/errors.ts';
import { unpackOccurrenceRows } from '../../src/store/sync-store/occurrence-rows.ts';
import { remoteError } from '../../src/services/sync/caldav-remote-calendar.ts';

/**
 * In-memory implementations of the sync ports, for unit and model-based tests of the engine:
 * a remote calendar that behaves like a CalDAV collection (sync tokens with a change log, 507
 * pages, conditional writes, spurious etag changes, injected failures), and a local store that
 * keeps the SyncStore contract (atomic batches, leases, compare-and-set on links and versions).
 */

// ---------------------------------------------------------------------------------------------
// Remote calendar
// ---------------------------------------------------------------------------------------------

interface RemoteObject {
  etag: string;
  ics: string;
  revision: number;
}

export type RemoteMethod = 'syncCollection' | 'listEtags' | 'multiget' | 'get' | 'put' | 'delete';

export class InMemoryRemoteCalendar implements RemoteCalendar {
  private readonly objects = new Map<string, RemoteObject>();
  private readonly tombstones = new Map<string, number>();
  private revision = 0;
  private etagCounter = 0;
  /** Tokens carry the generation they were issued in; invalidating bumps it. */
  private generation = 0;

  /** Every port call, in order. */
  readonly calls: RemoteMethod[] = [];
  /** Members per sync-collection answer before it is truncated (507); null: never. */
  pageSize: number | null = null;
  /** Whether PUT answers carry the new etag (iCloud sometimes omits it). */
  etagOnWrite = true;
  /** The next N put/delete calls throw RemoteUnavailable (or RemoteAccessDenied / a refused answer, per writeFailure). */
  failWrites = 0;
  writeFailure: 'unavailable' | 'access_denied' | 'refused' = 'unavailable';
  /** The next N syncCollection/listEtags/multiget/get calls throw RemoteUnavailable (or RemoteAccessDenied, per readFailure). */
  failReads = 0;
  readFailure: 'unavailable' | 'access_denied' = 'unavailable';
  /** Runs once, just before the next put/delete: a concurrent edit in iCloud. */
  beforeNextWrite: ((href: string) => void) | null = null;

  constructor(readonly url: string) {}

  // --- the port ---------------------------------------------------------------------------

  async syncCollection(token: string | null): Promise<SyncCollectionPage> {
    this.enter('syncCollection');
    const since = token === null ? null : this.parseToken(token);
    type Entry = { href: string; revision: number; etag: string | null };
    const entries: Entry[] = [];
    for (const [href, o] of this.objects)
      if (since === null || o.revision > since) entries.push({ href, revision: o.revision, etag: o.etag });
    if (since !== null) for (const [href, revision] of this.tombstones) if (revision > since) entries.push({ href, revision, etag: null });
    entries.sort((a, b) => a.revision - b.revision);
    const page = this.pageSize === null ? entries : entries.slice(0, this.pageSize);
    const truncated = page.length < entries.length;
    const last = page[page.length - 1];
    const tokenRevision = truncated && last !== undefined ? last.revision : this.revision;
    return {
      changed: page.filter((e) => this.objects.has(e.href)).map((e) => ({ href: e.href, etag: e.etag })),
      deleted: page.filter((e) => !this.objects.has(e.href)).map((e) => e.href),
      token: `g${this.generation}-r${tokenRevision}`,
      truncated,
    };
  }

  async listEtags(): Promise<{ href: string; etag: string }[]> {
    this.enter('listEtags');
    return [...this.objects].map(([href, o]) => ({ href, etag: o.etag }));
  }

  /** Answers at once: `onReceived` (the engine's early signal) is left to its own end, as a remote may. */
  async multiget(
    hrefs: string[],
    _options?: { onReceived?: () => void },
  ): Promise<{ href: string; etag: string | null; ics: string | null }[]> {
    this.enter('multiget');
    return hrefs.map((href) => {
      const o = this.objects.get(href);
      return { href, etag: o?.etag ?? null, ics: o?.ics ?? null };
    });
  }

  async get(href: string): Promise<{ etag: string | null; ics: string } | null> {
    this.enter('get');
    const o = this.objects.get(href);
    return o === undefined ? null : { etag: o.etag, ics: o.ics };
  }

  async put(href: string, ics: string, condition: PutCondition): Promise<{ etag: string | null }> {
    this.beginWrite('put', href);
    const existing = this.objects.get(href);
    if ('ifNoneMatch' in condition ? existing !== undefined : existing?.etag !== condition.ifMatch) {
      throw new RemotePreconditionFailed(`412 on PUT ${href}`, { href });
    }
    const etag = this.store(href, ics);
    return { etag: this.etagOnWrite ? etag : null };
  }

  async delete(href: string, ifMatch: string | null): Promise<void> {
    this.beginWrite('delete', href);
    const existing = this.objects.get(href);
    if (existing === undefined) throw new RemoteNotFound(`404 on DELETE ${href}`, { href });
    if (ifMatch !== null && existing.etag !== ifMatch) throw new RemotePreconditionFailed(`412 on DELETE ${href}`, { href });
    this.remove(href);
  }

  hrefFor(uid: string): string {
    return `${this.url}${eventResourceName(uid)}`;
  }

  // --- what a person does in iCloud (not counted as calls) --------------------------------

  userPut(href: string, ics: string): void {
    this.store(href, ics);
  }

  userDelete(href: string): boolean {
    if (!this.objects.has(href)) return false;
    this.remove(href);
    return true;
  }

  /** The server changes an etag without any change to the content (it happens). */
  flakeEtag(href: string): void {
    const o = this.objects.get(href);
    if (o !== undefined) this.store(href, o.ics);
  }

  /** Every token issued so far is refused from now on (iCloud expires them). */
  invalidateTokens(): void {
    this.generation++;
  }

  objectList(): { href: string; etag: string; ics: string }[] {
    return [...this.objects].map(([href, o]) => ({ href, etag: o.etag, ics: o.ics }));
  }

  object(href: string): { etag: string; ics: string } | undefined {
    const o = this.objects.get(href);
    return o === undefined ? undefined : { etag: o.etag, ics: o.ics };
  }

  resetCalls(): void {
    this.calls.length = 0;
  }

  // --- internals ---------------------------------------------------------------------------

  private enter(method: RemoteMethod): void {
    this.calls.push(method);
    if (method !== 'put' && method !== 'delete' && this.failReads > 0) {
      this.failReads--;
      if (this.readFailure === 'access_denied') throw new RemoteAccessDenied(`injected 401 on ${method}`);
      throw new RemoteUnavailable(`injected failure of ${method}`);
    }
  }

  /** Faults of a write: an injected failure, or a concurrent edit in iCloud just before it lands. */
  private beginWrite(method: 'put' | 'delete', href: string): void {
    this.enter(method);
    if (this.failWrites > 0) {
      this.failWrites--;
      if (this.writeFailure === 'access_denied') throw new RemoteAccessDenied(`injected 401 on ${method}`, { href });
      if (this.writeFailure === 'refused')
        throw remoteError(
          new CalDavError({
            kind: 'refused_response',
            url: href,
            method: method.toUpperCase(),
            message: 'XML response contains a DOCTYPE/ENTITY declaration; refused',
          }),
          href,
        );
      throw new RemoteUnavailable(`injected failure of ${method}`, { href, retryAfterMs: 60_000 });
    }
    const hook = this.beforeNextWrite;
    this.beforeNextWrite = null;
    hook?.(href);
  }

  private store(href: string, ics: string): string {
    this.revision++;
    this.etagCounter++;
    const etag = `"e${this.etagCounter}"`;
    this.objects.set(href, { etag, ics, revision: this.revision });
    this.tombstones.delete(href);
    return etag;
  }

  private remove(href: string): void {
    if (!this.objects.has(href)) return;
    this.objects.delete(href);
    this.revision++;
    this.tombstones.set(href, this.revision);
  }

  private parseToken(token: string): number {
    const match = /^g(\d+)-r(\d+)$/.exec(token);
    const revision = match === null ? NaN : Number(match[2]);
    if (match === null || Number(match[1]) !== this.generation || revision > this.revision) {
      throw new RemoteSyncTokenInvalid(`token ${token} refused`);
    }
    return revision;
  }
}

// ---------------------------------------------------------------------------------------------
// Local store
// ---------------------------------------------------------------------------------------------

/** Thrown by an armed crash: the transaction it interrupts leaves nothing behind. */
export class InjectedCrash extends Error {
  override readonly name = 'InjectedCrash';
}

export interface CalendarRecord {
  calendarId: string;
  userId: string;
  isPrimary: boolean;
  zone: string;
  selfEmails: string[];
  token: string | null;
  items: Map<string, SavedItem>;
  occurrences: Map<string, ImportedOccurrence[]>;
  warning: CalendarWarning | null;
  lastSyncedAt: Date | null;
}

export interface AppointmentRecord extends AppointmentForSync {
  overlapFlagged: boolean;
  overlapsWith: string[];
  /** How many times an iCloud edit moved or retitled it. */
  remoteEdits: number;
}

export interface OutboxRecord extends OutboxRow {
  seq: number;
  status: 'pending' | 'done' | 'failed';
  notBefore: Date;
  leaseUntil: Date | null;
  lastError: string | null;
}

interface StoreData {
  users: Map<string, { primaryCalendarId: string | null }>;
  calendars: Map<string, CalendarRecord>;
  appointments: Map<string, AppointmentRecord>;
  links: Map<string, RemoteLink>;
  outbox: Map<string, OutboxRecord>;
  nextSeq: number;
  nextVersion: number;
}

export type CrashTarget = 'applyInboundBatch' | 'finishOutboxRow' | 'claimOutboxRows' | 'recordWriteIntent';

const linkKey = (appointmentId: string, userId: string): string => `${appointmentId}\u0000${userId}`;

export class InMemorySyncStore implements SyncStore {
  private data: StoreData = {
    users: new Map(),
    calendars: new Map(),
    appointments: new Map(),
    links: new Map(),
    outbox: new Map(),
    nextSeq: 1,
    nextVersion: 1,
  };
  private armedCrash: CrashTarget | null = null;
  private crashSkips = 0;

  // --- fault injection -----------------------------------------------------------------------

  /** The next call of that method (after `skip` calls that go through) throws InjectedCrash half-way through its transaction. */
  armCrash(target: CrashTarget, skip = 0): void {
    this.armedCrash = target;
    this.crashSkips = skip;
  }

  disarmCrash(): void {
    this.armedCrash = null;
  }

  /** Whether an armed crash fires in this call of `target` (counting down the calls it lets through). */
  private crashesIn(target: CrashTarget): boolean {
    if (this.armedCrash !== target) return false;
    if (this.crashSkips > 0) {
      this.crashSkips--;
      return false;
    }
    return true;
  }

  // --- set-up and the booking side (what the booking code does in its own transactions) ------

  addUser(userId: string, primaryCalendarId: string | null): void {
    this.data.users.set(userId, { primaryCalendarId });
  }

  /** The user picks another primary: every appointment assigned to them is queued, as set-calendar-configuration does. */
  setPrimaryCalendar(userId: string, primaryCalendarId: string | null): void {
    this.transaction((d) => {
      d.users.set(userId, { primaryCalendarId });
      for (const a of d.appointments.values()) if (a.assignedUserIds.includes(userId)) this.enqueue(d, a.id, userId, 'upsert');
    });
  }

  /** Calendars the account may no longer write to: a copy left there by a move cannot be removed. */
  readonly readOnlyCalendars = new Set<string>();

  addCalendar(calendar: { calendarId: string; userId: string; isPrimary: boolean; zone?: string; selfEmails?: string[] }): void {
    this.data.calendars.set(calendar.calendarId, {
      calendarId: calendar.calendarId,
      userId: calendar.userId,
      isPrimary: calendar.isPrimary,
      zone: calendar.zone ?? 'UTC',
      selfEmails: calendar.selfEmails ?? [],
      token: null,
      items: new Map(),
      occurrences: new Map(),
      warning: null,
      lastSyncedAt: null,
    });
  }

  book(input: {
    id: string;
    userIds: string[];
    start: Date;
    end: Date;
    title: string;
    description?: string;
    location?: string;
    url?: string;
    timezone?: string;
    writesToCalendar?: boolean;
  }): void {
    this.transaction((d) => {
      d.appointments.set(input.id, {
        id: input.id,
        version: this.nextVersion(d),
        status: 'confirmed',
        start: input.start,
        end: input.end,
        title: input.title,
        description: input.description ?? '',
        location: input.location ?? '',
        url: input.url ?? `https://tandem.example/a/${input.id}`,
        timezone: input.timezone ?? 'UTC',
        assignedUserIds: [...input.userIds],
        writesToCalendar: input.writesToCalendar ?? true,
        overlapFlagged: false,
        overlapsWith: [],
        remoteEdits: 0,
      });
      for (const userId of input.userIds) this.enqueue(d, input.id, userId, 'upsert');
    });
  }

  reschedule(id: string, start: Date, end: Date): void {
    this.transaction((d) => {
      const a = d.appointments.get(id);
      if (a === undefined || a.status !== 'confirmed') throw new Error(`cannot reschedule ${id}`);
      d.appointments.set(id, { ...a, start, end, version: this.nextVersion(d) });
      for (const userId of a.assignedUserIds) this.enqueue(d, id, userId, 'upsert');
    });
  }

  updateDetails(id: string, details: { description?: string; location?: string }): void {
    this.transaction((d) => {
      const a = d.appointments.get(id);
      if (a === undefined) throw new Error(`no appointment ${id}`);
      d.appointments.set(id, { ...a, ...details, version: this.nextVersion(d) });
      for (const userId of a.assignedUserIds) this.enqueue(d, id, userId, 'upsert');
    });
  }

  cancel(id: string): void {
    this.transaction((d) => {
      const a = d.appointments.get(id);
      if (a === undefined || a.status !== 'confirmed') throw new Error(`cannot cancel ${id}`);
      d.appointments.set(id, { ...a, status: 'cancelled', version: this.nextVersion(d) });
      for (const userId of a.assignedUserIds) this.enqueue(d, id, userId, 'delete');
    });
  }

  // --- inspection ------------------------------------------------------------------------------

  calendar(calendarId: string): CalendarRecord {
    const c = this.data.calendars.get(calendarId);
    if (c === undefined) throw new Error(`no calendar ${calendarId}`);
    return c;
  }

  appointment(id: string): AppointmentRecord {
    const a = this.data.appointments.get(id);
    if (a === undefined) throw new Error(`no appointment ${id}`);
    return a;
  }

  appointmentList(): AppointmentRecord[] {
    return [...this.data.appointments.values()];
  }

  link(appointmentId: string, userId: string): RemoteLink | undefined {
    return this.data.links.get(linkKey(appointmentId, userId));
  }

  outboxRows(): OutboxRecord[] {
    return [...this.data.outbox.values()].sort((a, b) => a.seq - b.seq);
  }

  /** Everything a sync could change, as comparable text (last-synced stamps left out). */
  snapshot(): string {
    const calendars = [...this.data.calendars.values()].map((c) => ({
      ...c,
      lastSyncedAt: null,
      items: [...c.items],
      occurrences: [...c.occurrences],
    }));
    return JSON.stringify({
      calendars,
      appointments: [...this.data.appointments],
      links: [...this.data.links],
      outbox: [...this.data.outbox],
    });
  }

  // --- SyncStore -------------------------------------------------------------------------------

  async loadCalendarState(calendarId: string): Promise<CalendarSyncState> {
    const c = structuredClone(this.calendar(calendarId));
    return { calendarId, userId: c.userId, isPrimary: c.isPrimary, zone: c.zone, selfEmails: c.selfEmails, token: c.token };
  }

  /** Counts reads, so a test can see that an idle poll does not read the items. */
  savedItemReads = 0;

  async loadSavedItems(calendarId: string): Promise<SavedItem[]> {
    this.savedItemReads++;
    return [...structuredClone(this.calendar(calendarId)).items.values()];
  }

  async loadLinkedAppointments(userId: string, appointmentIds: readonly string[]): Promise<LinkedAppointment[]> {
    const out: LinkedAppointment[] = [];
    for (const id of new Set(appointmentIds)) {
      const a = this.data.appointments.get(id);
      if (a === undefined || !a.assignedUserIds.includes(userId)) continue;
      out.push(structuredClone({ appointment: toAppointmentForSync(a), link: this.data.links.get(linkKey(id, userId)) ?? null }));
    }
    return out;
  }

  async loadConfirmedAppointmentSpans(userId: string, ranges: readonly TimeRange[]): Promise<AppointmentSpan[]> {
    return [...this.data.appointments.values()]
      .filter((a) => a.status === 'confirmed' && a.assignedUserIds.includes(userId))
      .filter((a) => ranges.some((r) => a.start < r.end && r.start < a.end))
      .map((a) => ({ id: a.id, start: a.start, end: a.end }));
  }

  async applyInboundBatch(batch: InboundBatch): Promise<void> {
    this.transaction((d) => {
      const calendar = d.calendars.get(batch.calendarId);
      if (calendar === undefined) throw new Error(`no calendar ${batch.calendarId}`);
      const crashing = this.crashesIn('applyInboundBatch');
      batch.actions.forEach((action, index) => {
        if (crashing && index >= batch.actions.length / 2) this.crash();
        this.applyInboundAction(d, calendar, action);
      });
      if (crashing) this.crash();
      if (batch.token !== undefined) calendar.token = batch.token;
      if (batch.finish !== undefined) {
        calendar.lastSyncedAt = batch.finish.at;
        calendar.warning = batch.finish.warning;
      }
    });
  }

  async claimOutboxRows(options: { now: Date; limit: number; leaseMs: number }): Promise<OutboxRow[]> {
    return this.transaction((d) => {
      if (this.crashesIn('claimOutboxRows')) this.crash();
      const leased = (r: OutboxRecord): boolean => r.leaseUntil !== null && r.leaseUntil > options.now;
      // One writer per (appointment, user) at a time: their conditional writes would race each other.
      const busy = new Set(
        [...d.outbox.values()].filter((r) => r.status === 'pending' && leased(r)).map((r) => linkKey(r.appointmentId, r.userId)),
      );
      const due: OutboxRecord[] = [];
      for (const r of [...d.outbox.values()].sort((a, b) => a.seq - b.seq)) {
        if (due.length >= options.limit) break;
        const key = linkKey(r.appointmentId, r.userId);
        if (r.status !== 'pending' || r.notBefore > options.now || leased(r) || busy.has(key)) continue;
        busy.add(key);
        due.push(r);
      }
      for (const r of due) r.leaseUntil = new Date(options.now.getTime() + options.leaseMs);
      return due.map((r) => ({ id: r.id, appointmentId: r.appointmentId, userId: r.userId, op: r.op, attempt: r.attempt }));
    });
  }

  async loadOutboundTarget(row: OutboxRow): Promise<OutboundTarget> {
    const a = this.data.appointments.get(row.appointmentId);
    const primaryCalendarId = this.data.users.get(row.userId)?.primaryCalendarId ?? null;
    const link = this.data.links.get(linkKey(row.appointmentId, row.userId)) ?? null;
    const former = link !== null && link.calendarId !== primaryCalendarId ? link.calendarId : null;
    return structuredClone({
      appointment: a === undefined ? null : toAppointmentForSync(a),
      primaryCalendarId,
      link,
      formerCalendar:
        former === null
          ? null
          : {
              cannotDelete: !this.data.calendars.has(former)
                ? 'the former calendar is no longer connected'
                : this.readOnlyCalendars.has(former)
                  ? 'the former calendar is read-only'
                  : null,
            },
    });
  }

  async recordWriteIntent(link: RemoteLink): Promise<void> {
    this.transaction((d) => {
      if (this.crashesIn('recordWriteIntent')) this.crash();
      d.links.set(linkKey(link.appointmentId, link.userId), link);
    });
  }

  async finishOutboxRow(outcome: OutboxOutcome): Promise<void> {
    this.transaction((d) => {
      const row = d.outbox.get(outcome.row.id);
      if (row === undefined) throw new Error(`no outbox row ${outcome.row.id}`);
      if (outcome.remoteEdit !== undefined) this.applyRemoteEdit(d, outcome.remoteEdit);
      if (this.crashesIn('finishOutboxRow')) this.crash();
      const key = linkKey(outcome.row.appointmentId, outcome.row.userId);
      if (outcome.link === null) d.links.delete(key);
      else if (outcome.link !== undefined) d.links.set(key, outcome.link);
      for (const change of outcome.items ?? []) {
        const calendar = d.calendars.get(change.calendarId);
        if (calendar === undefined) continue;
        calendar.occurrences.delete(change.href);
        if (change.item === null) calendar.items.delete(change.href);
        else calendar.items.set(change.href, change.item);
      }
      row.leaseUntil = null;
      const result = outcome.result;
      if (result.status === 'done') row.status = 'done';
      else if (result.status === 'retry')
        Object.assign(row, { attempt: result.attempt, notBefore: result.notBefore, lastError: result.error });
      else Object.assign(row, { status: 'failed', attempt: result.attempt, lastError: result.error });
    });
  }

  // --- internals -------------------------------------------------------------------------------

  /** Runs `f` on a copy and keeps the copy only if `f` returns: all or nothing, like a database transaction. */
  private transaction<T>(f: (draft: StoreData) => T): T {
    const draft = structuredClone(this.data);
    const result = f(draft);
    this.data = draft;
    return result;
  }

  private crash(): never {
    this.armedCrash = null;
    throw new InjectedCrash('injected crash inside the store transaction');
  }

  private nextVersion(d: StoreData): string {
    return `v${d.nextVersion++}`;
  }

  private enqueue(d: StoreData, appointmentId: string, userId: string, op: 'upsert' | 'delete'): void {
    const seq = d.nextSeq++;
    d.outbox.set(`row-${seq}`, {
      id: `row-${seq}`,
      appointmentId,
      userId,
      op,
      attempt: 0,
      seq,
      status: 'pending',
      notBefore: new Date(0),
      leaseUntil: null,
      lastError: null,
    });
  }

  private applyInboundAction(d: StoreData, calendar: CalendarRecord, action: InboundAction): void {
    switch (action.type) {
      case 'UpdateAppointmentFromRemote': {
        const a = d.appointments.get(action.appointmentId);
        const link = d.links.get(linkKey(action.link.appointmentId, action.link.userId));
        if (
          a === undefined ||
          a.version !== action.expectedVersion ||
          a.status !== 'confirmed' ||
          link === undefined ||
          link.etag !== action.link.expectedEtag
        )
          return;
        this.applyRemoteEdit(d, action);
        this.applyLinkUpdate(d, action.link);
        break;
      }
      case 'MarkAppointmentRemovedRemotely': {
        const key = linkKey(action.appointmentId, action.userId);
        const link = d.links.get(key);
        if (link === undefined || link.etag !== action.expectedLinkEtag) return;
        d.links.set(key, { ...link, etag: null, removedRemotely: true });
        break;
      }
      case 'TrackAppointmentEvent':
        if (action.link !== null) this.applyLinkUpdate(d, action.link);
        break;
      // Item-only actions: nothing on the appointment side.
      case 'ImportItem':
      case 'UpdateImportedItem':
      case 'RemoveImportedItem':
      case 'ForgetItem':
      case 'RecordUnreadableItem':
      case 'RefuseEmptyCalendar':
      case 'SkipUnchanged':
        break;
    }
    const change = itemStateAfter(action, calendar.items.get('href' in action ? action.href : ''));
    if (change === undefined) return;
    if (change.item === null) calendar.items.delete(change.href);
    else calendar.items.set(change.href, change.item);
    if (action.type === 'ImportItem' || action.type === 'UpdateImportedItem')
      calendar.occurrences.set(action.href, unpackOccurrenceRows(action.occurrences));
    else if (action.type !== 'SkipUnchanged') calendar.occurrences.delete(change.href);
  }

  private applyLinkUpdate(d: StoreData, update: LinkUpdate): void {
    const key = linkKey(update.appointmentId, update.userId);
    const link = d.links.get(key);
    if (link === undefined || link.etag !== update.expectedEtag) return;
    d.links.set(key, { ...link, etag: update.etag, written: update.written, removedRemotely: false, createPending: false });
  }

  /** An iCloud edit the appointment follows; the other assigned users' copies must follow too. */
  private applyRemoteEdit(
    d: StoreData,
    edit: Pick<
      AppointmentRemoteEdit,
      'appointmentId' | 'userId' | 'expectedVersion' | 'start' | 'end' | 'title' | 'overlapFlagged' | 'overlapsWith'
    >,
  ): void {
    const a = d.appointments.get(edit.appointmentId);
    if (a === undefined || a.version !== edit.expectedVersion || a.status !== 'confirmed') return;
    d.appointments.set(a.id, {
      ...a,
      start: edit.start,
      end: edit.end,
      title: edit.title,
      overlapFlagged: edit.overlapFlagged,
      overlapsWith: edit.overlapsWith,
      remoteEdits: a.remoteEdits + 1,
      version: this.nextVersion(d),
    });
    for (const userId of a.assignedUserIds) if (userId !== edit.userId) this.enqueue(d, a.id, userId, 'upsert');
  }
}

function toAppointmentForSync(a: AppointmentRecord): AppointmentForSync {
  return {
    id: a.id,
    version: a.version,
    status: a.status,
    start: a.start,
    end: a.end,
    title: a.title,
    description: a.description,
    location: a.location,
    url: a.url,
    timezone: a.timezone,
    assignedUserIds: [...a.assignedUserIds],
    writesToCalendar: a.writesToCalendar,
  };
}

export function openRemotes(remotes: Record<string, InMemoryRemoteCalendar>): (calendarId: string) => Promise<RemoteCalendar> {
  return async (calendarId) => {
    const remote = remotes[calendarId];
    if (remote === undefined) throw new Error(`no remote calendar ${calendarId}`);
    return remote;
  };
}

// ---------------------------------------------------------------------------------------------
// Events a person makes in iCloud, for tests
// ---------------------------------------------------------------------------------------------

const utc = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');

/** A one-event VCALENDAR in UTC, as a person's iCloud event in tests. */
export function simpleEvent(e: {
  uid: string;
  start: Date;
  end: Date;
  summary: string;
  transparent?: boolean;
  status?: string;
  sequence?: number;
}): string {
  return [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//Tandem tests//EN',
    'BEGIN:VEVENT',
    `UID:${e.uid}`,
    `DTSTAMP:${utc(new Date())}`,
    `DTSTART:${utc(e.start)}`,
    `DTEND:${utc(e.end)}`,
    `SUMMARY:${e.summary}`,
    ...(e.sequence === undefined ? [] : [`SEQUENCE:${e.sequence}`]),
    ...(e.transparent ? ['TRANSP:TRANSPARENT'] : []),
    ...(e.status ? [`STATUS:${e.status}`] : []),
    'END:VEVENT',
    'END:VCALENDAR',
    '',
  ].join('\r\n');
}
