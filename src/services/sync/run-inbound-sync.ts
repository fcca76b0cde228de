import { appointmentIdFromUid } from '../../domain/sync/appointment-uid.ts';
import { applyToSavedItems, type InboundAction, type InboundActionType } from '../../domain/sync/inbound-actions.ts';
import { diffCompleteListing, hrefsToFetch, type ListedItem } from '../../domain/sync/listing-diff.ts';
import { planInbound, type FetchedItem } from '../../domain/sync/plan-inbound.ts';
import { expansionSpan, type SyncWindow } from '../../domain/sync/sync-window.ts';
import type { ItemProblem, SavedItem, TimeRange } from '../../domain/sync/types.ts';
import { inThreadItemParser, type ItemParser, type RemoteObject } from './item-parser.ts';
import type { CalendarSyncState, CalendarWarning, EventCodec, RemoteCalendar, SyncStore } from '../../domain/sync/ports.ts';
import { traceImport } from '../../observability/import-trace.ts';
import { RemoteSyncTokenInvalid } from './remote-errors.ts';
import { DEFAULT_SYNC_LIMITS, type SyncLimits } from './sync-limits.ts';

/**
 * Inbound sync of one remote calendar (DESIGN §3): sync-collection from the saved token → multiget
 * the changed objects in batches → plan (pure) → apply each batch in one transaction, the new token
 * with the last one. A token the server refuses falls back to a complete listing; a truncated answer
 * (507) is applied and continued from the returned token, a bounded number of pages per run.
 *
 * Remote errors other than a refused token propagate: the caller records them on the calendar and
 * retries later (nothing was applied past the last committed batch, so nothing is lost).
 */

export interface InboundSyncOptions {
  calendarId: string;
  /** The window imported events must cover (defaultSyncWindow(now): 30 days back, 400 ahead). */
  window: SyncWindow;
  now: Date;
  /**
   * `incremental` (default): from the sync token. `full`: the daily reconciliation — a complete etag
   * listing (independent of the token machinery), re-expanding items whose occurrences no longer
   * cover the window; the token is kept.
   */
  mode?: 'incremental' | 'full';
  /** The user confirmed the calendar really is empty (answering the warning): let it empty. Default: the calendar's own allowEmptyOnce. */
  allowEmpty?: boolean;
  /** Objects per transaction. */
  batchSize?: number;
  /** Batches downloaded in one calendar-multiget request (default 5: 500 objects). */
  batchesPerRequest?: number;
  /**
   * Objects per transaction while the calendar holds nothing yet (its first import), after a first
   * transaction of `batchSize` (so progress shows early); default `batchSize`. Every item of a first
   * import is new and nothing else is kept in step with it, so a larger transaction costs no safety
   * — a crash still loses at most one transaction, and the listing (its token stored only with the
   * last batch) starts again — while each transaction has a fixed cost: BEGIN/COMMIT, the
   * calendar's row lock, a progress write, a hand-off to the parse threads (decision 0017, third
   * round). Requests stay `batchSize × batchesPerRequest` objects.
   */
  firstImportBatchSize?: number;
  /** sync-collection pages per run; the next run continues from the saved token. */
  maxPages?: number;
  /** How far past the window events are expanded, so they need re-expanding only monthly. */
  expansionHeadroomDays?: number;
  /**
   * Called after each applied batch with the objects fetched so far of those this run must fetch:
   * a first import of a large calendar shows "1,200 of 5,000 events imported".
   */
  onProgress?: (progress: { done: number; total: number }) => Promise<void> | void;
}

export interface InboundSyncDeps {
  store: SyncStore;
  remote: RemoteCalendar;
  codec: EventCodec;
  /** The caps (sync-limits.ts); defaults when absent. */
  limits?: SyncLimits;
  /** Where objects are parsed (item-parser.ts): default in this thread, yielding between objects. */
  parser?: ItemParser;
}

export interface InboundSyncReport {
  calendarId: string;
  /** incremental: from a token; listing: initial sync-collection (no token, or refused); full: etag listing. */
  path: 'incremental' | 'listing' | 'full';
  tokenRefused: boolean;
  pages: number;
  fetched: number;
  counts: Partial<Record<InboundActionType, number>>;
  /**
   * The sync log: one line per action worth a look — every action but the routine ones (an event
   * imported, updated or unchanged without a problem; `counts` has those) — at most LOG_LINES of them.
   * A first import of 5,000 events kept 5,000 lines (~0.9 KiB each with the run's other per-event
   * state, decision 0020) that nobody reads; its problem items, deletions and appointment changes
   * are what a user or operator looks for.
   */
  log: { type: InboundActionType; href: string | null; reason: string }[];
  /** Lines worth a look beyond LOG_LINES, counted only. */
  logOmitted: number;
  refusedEmpty: boolean;
  /** false when the page bound stopped the run early; the next run continues. */
  complete: boolean;
  /** The run went by the calendar's stored allowEmptyOnce, which is spent once the run has ended. */
  allowEmptySpent: boolean;
}

type ChunkOutcome = 'applied' | 'refused' | 'verify';

interface ChunkOptions {
  /** undefined keeps the saved token. */
  token: string | null | undefined;
  finish: boolean;
  /** Incremental answers are partial: a "now empty" verdict is checked against a full listing first. */
  verifyEmpty: boolean;
}

export async function runInboundSync(deps: InboundSyncDeps, options: InboundSyncOptions): Promise<InboundSyncReport> {
  const state = await deps.store.loadCalendarState(options.calendarId);
  const run = new InboundRun(deps, options, state);
  return run.execute();
}

class InboundRun {
  /** The saved per-item status, read on first need: an idle poll never reads it. */
  private savedItems: Map<string, SavedItem> | null = null;
  /**
   * Whether applied batches are recorded in `saved`. Not for the last batches of a first import
   * (see initialListing): nothing reads what they record, and it was the largest part of the run's
   * state that grew with the calendar (decision 0020, eighth session).
   */
  private recordSaved = true;
  private readonly span: SyncWindow;
  private readonly batchSize: number;
  private readonly batchesPerRequest: number;
  /** Set by the initial listing of a calendar that holds nothing: its transactions may be larger. */
  private firstImport = false;
  private readonly maxPages: number;
  private readonly limits: SyncLimits;
  private readonly parse: ItemParser;
  /** New objects not fetched this run because the calendar holds SYNC_MAX_ITEMS_PER_CALENDAR already. */
  private overLimit = 0;
  private listed = 0;
  readonly report: InboundSyncReport;

  constructor(
    private readonly deps: InboundSyncDeps,
    private readonly options: InboundSyncOptions,
    private readonly state: CalendarSyncState,
  ) {
    this.span = expansionSpan(options.window, options.expansionHeadroomDays ?? 30);
    this.batchSize = Math.max(1, options.batchSize ?? 100);
    this.batchesPerRequest = Math.max(1, options.batchesPerRequest ?? 5);
    this.maxPages = Math.max(1, options.maxPages ?? 20);
    this.limits = deps.limits ?? DEFAULT_SYNC_LIMITS;
    this.parse = deps.parser ?? inThreadItemParser(deps.codec);
    this.report = {
      calendarId: options.calendarId,
      path: 'incremental',
      tokenRefused: false,
      pages: 0,
      fetched: 0,
      counts: {},
      log: [],
      logOmitted: 0,
      refusedEmpty: false,
      complete: true,
      allowEmptySpent: options.allowEmpty === undefined && state.allowEmptyOnce === true,
    };
  }

  private get saved(): Map<string, SavedItem> {
    if (this.savedItems === null) throw new Error('saved items read before loadSaved()');
    return this.savedItems;
  }

  private async loadSaved(): Promise<Map<string, SavedItem>> {
    if (this.savedItems === null) {
      const items = await this.deps.store.loadSavedItems(this.options.calendarId);
      this.savedItems = new Map(items.map((item) => [item.href, item]));
    }
    return this.savedItems;
  }

  async execute(): Promise<InboundSyncReport> {
    if (this.state.token === null) {
      // A calendar never synced (or whose token was dropped): sync-collection without a token is
      // itself a complete listing, cheaper than an etag PROPFIND and ending with a token, so the
      // next poll is incremental. This stands in for the full reconciliation too (mode 'full').
      await this.initialListing();
    } else if (this.options.mode === 'full') {
      this.report.path = 'full';
      await this.reconcileListing(await this.deps.remote.listEtags(), { token: undefined, finish: true, refreshStale: true });
    } else {
      await this.incremental(this.state.token);
    }
    return this.report;
  }

  private async incremental(savedToken: string): Promise<void> {
    let token = savedToken;
    for (let page = 1; page <= this.maxPages; page++) {
      let answer;
      try {
        answer = await this.deps.remote.syncCollection(token);
      } catch (error) {
        if (!(error instanceof RemoteSyncTokenInvalid)) throw error;
        this.report.tokenRefused = true;
        await this.initialListing();
        return;
      }
      this.report.pages++;
      const last = !answer.truncated || page === this.maxPages;
      if (answer.changed.length === 0 && answer.deleted.length === 0) {
        // Nothing changed: save the new token (and the finish stamp) without reading any item.
        await this.deps.store.applyInboundBatch({
          calendarId: this.state.calendarId,
          actions: [],
          token: answer.token,
          ...(last ? { finish: { at: this.options.now, warning: null } } : {}),
        });
        token = answer.token;
        if (!answer.truncated) return;
        continue;
      }
      await this.loadSaved();
      const chunk = { token: answer.token, finish: last, verifyEmpty: true };
      let outcome = await this.processInChunks(hrefsToFetch(this.saved, answer.changed), answer.deleted, chunk);
      if (outcome === 'verify') {
        // A partial answer says "everything is gone": believe only a complete listing.
        outcome = await this.reconcileListing(await this.deps.remote.listEtags(), {
          token: answer.token,
          finish: last,
          refreshStale: false,
        });
      }
      if (outcome === 'refused') return;
      token = answer.token;
      if (!answer.truncated) return;
    }
    this.report.complete = false;
  }

  /**
   * sync-collection without a token lists every member; deletions are what we hold and it did not
   * list, known only after the last page. Until then the token stays unset, so a run stopped early
   * (page bound, crash) starts the listing again rather than continuing without noticing deletions.
   */
  private async initialListing(): Promise<void> {
    try {
      await this.listAndFetch();
    } finally {
      // What a listing with data left on disk goes with the run, however the run ends.
      this.deps.remote.releaseListing?.();
    }
  }

  private async listAndFetch(): Promise<void> {
    this.report.path = 'listing';
    await this.loadSaved();
    this.firstImport = this.saved.size === 0;
    // Every listed object is to be parsed: start the thread that parses them while the server
    // answers the listing.
    if (this.firstImport) this.parse.warm?.();
    const seen = new Set<string>();
    let token: string | null = null;
    // A first import fetches every member next: its objects come with the listing (one request
    // instead of a listing and then multigets, decision 0017, tenth session).
    const listingOptions = this.firstImport ? { withData: true } : undefined;
    for (let page = 1; page <= this.maxPages; page++) {
      let answer;
      try {
        answer = await this.deps.remote.syncCollection(token, listingOptions);
      } catch (error) {
        if (!(error instanceof RemoteSyncTokenInvalid) || token !== null) throw error;
        // Even the initial sync is refused: compare a plain etag listing, and stay without a token.
        this.report.path = 'full';
        await this.reconcileListing(await this.deps.remote.listEtags(), { token: null, finish: true, refreshStale: false });
        return;
      }
      this.report.pages++;
      // The last page of a listing while nothing is held (a first import's only page): nothing can
      // be deleted, so what was listed need not be remembered, and the hrefs to fetch are distinct
      // (hrefsToFetch) and new, so no batch of this last call plans against one recorded by another
      // — the run ends after it. Neither the listed hrefs nor the saved status need grow with the calendar.
      const lastWithNothingHeld = !answer.truncated && this.saved.size === 0;
      if (!lastWithNothingHeld) {
        for (const entry of answer.changed) seen.add(entry.href);
        for (const href of answer.deleted) seen.delete(href);
      }
      const toFetch = hrefsToFetch(this.saved, answer.changed);
      if (!answer.truncated) {
        const deleted = [...this.saved.keys()].filter((href) => !seen.has(href));
        this.recordSaved = !lastWithNothingHeld;
        const listingToken = answer.token;
        // Let the listing's entries (an object and an etag per member) go while the batches are
        // fetched: toFetch keeps the hrefs.
        answer = undefined;
        await this.processInChunks(toFetch, deleted, { token: listingToken, finish: true, verifyEmpty: false });
        return;
      }
      const stopping = page === this.maxPages;
      await this.processInChunks(toFetch, [], { token: null, finish: stopping, verifyEmpty: false });
      token = answer.token;
    }
    this.report.complete = false;
  }

  private async reconcileListing(
    listing: readonly ListedItem[],
    options: { token: string | null | undefined; finish: boolean; refreshStale: boolean },
  ): Promise<ChunkOutcome> {
    await this.loadSaved();
    const diff = diffCompleteListing(this.saved, listing, options.refreshStale ? { refreshStale: this.options.window } : {});
    return this.processInChunks(diff.toFetch, diff.deleted, { token: options.token, finish: options.finish, verifyEmpty: false });
  }

  /**
   * Multiget batches; each is planned and applied on its own (one transaction); deletions, token and
   * finish go with the last. Several batches are downloaded in one request: a server's cost per
   * multiget grows with the size of the collection (Radicale, 5,000 events: 2,000 objects took
   * 3.0–4.7 s in requests of 100, 1.7–1.9 s in requests of 1,000; decision 0017), while the
   * transactions stay small. A first import's transactions are larger (firstImportBatchSize), all
   * but its very first, which is also its first request alone, so the calendar shows progress early.
   *
   * Three stages overlap: requests download one after the other, each sent as soon as the server
   * has sent its answer to the one before (before this side reads it); batches are parsed (on the
   * parse threads) up to PARSE_AHEAD ahead of the one being planned and applied. Parsing two ahead keeps both the parse thread and the store busy
   * when their times per batch alternate (decision 0017, fifth round). What is held at once is
   * bounded by the batch sizes, whatever the calendar's size: the batch being stored, PARSE_AHEAD
   * parsed or being parsed, and the requests they come from plus the one downloading.
   */
  private async processInChunks(allToFetch: readonly string[], deleted: readonly string[], options: ChunkOptions): Promise<ChunkOutcome> {
    const toFetch = this.withinItemLimit(allToFetch, deleted);
    const requestSize = this.batchSize * this.batchesPerRequest;
    const groups: string[][] = [];
    for (let i = 0; i < toFetch.length;) {
      // A first import's first request holds its first batch only: that batch is parsed and stored
      // as soon as its own objects are read, not after those of the next four (40 ms sooner for
      // 5,000 events read from the listing, decision 0017, twelfth session).
      const size = i === 0 && this.firstImport ? this.transactionSize(true) : requestSize;
      groups.push(toFetch.slice(i, i + size));
      i += size;
    }
    // Each batch lies within one request, so it waits for that request only.
    const chunks: Chunk[] = [];
    groups.forEach((hrefs, group) => {
      for (let i = 0; i < hrefs.length;) {
        const size = this.transactionSize(group === 0 && i === 0);
        chunks.push({ hrefs: hrefs.slice(i, i + size), group });
        i += size;
      }
    });
    if (chunks.length === 0) chunks.push({ hrefs: [], group: null });
    const total = toFetch.length;
    // Read-only, so fetching ahead is safe. Requests are queued up to DOWNLOAD_AHEAD past the batch
    // being stored; the first goes out alone, then up to AT_SERVER at once, each as soon as the server
    // has sent its answer to the one AT_SERVER before — before that answer is read — so the server
    // always has the next one to answer while this side reads, parses and stores.
    const requests = new Map<number, Promise<readonly MultigetAnswer[]>>();
    // Settle when the server has sent each request's answer (or it failed, or it was never sent).
    const receivedAt: Promise<void>[] = [];
    // Set when this call returns or throws (a failed store, a shutdown): requests still queued are not sent.
    let ended = false;
    let failed = false;
    let queued = 0;
    const downloadUpTo = (last: number): void => {
      for (; queued <= Math.min(last, groups.length - 1); queued++) {
        const group = queued;
        let received!: () => void;
        const receivedNow = new Promise<void>((resolve) => (received = resolve));
        // A request after a failed one is not sent: the failure surfaces from its own batch first.
        // The first request alone, so its answer (the first batch to parse) is not shared with another.
        const after = group === 0 ? Promise.resolve() : receivedAt[Math.max(0, group - AT_SERVER)]!;
        const answers = after.then(() => {
          if (ended) throw new Error('the sync run ended before this request was sent');
          if (failed) throw new Error('an earlier request of this sync run failed');
          return this.deps.remote.multiget(groups[group]!, { onReceived: received });
        });
        // A remote that does not say when its answer arrived: the next request waits for this one's
        // end. Handling the rejection here also keeps a request whose batches are never reached (a
        // failure before) from surfacing as an unhandled rejection.
        answers.then(received, () => {
          failed = true;
          received();
        });
        requests.set(group, answers);
        receivedAt.push(receivedNow);
      }
    };
    const parse = async (index: number): Promise<ParsedChunk> => {
      const { hrefs, group } = chunks[index]!;
      if (group === null) return this.parseChunk(hrefs, []);
      downloadUpTo(group);
      const answered = await requests.get(group)!;
      // The request's last batch: its answers are not held any longer.
      if (chunks[index + 1]?.group !== group) requests.delete(group);
      traceImport(`parse asked ${index} ${hrefs.length}`);
      const parsed = await this.parseChunk(hrefs, answered);
      traceImport(`parse done ${index}`);
      return parsed;
    };
    // Batches being parsed or parsed, by index; each is dropped once taken, so what is held stays bounded.
    const parsing = new Map<number, Promise<ParsedChunk>>();
    let started = 0;
    const parseUpTo = (last: number): void => {
      for (; started <= Math.min(last, chunks.length - 1); started++) {
        const parsed = parse(started);
        // Parsed ahead: a failure surfaces when its batch is reached, not as an unhandled rejection.
        parsed.catch(() => undefined);
        parsing.set(started, parsed);
      }
    };
    try {
      let done = 0;
      for (let index = 0; ; index++) {
        const group = chunks[index]!.group;
        if (group !== null) downloadUpTo(group + DOWNLOAD_AHEAD);
        parseUpTo(index);
        const parsed = await parsing.get(index)!;
        parsing.delete(index);
        traceImport(`store start ${index}`);
        if (index === chunks.length - 1) {
          const outcome = await this.applyChunk(parsed, deleted, options);
          traceImport(`store done ${index} last`);
          await this.options.onProgress?.({ done: total, total });
          return outcome;
        }
        parseUpTo(index + PARSE_AHEAD);
        await this.applyChunk(parsed, [], { token: undefined, finish: false, verifyEmpty: false });
        traceImport(`store done ${index}`);
        done += chunks[index]!.hrefs.length;
        await this.options.onProgress?.({ done, total });
      }
    } finally {
      ended = true;
    }
  }

  /** Objects per transaction: batchSize, but on a first import firstImportBatchSize after its first batch. */
  private transactionSize(firstBatch: boolean): number {
    if (!this.firstImport || firstBatch) return this.batchSize;
    return Math.max(1, this.options.firstImportBatchSize ?? this.batchSize);
  }

  /**
   * Objects we hold are always fetched when they change; new ones only while the calendar stays
   * within SYNC_MAX_ITEMS_PER_CALENDAR. The rest are counted and reported on the calendar (a
   * 300,000-item listing costs one listing, not 300,000 imports); the daily full listing finds them again.
   */
  private withinItemLimit(toFetch: readonly string[], deleted: readonly string[]): readonly string[] {
    const held = this.saved.size - deleted.filter((href) => this.saved.has(href)).length;
    let room = this.limits.maxItemsPerCalendar - held;
    const kept: string[] = [];
    let skipped = 0;
    for (const href of toFetch) {
      if (this.saved.has(href)) kept.push(href);
      else if (room > 0) {
        kept.push(href);
        room--;
      } else skipped++;
    }
    this.overLimit += skipped;
    this.listed = Math.max(this.listed, held + toFetch.filter((href) => !this.saved.has(href)).length);
    return skipped === 0 ? toFetch : kept;
  }

  /** For the finish stamp: set when over the limit, cleared by a complete listing within it, else kept. */
  private limitProblem(): ItemProblem | null | undefined {
    if (this.overLimit > 0) {
      const max = this.limits.maxItemsPerCalendar;
      return {
        code: 'calendar_too_many_items',
        message: `this calendar lists at least ${this.listed.toLocaleString('en-US')} events; Tandem imports at most ${max.toLocaleString('en-US')} per calendar (SYNC_MAX_ITEMS_PER_CALENDAR): ${this.overLimit.toLocaleString('en-US')} were not imported and block no time`,
      };
    }
    return this.report.path === 'incremental' ? undefined : null;
  }

  /** A batch's objects parsed and expanded; hrefs the multiget did not answer are gone (deleted meanwhile). */
  private async parseChunk(hrefs: readonly string[], answers: readonly MultigetAnswer[]): Promise<ParsedChunk> {
    const missing: string[] = [];
    if (hrefs.length === 0) return { fetched: [], missing };
    const byHref = new Map(answers.map((a) => [a.href, a]));
    const objects: RemoteObject[] = [];
    for (const href of hrefs) {
      const answer = byHref.get(href);
      // Gone between the listing and the multiget: a deletion like any other.
      if (answer === undefined || answer.ics === null) {
        missing.push(href);
        continue;
      }
      objects.push({ href, etag: answer.etag, ics: answer.ics });
    }
    const fetched = await this.parse(objects, {
      span: this.span,
      zone: this.state.zone,
      selfEmails: this.state.selfEmails,
      limits: this.limits,
    });
    return { fetched, missing };
  }

  private async applyChunk(parsed: ParsedChunk, deletedHrefs: readonly string[], options: ChunkOptions): Promise<ChunkOutcome> {
    const { store } = this.deps;
    const { fetched } = parsed;
    const deleted = [...deletedHrefs, ...parsed.missing];
    this.report.fetched += fetched.length;

    const appointmentIds = new Set<string>();
    for (const item of fetched) addAppointmentId(appointmentIds, item.uid);
    for (const href of deleted) addAppointmentId(appointmentIds, this.saved.get(href)?.uid ?? null);
    const linked = appointmentIds.size === 0 ? [] : await store.loadLinkedAppointments(this.state.userId, [...appointmentIds]);
    const appointments = new Map(linked.map((entry) => [entry.appointment.id, entry]));

    const ranges: TimeRange[] = [];
    if (this.state.isPrimary) {
      for (const item of fetched) {
        const id = appointmentIdFromUid(item.uid);
        if (id !== null && appointments.has(id) && item.content.ok && item.content.event) ranges.push(item.content.event);
      }
    }
    const otherAppointments = ranges.length === 0 ? [] : await store.loadConfirmedAppointmentSpans(this.state.userId, ranges);

    const actions = planInbound({
      calendar: { id: this.state.calendarId, userId: this.state.userId, isPrimary: this.state.isPrimary },
      saved: this.saved,
      fetched,
      deleted,
      appointments,
      otherAppointments,
      window: this.options.window,
      allowEmpty: this.options.allowEmpty ?? this.state.allowEmptyOnce ?? false,
    });

    const refusal = actions.find((a) => a.type === 'RefuseEmptyCalendar');
    if (refusal !== undefined) {
      if (options.verifyEmpty) return 'verify';
      const warning: CalendarWarning = { code: 'empty_calendar_refused', heldItems: refusal.heldItems, message: refusal.reason };
      // The token stays where it was: the deletions are reported again until the calendar refills or the user confirms.
      await store.applyInboundBatch({ calendarId: this.state.calendarId, actions, finish: { at: this.options.now, warning } });
      this.record(actions);
      this.report.refusedEmpty = true;
      return 'refused';
    }

    await store.applyInboundBatch({
      calendarId: this.state.calendarId,
      actions,
      ...(options.token === undefined ? {} : { token: options.token }),
      ...(options.finish ? { finish: { at: this.options.now, warning: null, limit: this.limitProblem() } } : {}),
    });
    if (this.recordSaved) applyToSavedItems(this.saved, actions);
    this.record(actions);
    return 'applied';
  }

  private record(actions: readonly InboundAction[]): void {
    for (const action of actions) {
      this.report.counts[action.type] = (this.report.counts[action.type] ?? 0) + 1;
      if (isRoutine(action)) continue;
      if (this.report.log.length < LOG_LINES)
        this.report.log.push({ type: action.type, href: 'href' in action ? action.href : null, reason: action.reason });
      else this.report.logOmitted++;
    }
  }
}

/**
 * Batches parsed ahead of the one being stored. One ahead left the parse thread idle whenever a
 * batch's store took longer than the next batch's parse, and the store idle in the opposite case;
 * two ahead keep both busy. More would only hold more memory.
 */
const PARSE_AHEAD = 2;

/**
 * Multiget requests queued past the one whose batches are being stored (500 objects each, ~0.6 MB
 * of text for the bench calendar), so the server is never left waiting for this side to read, parse
 * and store — on a loaded machine its answers were the slowest stage — while what is held stays
 * bounded.
 */
const DOWNLOAD_AHEAD = 3;

/**
 * Requests at the server at once, after the first. One at a time left the server idle whenever its
 * answer came while this side's event loop was held: with the embedded PGlite a batch's store holds
 * it for 50–90 ms, and the next request went out only when the loop saw the answer's end — the
 * server waited between requests about as long as this side stored (decision 0017, ninth session).
 * With a second request queued there, the server goes on to it by itself. Radicale answers two at
 * once interleaved, with the same CPU as one after the other (10 requests of 500: 530–550 ms either
 * way); the first request still goes alone, so the first batch to parse is not slowed by a second.
 */
const AT_SERVER = 2;

/** Lines a run's log keeps at most: enough to show what went wrong, bounded whatever the calendar's size. */
export const LOG_LINES = 200;

/** An event imported, updated or found unchanged without a problem: counted, not logged. */
function isRoutine(action: InboundAction): boolean {
  switch (action.type) {
    case 'SkipUnchanged':
      return true;
    case 'ImportItem':
    case 'UpdateImportedItem':
      return (action.problem ?? null) === null;
    case 'RemoveImportedItem':
    case 'ForgetItem':
    case 'RecordUnreadableItem':
    case 'RefuseEmptyCalendar':
    case 'TrackAppointmentEvent':
    case 'UpdateAppointmentFromRemote':
    case 'MarkAppointmentRemovedRemotely':
      return false;
  }
}

type MultigetAnswer = { href: string; etag: string | null; ics: string | null };

/** The hrefs of one transaction, and the request (index) that downloads them; null for a batch with nothing to fetch. */
interface Chunk {
  hrefs: string[];
  group: number | null;
}

interface ParsedChunk {
  fetched: FetchedItem[];
  /** Listed but not answered by the multiget. */
  missing: string[];
}

function addAppointmentId(ids: Set<string>, uid: string | null): void {
  const id = appointmentIdFromUid(uid);
  if (id !== null) ids.add(id);
}
