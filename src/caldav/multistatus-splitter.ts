/**
 * Finds the root element and each child of the root in an XML body that arrives in pieces, as byte
 * offsets, without building anything: a listing that carries every object's calendar-data (a first
 * import, sync-collection.ts) is megabytes long, and it is read a group of members at a time
 * (listing-spool.ts) so that no thread ever holds all of it.
 *
 * It works on bytes: every character the scan looks for (`<`, `>`, quotes, `?`, `!`, `-`, `]`) is
 * ASCII, and no byte of a multi-byte UTF-8 sequence is ASCII, so offsets are byte offsets of the
 * file and nothing is decoded. It recognises what can hide a `<` or `>` — comments, CDATA sections,
 * processing instructions, quoted attribute values — and refuses DOCTYPE and other declarations, as
 * the reader (xml.ts) does. What the elements mean (namespaces included) is left to that reader: each
 * group of children is read as a document of its own, wrapped in the root's start and end tags.
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
}

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const DQUOTE = 0x22;
const SQUOTE = 0x27;

const COMMENT_OPEN = Buffer.from('<!--');
const CDATA_OPEN = Buffer.from('<![CDATA[');

function isNameEnd(byte: number): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d || byte === SLASH || byte === GT;
}

export class MultistatusSplitter {
  /** Bytes not yet scanned past, from `base` on. */
  private buffer: Buffer = Buffer.alloc(0);
  private base = 0;
  /** Where scanning resumes in `buffer`. */
  private pos = 0;
  /**
   * Where the search for the end of an unfinished token (comment, CDATA section, instruction, tag)
   * resumes, as a buffer offset, and the quote a tag's scan is inside: a token that arrives over many
   * pieces is scanned once, not again from its start with each piece.
   */
  private searchFrom = -1;
  private tagQuote = 0;
  private depth = 0;
  private childStart = -1;
  private childName = '';
  private done = false;

  constructor(
    private readonly events: SplitterEvents,
    private readonly url: string,
    /** A single child (one member of the listing) larger than this is refused. */
    private readonly maxChildBytes: number,
  ) {}

  push(chunk: Uint8Array): void {
    if (this.done) return;
    // Keep only what is still to be scanned: from the start of an unfinished token.
    const keepFrom = this.pos;
    const rest = this.buffer.subarray(keepFrom);
    this.base += keepFrom;
    if (this.searchFrom >= 0) this.searchFrom -= keepFrom;
    this.buffer = rest.length === 0 ? Buffer.from(chunk) : Buffer.concat([rest, chunk]);
    this.pos = 0;
    this.scan();
    const open = this.childStart >= 0 ? this.base + this.buffer.length - this.childStart : this.buffer.length - this.pos;
    if (open > this.maxChildBytes) throw this.invalid(`a member of the answer is larger than ${this.maxChildBytes} bytes`);
  }

  /** The body has ended: it must have closed its root. */
  end(): void {
    if (!this.done) throw this.invalid('the answer ended before its root element was closed');
  }

  private invalid(message: string): CalDavError {
    return new CalDavError({ kind: 'invalid_response', url: this.url, message });
  }

  private scan(): void {
    const buf = this.buffer;
    while (!this.done) {
      const lt = buf.indexOf(LT, this.pos);
      if (lt < 0) {
        this.pos = buf.length;
        return;
      }
      this.pos = lt;
      if (lt + 1 >= buf.length) return;
      const next = buf[lt + 1]!;
      if (next === QUESTION) {
        if (!this.skipTo(buf, lt + 2, '?>')) return;
      } else if (next === BANG) {
        if (buf.length - lt < CDATA_OPEN.length && (isPrefixOf(buf, lt, COMMENT_OPEN) || isPrefixOf(buf, lt, CDATA_OPEN))) return;
        if (startsWith(buf, lt, COMMENT_OPEN)) {
          if (!this.skipTo(buf, lt + 4, '-->')) return;
        } else if (startsWith(buf, lt, CDATA_OPEN)) {
          if (!this.skipTo(buf, lt + 9, ']]>')) return;
        } else {
          throw this.invalid('XML declarations (DOCTYPE, ENTITY) are not accepted');
        }
      } else if (next === SLASH) {
        const gt = buf.indexOf(GT, lt + 2);
        if (gt < 0) return;
        this.pos = gt + 1;
        this.closeElement(gt + 1);
      } else {
        const gt = this.tagEnd(buf, lt + 1);
        if (gt < 0) return;
        this.pos = gt + 1;
        this.openElement(buf, lt, gt);
      }
    }
  }

  /** Moves past the next `marker` from `from` (or from where the last search stopped); false if it has not arrived yet. */
  private skipTo(buf: Buffer, from: number, marker: string): boolean {
    const start = this.searchFrom >= 0 ? Math.max(from, this.searchFrom) : from;
    const found = buf.indexOf(marker, start);
    if (found < 0) {
      // The marker may begin in the bytes already here: search again from just before the end.
      this.searchFrom = Math.max(from, buf.length - marker.length + 1);
      return false;
    }
    this.searchFrom = -1;
    this.pos = found + marker.length;
    return true;
  }

  /** The offset of the `>` that ends the tag whose name starts at `from`, past quoted attribute values; -1 if not here yet. */
  private tagEnd(buf: Buffer, from: number): number {
    let quote = this.searchFrom >= 0 ? this.tagQuote : 0;
    for (let i = this.searchFrom >= 0 ? Math.max(from, this.searchFrom) : from; i < buf.length; i++) {
      const byte = buf[i]!;
      if (quote !== 0) {
        if (byte === quote) quote = 0;
      } else if (byte === DQUOTE || byte === SQUOTE) {
        quote = byte;
      } else if (byte === GT) {
        this.searchFrom = -1;
        return i;
      } else if (byte === LT) {
        throw this.invalid('a "<" inside a tag');
      }
    }
    this.searchFrom = buf.length;
    this.tagQuote = quote;
    return -1;
  }

  private openElement(buf: Buffer, lt: number, gt: number): void {
    const selfClosing = buf[gt - 1] === SLASH;
    let nameEnd = lt + 1;
    while (nameEnd < gt && !isNameEnd(buf[nameEnd]!)) nameEnd++;
    const qualifiedName = buf.toString('latin1', lt + 1, nameEnd);
    if (qualifiedName === '') throw this.invalid('an element without a name');
    if (this.depth === 0) {
      if (selfClosing) {
        this.events.onRoot(Buffer.from(buf.subarray(lt, gt + 1)), qualifiedName);
        this.done = true;
        return;
      }
      this.events.onRoot(Buffer.from(buf.subarray(lt, gt + 1)), qualifiedName);
      this.depth = 1;
      return;
    }
    if (this.depth === 1) {
      const colon = qualifiedName.indexOf(':');
      const localName = colon < 0 ? qualifiedName : qualifiedName.slice(colon + 1);
      if (selfClosing) {
        this.events.onChild({ start: this.base + lt, end: this.base + gt + 1, localName });
        return;
      }
      this.childStart = this.base + lt;
      this.childName = localName;
      this.depth = 2;
      return;
    }
    if (!selfClosing) this.depth++;
  }

  private closeElement(end: number): void {
    if (this.depth === 0) throw this.invalid('an end tag without a start tag');
    this.depth--;
    if (this.depth === 1) {
      this.events.onChild({ start: this.childStart, end: this.base + end, localName: this.childName });
      this.childStart = -1;
    } else if (this.depth === 0) {
      this.done = true;
    }
  }
}

function startsWith(buf: Buffer, at: number, prefix: Buffer): boolean {
  return buf.length - at >= prefix.length && buf.compare(prefix, 0, prefix.length, at, at + prefix.length) === 0;
}

/** The bytes from `at` to the end of `buf` are the beginning of `prefix`. */
function isPrefixOf(buf: Buffer, at: number, prefix: Buffer): boolean {
  const length = buf.length - at;
  return length < prefix.length && buf.compare(prefix, 0, length, at, buf.length) === 0;
}
