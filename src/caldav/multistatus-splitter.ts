/**
 * Finds the root element and each child of the root in an XML body that arrives in pieces, as byte
 * offsets, without building anything: a listing that carries every object's calendar-data (a first
 * import, sync-collection.ts) is megabytes long, and it is read a group of members at a time
 * (listing-spool.ts) so that no thread ever holds all of it.
 *
 * It works on bytes: every character the scan looks for (`<`, `>`, quotes, `?`, `!`, `-`, `]`, `/`)
 * is ASCII, and no byte of a multi-byte UTF-8 sequence is ASCII, so offsets are byte offsets of the
 * body and nothing is decoded. It recognises what can hide a `<` or `>` — comments, CDATA sections,
 * processing instructions, quoted attribute values — and refuses DOCTYPE and other declarations, as
 * the reader (xml.ts) does. What the elements mean (namespaces included) is left to that reader:
 * each group of children is read as a document of its own, wrapped in the root's start and end tags.
 *
 * A state machine over the pieces as they come: nothing but the root's start tag and the name of the
 * tag being read is kept from one piece to the next, so a member that arrives in many pieces is
 * scanned once, in time linear in its size, whatever a server sends.
 *
 * It also says where each calendar-data element's content is when that content is text alone
 * (onDataText): the listing's reading skips those bytes, which are nearly all of a first import's
 * listing (sync-collection.ts, textWithoutData).
 */
import { CalDavError } from './errors.ts';

export interface SplitChild {
  /** Offset of the child's `<`, from the start of the body. */
  start: number;
  /** Offset just past the child's last `>`. */
  end: number;
  /** Its local name (the part after a prefix), e.g. `response` or `sync-token`. */
  localName: string;
}

export interface SplitterEvents {
  /** The root's start tag, as written (its namespace declarations are in it), and its qualified name. */
  onRoot(startTag: Uint8Array, qualifiedName: string): void;
  onChild(child: SplitChild): void;
  /**
   * The content [start, end) of an element named `calendar-data` (any prefix) inside a child, when
   * it is text alone — no element, comment, CDATA section or instruction in it. Reported before
   * the child it is in.
   */
  onDataText?(start: number, end: number): void;
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const DQUOTE = 0x22;
const SQUOTE = 0x27;

/** Longer element names are refused (no WebDAV name comes near). */
const MAX_NAME_BYTES = 1024;

type State =
  /** Between tags: looking for `<`. */
  | 'text'
  /** Just after `<`. */
  | 'lt'
  /** After `<!`: deciding between a comment, a CDATA section and a (refused) declaration. */
  | 'bang'
  /** In a comment, CDATA section or processing instruction: looking for its end marker. */
  | 'skip'
  /** In an end tag: looking for `>`. */
  | 'end-tag'
  /** In a start tag's name. */
  | 'name'
  /** In a start tag after its name: looking for `>` outside quotes. */
  | 'attributes';

export class MultistatusSplitter {
  /** Bytes of the body before the current piece. */
  private base = 0;
  private state: State = 'text';
  /** Absolute offset of the `<` of the construct being read. */
  private tagStart = 0;
  /** The bytes after `<!` seen so far, the end marker being looked for and how much of it matched. */
  private bang = '';
  private marker = '';
  private matched = 0;
  private name: number[] = [];
  private quote = 0;
  private lastByte = 0;
  /** The root's start tag, kept while it is read (it may come in pieces). */
  private rootTag: Uint8Array[] | null = null;
  private depth = 0;
  private childStart = -1;
  private childName = '';
  private done = false;
  /** The depth of the open `calendar-data` element whose content is watched (-1: none), where its content starts, and whether it is text alone so far. */
  private dataDepth = -1;
  private dataStart = 0;
  private dataPure = false;

  constructor(
    private readonly events: SplitterEvents,
    private readonly url: string,
    /** A single child (one member of the listing), or the root's start tag, larger than this is refused. */
    private readonly maxChildBytes: number,
  ) {}

  push(chunk: Uint8Array): void {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let i = 0;
    while (i < buf.length && !this.done) i = this.step(buf, i);
    if (this.rootTag !== null && this.state !== 'text') this.rootTag.push(buf.subarray(Math.max(0, this.tagStart - this.base)));
    this.base += buf.length;
    const open = this.childStart >= 0 ? this.base - this.childStart : this.state === 'text' ? 0 : this.base - this.tagStart;
    if (open > this.maxChildBytes) throw this.invalid(`a member of the answer is larger than ${this.maxChildBytes} bytes`);
  }

  /** The body has ended: it must have closed its root. */
  end(): void {
    if (!this.done) throw this.invalid('the answer ended before its root element was closed');
  }

  private invalid(message: string): CalDavError {
    return new CalDavError({ kind: 'invalid_response', url: this.url, message });
  }

  /** Reads from `i` in the current state; returns where to go on. */
  private step(buf: Buffer, i: number): number {
    switch (this.state) {
      case 'text': {
        const lt = buf.indexOf(LT, i);
        if (lt < 0) return buf.length;
        this.tagStart = this.base + lt;
        this.state = 'lt';
        if (this.depth === 0) this.rootTag = [];
        return lt + 1;
      }
      case 'lt': {
        const byte = buf[i]!;
        // Anything but the end tag inside a watched calendar-data makes its content more than text.
        if (byte !== SLASH) this.dataPure = false;
        if (byte === QUESTION) this.skipUntil('?>');
        else if (byte === BANG) {
          this.state = 'bang';
          this.bang = '';
        } else if (byte === SLASH) this.state = 'end-tag';
        else {
          this.state = 'name';
          this.name = [byte];
          this.lastByte = byte;
        }
        if (this.state !== 'name') this.rootTag = null;
        return i + 1;
      }
      case 'bang': {
        this.bang += String.fromCharCode(buf[i]!);
        if (this.bang === '--') this.skipUntil('-->');
        else if (this.bang === '[CDATA[') this.skipUntil(']]>');
        else if (!'--'.startsWith(this.bang) && !'[CDATA['.startsWith(this.bang)) {
          throw this.invalid('XML declarations (DOCTYPE, ENTITY) are not accepted');
        }
        return i + 1;
      }
      case 'skip':
        return this.skip(buf, i);
      case 'end-tag': {
        const gt = buf.indexOf(GT, i);
        if (gt < 0) return buf.length;
        this.state = 'text';
        this.closeElement(this.base + gt + 1);
        return gt + 1;
      }
      case 'name': {
        for (; i < buf.length; i++) {
          const byte = buf[i]!;
          if (byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === SLASH || byte === GT) {
            this.state = 'attributes';
            this.quote = 0;
            return i;
          }
          if (byte === LT) throw this.invalid('a "<" inside a tag');
          this.name.push(byte);
          this.lastByte = byte;
          if (this.name.length > MAX_NAME_BYTES) throw this.invalid('an element name longer than any WebDAV name');
        }
        return i;
      }
      case 'attributes': {
        for (; i < buf.length; i++) {
          const byte = buf[i]!;
          if (this.quote !== 0) {
            if (byte === this.quote) this.quote = 0;
          } else if (byte === DQUOTE || byte === SQUOTE) {
            this.quote = byte;
          } else if (byte === GT) {
            this.state = 'text';
            this.openElement(buf, i);
            return i + 1;
          } else if (byte === LT) {
            throw this.invalid('a "<" inside a tag');
          }
          this.lastByte = byte;
        }
        return i;
      }
    }
  }

  private skipUntil(marker: string): void {
    this.state = 'skip';
    this.marker = marker;
    this.matched = 0;
  }

  /** Looks for the end marker (`?>`, `-->`, `]]>`), which may be cut between pieces. */
  private skip(buf: Buffer, from: number): number {
    const first = this.marker.charCodeAt(0);
    let i = from;
    while (i < buf.length) {
      if (this.matched === 0) {
        const next = buf.indexOf(first, i);
        if (next < 0) return buf.length;
        this.matched = 1;
        i = next + 1;
        continue;
      }
      const byte = buf[i]!;
      if (byte === this.marker.charCodeAt(this.matched)) {
        this.matched++;
        if (this.matched === this.marker.length) {
          this.state = 'text';
          this.rootTag = null;
          return i + 1;
        }
      } else if (byte === first) {
        // `--->` and `]]]>` end their sections too: the last two bytes still begin the marker.
        this.matched = this.marker.length === 3 && this.matched === 2 ? 2 : 1;
      } else {
        this.matched = 0;
      }
      i++;
    }
    return i;
  }

  private openElement(buf: Buffer, gt: number): void {
    const selfClosing = this.lastByte === SLASH;
    const qualifiedName = Buffer.from(this.name).toString('latin1');
    const end = this.base + gt + 1;
    if (this.depth === 0) {
      const parts = this.rootTag ?? [];
      parts.push(buf.subarray(Math.max(0, this.tagStart - this.base), gt + 1));
      this.rootTag = null;
      this.events.onRoot(Buffer.concat(parts), qualifiedName);
      if (selfClosing) this.done = true;
      else this.depth = 1;
      return;
    }
    if (this.depth === 1) {
      const localName = localNameOf(qualifiedName);
      if (selfClosing) {
        this.events.onChild({ start: this.tagStart, end, localName });
        return;
      }
      this.childStart = this.tagStart;
      this.childName = localName;
      this.depth = 2;
      return;
    }
    if (selfClosing) return;
    this.depth++;
    if (this.dataDepth < 0 && localNameOf(qualifiedName) === 'calendar-data') {
      this.dataDepth = this.depth;
      this.dataStart = end;
      this.dataPure = true;
    }
  }

  private closeElement(end: number): void {
    if (this.depth === 0) throw this.invalid('an end tag without a start tag');
    if (this.depth === this.dataDepth) {
      if (this.dataPure) this.events.onDataText?.(this.dataStart, this.tagStart);
      this.dataDepth = -1;
    }
    this.depth--;
    if (this.depth === 1) {
      this.events.onChild({ start: this.childStart, end, localName: this.childName });
      this.childStart = -1;
    } else if (this.depth === 0) {
      this.done = true;
    }
  }
}

function localNameOf(qualifiedName: string): string {
  const colon = qualifiedName.indexOf(':');
  return colon < 0 ? qualifiedName : qualifiedName.slice(colon + 1);
}
