/**
 * WebDAV XML: a namespace-resolved element tree read in one pass, and the multistatus model every
 * request module reads.
 *
 * Why a reader of our own (decision 0025): the answers of a first import are megabytes of
 * calendar-data and thousands of small elements, and fast-xml-parser (which read them until then)
 * walked each body three times — its validator, its parser (text one character at a time), our
 * conversion of its prefixed output into namespaces — for ~190 ms of CPU per MB of listing. WebDAV
 * needs the namespace of every element (`calendar` in the CalDAV namespace vs. anything else, under
 * any prefix or iCloud's repeated `xmlns="DAV:"`), which no parser's default output gives without a
 * second pass. The reader below checks what the old validator checked, as it reads;
 * test/unit/caldav/xml-reader-equivalence.test.ts holds it to the old reader's results.
 *
 * Hostile input: DOCTYPE/ENTITY declarations are refused outright (no entity expansion of any kind;
 * only the five predefined entities and character references are decoded), bodies are capped,
 * nesting is bounded, and every scan is linear so a crafted body cannot make us hang.
 */
import { CalDavError } from './errors.ts';

export const NS = {
  DAV: 'DAV:',
  CALDAV: 'urn:ietf:params:xml:ns:caldav',
  CALENDARSERVER: 'http://calendarserver.org/ns/',
  APPLE_ICAL: 'http://apple.com/ns/ical/',
} as const;

/** Bodies above this are refused: a 5,000-event multiget is about 5 MB, so 50 MB is generous. */
export const MAX_XML_CHARS = 50 * 1024 * 1024;

export interface XmlElement {
  /** Resolved namespace URI; '' when the element is in no namespace. */
  ns: string;
  /** Local name, without prefix. */
  name: string;
  /** Attributes by their written name (CalDAV's are unprefixed), values decoded; xmlns declarations left out. */
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Direct text content, entities decoded and CDATA sections included verbatim. */
  text: string;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeText(raw: string): string {
  if (!raw.includes('&')) return raw;
  return raw.replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|lt|gt|amp|quot|apos);/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return code <= 0x10ffff ? String.fromCodePoint(code) : whole;
    }
    return PREDEFINED[ref] ?? whole;
  });
}

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function invalid(url: string, message: string, cause?: unknown): CalDavError {
  return new CalDavError({ kind: 'invalid_response', url, message, cause });
}

/**
 * Refuses DOCTYPE and ENTITY declarations anywhere outside CDATA sections and comments.
 * A plain indexOf walk rather than a regex, so unterminated sections cannot cause backtracking.
 */
function refuseDeclarations(body: string, url: string): void {
  let at = 0;
  for (;;) {
    const open = body.indexOf('<!', at);
    if (open < 0) return;
    if (body.startsWith('<![CDATA[', open)) {
      const end = body.indexOf(']]>', open + 9);
      if (end < 0) throw invalid(url, 'unterminated CDATA section in XML response');
      at = end + 3;
    } else if (body.startsWith('<!--', open)) {
      const end = body.indexOf('-->', open + 4);
      if (end < 0) throw invalid(url, 'unterminated comment in XML response');
      at = end + 3;
    } else {
      const word = body.slice(open + 2, open + 9).toUpperCase();
      if (word.startsWith('DOCTYPE') || word.startsWith('ENTITY')) {
        throw new CalDavError({
          kind: 'refused_response',
          url,
          message: 'XML response contains a DOCTYPE/ENTITY declaration; refused (entity expansion risk)',
        });
      }
      at = open + 2;
    }
  }
}

/**
 * Open elements an element may sit in (fast-xml-parser's maxNestedTags, which the previous reader
 * applied): a multistatus is six levels deep, a property rarely adds three.
 */
export const MAX_XML_DEPTH = 100;

const XML_NAMESPACE = 'http://www.w3.org/XML/1998/namespace';

// The XML 1.0 Name production (as fast-xml-parser's validator checked it, no astral characters);
// colons are allowed in it and split off as the prefix afterwards.
const NAME_START =
  ':A-Za-z_\\u00C0-\\u00D6\\u00D8-\\u00F6\\u00F8-\\u02FF\\u0370-\\u037D\\u037F-\\u1FFF\\u200C-\\u200D\\u2070-\\u218F\\u2C00-\\u2FEF\\u3001-\\uD7FF\\uF900-\\uFDCF\\uFDF0-\\uFFFD';
// eslint-disable-next-line no-misleading-character-class -- ranges of the Name production (U+0300–U+036F), written as escapes
const NAME = new RegExp(`^[${NAME_START}][${NAME_START}\\-.\\d\\u00B7\\u0300-\\u036F\\u203F-\\u2040]*$`);

/** Names already checked: a multistatus repeats a dozen names thousands of times. Bounded against crafted bodies. */
const validNames = new Set<string>();

function isName(text: string): boolean {
  if (validNames.has(text)) return true;
  if (!NAME.test(text)) return false;
  if (validNames.size < 512) validNames.add(text);
  return true;
}

/** XML whitespace (§2.3 S): space, tab, LF, CR — not the wider set of JavaScript's \s. */
function isSpace(code: number): boolean {
  return code === 32 || code === 10 || code === 9 || code === 13;
}

function onlySpace(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (!isSpace(text.charCodeAt(i))) return false;
  return true;
}

/**
 * Whether a text run, read, holds anything String.prototype.trim would keep — what a reader of an
 * unread element's text asks (UNREAD_TEXT) — looking no further than its first such character. A
 * run that starts with a reference (`&#13;` is white space) is decoded to tell.
 */
function hasText(raw: string, references: boolean): boolean {
  const first = raw.search(/\S/);
  if (first < 0) return false;
  return !references || raw.charCodeAt(first) !== 38 /* & */ || /\S/.test(decodeText(raw.slice(first)));
}

/** XML 1.0 §2.11: CRLF and lone CR read as LF (a character reference &#13; still gives a CR). */
function normalizeLines(raw: string): string {
  return raw.indexOf('\r') < 0 ? raw : raw.replace(/\r\n?/g, '\n');
}

/**
 * Whether every `&` in a text run starts a reference: `&#digits;`, `&#xhex;` or `&name;` (up to 20
 * word characters) — the rule the previous reader's validator applied; names other than the five
 * predefined ones are kept as written by decodeText, never expanded.
 */
function referencesWellFormed(text: string): boolean {
  for (let amp = text.indexOf('&'); amp >= 0; amp = text.indexOf('&', amp + 1)) {
    let i = amp + 1;
    if (text.charCodeAt(i) === 35 /* # */) {
      i++;
      const hex = text.charCodeAt(i) === 120; /* x */
      if (hex) i++;
      for (; i < text.length; i++) {
        const c = text.charCodeAt(i);
        const digit = c >= 48 && c <= 57;
        if (!(digit || (hex && ((c >= 65 && c <= 70) || (c >= 97 && c <= 102))))) break;
      }
    } else {
      let count = 0;
      for (; i < text.length && count < 20; i++, count++) {
        const c = text.charCodeAt(i);
        if (!((c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95)) break;
      }
      if (count === 0) return false;
    }
    if (text.charCodeAt(i) !== 59 /* ; */) return false;
    amp = i;
  }
  return true;
}

function lineAt(body: string, position: number): number {
  let line = 1;
  for (let at = body.indexOf('\n'); at >= 0 && at < position; at = body.indexOf('\n', at + 1)) line++;
  return line;
}

/**
 * One forward pass over the document that builds the element tree directly: tags, attributes and
 * references are checked as they are read (the checks fast-xml-parser's validator made in a pass of
 * its own), namespaces resolved against the declarations in scope, and each text run taken with one
 * `slice` between two `indexOf('<')` — so a 50 MB calendar-data costs a copy, not a character loop.
 * The nesting is an explicit stack bounded by MAX_XML_DEPTH, never recursion.
 */
function readDocument(body: string, url: string, onRootChild?: RootChildHook, unreadText?: ElementName): XmlElement {
  const length = body.length;
  const start = body.charCodeAt(0) === 0xfeff ? 1 : 0;
  const malformed = (message: string, position: number) =>
    invalid(url, `malformed XML response (line ${lineAt(body, position)}: ${message})`);
  // The open elements, their qualified names as written and the scope each element's children see.
  const open: XmlElement[] = [];
  const qnames: string[] = [];
  const scopes: Array<ReadonlyMap<string, string>> = [];
  let scope: ReadonlyMap<string, string> = new Map([['xml', XML_NAMESPACE]]);
  let current: XmlElement | null = null;
  let root: XmlElement | null = null;
  // The open element named by `unreadText`, whose text is only looked at (UNREAD_TEXT), not read.
  let unread: XmlElement | null = null;
  // A function, not a comparison in place: readStartTag sets `unread`, which flow analysis does not follow.
  const isUnread = (element: XmlElement): boolean => element === unread;
  let at = start;
  while (at < length) {
    const lt = body.indexOf('<', at);
    const textEnd = lt < 0 ? length : lt;
    if (textEnd > at) {
      const raw = body.slice(at, textEnd);
      if (current === null) {
        if (!onlySpace(raw)) throw malformed(root === null ? 'text before the root element' : 'text after the root element', at);
      } else if (isUnread(current)) {
        if (current.text === '' && hasText(raw, true)) current.text = UNREAD_TEXT;
      } else {
        const text = normalizeLines(raw);
        if (text.indexOf('&') < 0) current.text += text;
        else if (referencesWellFormed(text)) current.text += decodeText(text);
        else throw malformed("'&' that starts no reference", at);
      }
    }
    if (lt < 0) break;
    const next = body.charCodeAt(lt + 1);
    if (next === 47 /* </ */) {
      const gt = body.indexOf('>', lt + 2);
      if (gt < 0) throw malformed('unterminated closing tag', lt);
      const written = body.slice(lt + 2, gt);
      if (current === null) throw malformed(`closing tag '${written}' has not been opened`, lt);
      const expected = qnames[qnames.length - 1] as string;
      if (written !== expected && written.trimEnd() !== expected) {
        if (written.endsWith('/')) throw malformed(`closing tag '${written}' ends in '/'`, lt);
        throw malformed(`expected closing tag '${expected}' instead of '${written}'`, lt);
      }
      const closed = open.pop() as XmlElement;
      if (closed === unread) unread = null;
      qnames.pop();
      scope = scopes.pop() as ReadonlyMap<string, string>;
      current = open.length > 0 ? (open[open.length - 1] as XmlElement) : null;
      if (open.length === 1) handOver(closed);
      at = gt + 1;
    } else if (next === 63 /* <? */) {
      const end = body.indexOf('?>', lt + 2);
      if (end < 0) throw malformed('unterminated processing instruction', lt);
      // The previous reader's validator ended it at the first `?>`, its parser after quoted values;
      // where the two disagree it read a different document than it checked: refused.
      if (endOfInstruction(lt + 2) !== end) throw malformed('processing instruction with an unbalanced quote', lt);
      // Checked only before the root element, as before: after it the old validator never looked.
      if (root === null && lt !== start && /^xml[? ]/.test(body.slice(lt + 2, lt + 6))) {
        throw malformed('XML declaration allowed only at the start of the document', lt);
      }
      at = end + 2;
    } else if (next === 33 /* <! */) {
      if (body.startsWith('<!--', lt)) {
        const end = body.indexOf('-->', lt + 4);
        if (end < 0) throw malformed('unterminated comment', lt);
        at = end + 3;
      } else if (body.startsWith('<![CDATA[', lt)) {
        const end = body.indexOf(']]>', lt + 9);
        if (end < 0) throw malformed('unterminated CDATA section', lt);
        // Outside the root element a CDATA section is ignored, as it was before (decision 0025).
        if (current !== null && isUnread(current)) {
          if (current.text === '' && hasText(body.slice(lt + 9, end), false)) current.text = UNREAD_TEXT;
        } else if (current !== null) {
          current.text += normalizeLines(body.slice(lt + 9, end));
        }
        at = end + 3;
      } else {
        // DOCTYPE and ENTITY were refused before reading; any other declaration has no place here.
        throw malformed('markup declaration in the document', lt);
      }
    } else {
      at = readStartTag(lt);
    }
  }
  if (current !== null) throw malformed(`unclosed tag '${qnames[qnames.length - 1]}'`, length);
  if (root === null) throw malformed('no root element', length);
  return root;

  /** A complete child of the root goes to the hook; the tree lets go of it when the hook took it. */
  function handOver(element: XmlElement): void {
    if (onRootChild !== undefined && root !== null && onRootChild(element, root)) root.children.pop();
  }

  /**
   * Where the `?>` closing a processing instruction is, quoted pseudo-attributes skipped whole (as
   * the previous reader's parser did: `<?xml version='1.0?>'?>` ends at the second `?>`); -1 if none.
   */
  function endOfInstruction(from: number): number {
    for (let i = from; i < length; i++) {
      const c = body.charCodeAt(i);
      if (c === 34 || c === 39) {
        i = body.indexOf(c === 34 ? '"' : "'", i + 1);
        if (i < 0) return -1;
      } else if (c === 63 /* ? */ && body.charCodeAt(i + 1) === 62) {
        return i;
      }
    }
    return -1;
  }

  /** Reads the start tag at `lt`, opens (or adds, when empty) its element; returns where reading goes on. */
  function readStartTag(lt: number): number {
    let i = lt + 1;
    while (i < length) {
      const c = body.charCodeAt(i);
      if (isSpace(c) || c === 62 /* > */ || c === 47 /* / */) break;
      i++;
    }
    const qname = body.slice(lt + 1, i);
    if (!isName(qname)) throw malformed(qname === '' ? "invalid space after '<'" : `tag '${qname}' is an invalid name`, lt);
    if (current === null && root !== null) throw malformed('more than one root element', lt);
    const attributes: Record<string, string> = {};
    let written: string[] | null = null;
    let declared: Map<string, string> | null = null;
    let empty = false;
    for (;;) {
      const spaceFrom = i;
      while (i < length && isSpace(body.charCodeAt(i))) i++;
      if (i >= length) throw malformed(`unterminated tag '${qname}'`, lt);
      const c = body.charCodeAt(i);
      if (c === 62 /* > */) {
        i++;
        break;
      }
      if (c === 47 /* / */) {
        if (body.charCodeAt(i + 1) !== 62) throw malformed(`tag '${qname}' has a stray '/'`, i);
        i += 2;
        empty = true;
        break;
      }
      if (i === spaceFrom) throw malformed(`attribute of '${qname}' without a space before it`, i);
      const nameFrom = i;
      while (i < length) {
        const n = body.charCodeAt(i);
        if (isSpace(n) || n === 61 /* = */ || n === 62 || n === 47) break;
        i++;
      }
      const name = body.slice(nameFrom, i);
      if (!isName(name)) throw malformed(`attribute '${name}' is an invalid name`, nameFrom);
      while (i < length && isSpace(body.charCodeAt(i))) i++;
      if (body.charCodeAt(i) !== 61) throw malformed(`attribute '${name}' is without value`, nameFrom);
      i++;
      while (i < length && isSpace(body.charCodeAt(i))) i++;
      const quote = body.charCodeAt(i);
      if (quote !== 34 && quote !== 39) throw malformed(`attribute '${name}' is without a quoted value`, nameFrom);
      const close = body.indexOf(quote === 34 ? '"' : "'", i + 1);
      if (close < 0) throw malformed(`attribute '${name}' has an open quote`, nameFrom);
      const value = decodeText(normalizeLines(body.slice(i + 1, close)));
      i = close + 1;
      written ??= [];
      if (written.includes(name)) throw malformed(`attribute '${name}' is repeated`, nameFrom);
      written.push(name);
      if (name === 'xmlns' || name.startsWith('xmlns:')) {
        declared ??= new Map(scope);
        declared.set(name === 'xmlns' ? '' : name.slice(6), value);
      } else {
        attributes[name] = value;
      }
    }
    const localScope = declared ?? scope;
    const colon = qname.indexOf(':');
    const prefix = colon < 0 ? '' : qname.slice(0, colon);
    const ns = localScope.get(prefix);
    if (ns === undefined && prefix !== '') throw invalid(url, `XML response uses undeclared namespace prefix "${prefix}"`);
    const element: XmlElement = { ns: ns ?? '', name: colon < 0 ? qname : qname.slice(colon + 1), attributes, children: [], text: '' };
    if (current === null) root = element;
    else current.children.push(element);
    if (empty && open.length === 1) handOver(element);
    if (!empty) {
      if (open.length > MAX_XML_DEPTH) throw malformed(`elements nested deeper than ${MAX_XML_DEPTH}`, lt);
      open.push(element);
      qnames.push(qname);
      scopes.push(scope);
      scope = localScope;
      current = element;
      if (unread === null && unreadText !== undefined && element.ns === unreadText.ns && element.name === unreadText.name) unread = element;
    }
    return i;
  }
}

/**
 * Called with each child of the root element as soon as it is complete (its closing tag read);
 * returning true drops it from the tree. It is always the root's last child when called.
 */
type RootChildHook = (element: XmlElement, root: XmlElement) => boolean;

/** An element by namespace and local name. */
export interface ElementName {
  ns: string;
  name: string;
}

/**
 * The text of an element named by `unreadText` (parseXml, readMultistatus) when it has any that
 * `trim()` would keep; '' when it has none. Its text is neither decoded nor checked: a reader that only
 * needs to know whether a sync-collection member came with its calendar-data (sync-collection.ts)
 * reads a first import's listing without decoding megabytes of data it reads again, batch by batch,
 * where it is used (decision 0017, eleventh session).
 */
export const UNREAD_TEXT = '(text not read)';

/**
 * Parses a whole XML document into its root element.
 * Throws CalDavError 'refused_response' for DOCTYPE/ENTITY declarations and over-size bodies (refused
 * on principle: asking again gets the same), 'invalid_response' for anything else that is not one
 * well-formed document.
 */
export function parseXml(p: { body: string; url: string; unreadText?: ElementName }, onRootChild?: RootChildHook): XmlElement {
  const { body, url } = p;
  if (body.length > MAX_XML_CHARS)
    throw new CalDavError({ kind: 'refused_response', url, message: `XML response larger than ${MAX_XML_CHARS} characters; refused` });
  if (body.trim() === '') throw invalid(url, 'expected an XML response, got an empty body');
  refuseDeclarations(body, url);
  return readDocument(body, url, onRootChild, p.unreadText);
}

export function is(element: XmlElement, ns: string, name: string): boolean {
  return element.ns === ns && element.name === name;
}

export function child(element: XmlElement, ns: string, name: string): XmlElement | null {
  return element.children.find((c) => is(c, ns, name)) ?? null;
}

export function childrenNamed(element: XmlElement, ns: string, name: string): XmlElement[] {
  return element.children.filter((c) => is(c, ns, name));
}

/**
 * A path that canonicalUrl would give back unchanged: no percent-encoding, nothing `new URL` or the
 * re-encoding below would touch (only unreserved characters, the sub-delims, ':', '@' and '/'),
 * not protocol-relative, no dot segments. Nearly every server's hrefs are such paths.
 */
const PLAIN_PATH = /^\/(?!\/)[A-Za-z0-9\-._~!$&'()*+,;=:@/]*$/;
const DOT_SEGMENT = /\/\.\.?(?:\/|$)/;

/** The last base's `scheme://[userinfo@]host[:port]`: a listing resolves thousands of hrefs against one URL. */
let lastBase: { base: string; prefix: string | null } = { base: '', prefix: null };

function authorityPrefix(base: string): string | null {
  if (lastBase.base !== base) {
    const url = new URL(base);
    const special = url.protocol === 'http:' || url.protocol === 'https:';
    lastBase = {
      base,
      prefix: special ? url.href.slice(0, url.href.length - url.pathname.length - url.search.length - url.hash.length) : null,
    };
  }
  return lastBase.prefix;
}

/**
 * An absolute URL for an href, in one canonical spelling: servers are inconsistent about
 * percent-encoding (Zoho writes `%40` in one report and `@` in another), and the sync engine keys
 * items by href, so every href we hand out goes through here and can be compared as a string.
 * A plain path (PLAIN_PATH), alone or after the base's own authority, is joined to that authority as it is — what the full resolution
 * below gives for it (test/unit/caldav/xml-reader-equivalence.test.ts), without two URL parses.
 */
export function canonicalUrl(href: string, base: string): string {
  const trimmed = href.trim();
  const prefix = authorityPrefix(base);
  if (prefix !== null) {
    // A path, or an absolute URL on the base's own authority as canonicalUrl spelled it before.
    const path = trimmed.startsWith(prefix) ? trimmed.slice(prefix.length) : trimmed;
    if (PLAIN_PATH.test(path) && !DOT_SEGMENT.test(path)) return `${prefix}${path}`;
  }
  const url = new URL(trimmed, base);
  url.hash = '';
  url.pathname = url.pathname
    .split('/')
    .map((segment) => {
      let decoded: string;
      try {
        decoded = decodeURIComponent(segment);
      } catch {
        return segment;
      }
      // Re-encode, then restore the characters RFC 3986 allows in a path segment as they are.
      return encodeURIComponent(decoded).replace(/%(40|3A|21|24|26|27|28|29|2A|2B|2C|3B|3D)/gi, (_m, hex: string) =>
        String.fromCharCode(parseInt(hex, 16)),
      );
    })
    .join('/');
  return url.href;
}

/** A URL's origin and path without trailing slashes: what sameResource compares. */
export function resourceKey(url: URL): string {
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Path comparison that ignores a trailing slash (servers disagree on it for collections). */
export function sameResource(a: string, b: string): boolean {
  return resourceKey(new URL(a)) === resourceKey(new URL(b));
}

export interface DavPropstat {
  /** 200 when the server omitted the status (RFC 4918 §14.22 makes it mandatory; Stalwart omits it). */
  status: number;
  props: XmlElement[];
}

export interface DavResponse {
  /** Absolute canonical URLs; a status-only response may name several resources. */
  hrefs: string[];
  /** The response-level status (deleted members in sync-collection, missing ones in multiget). */
  status: number | null;
  propstats: DavPropstat[];
  /** The DAV:error element, when the server explained a failure. */
  error: XmlElement | null;
}

export interface Multistatus {
  responses: DavResponse[];
  /** The top-level DAV:sync-token of a sync-collection answer. */
  syncToken: string | null;
}

export function parseStatusLine(line: string): number | null {
  const match = /^\s*HTTP\/\d(?:\.\d)?\s+(\d{3})\b/i.exec(line);
  return match ? Number(match[1]) : null;
}

/** One DAV:response element as the request modules read it. */
function responseOf(element: XmlElement, url: string): DavResponse {
  const hrefs: string[] = [];
  for (const h of childrenNamed(element, NS.DAV, 'href')) {
    if (h.text.trim() === '') continue;
    try {
      hrefs.push(canonicalUrl(h.text, url));
    } catch (cause) {
      throw invalid(url, 'multistatus response has an href that is not a URL', cause);
    }
  }
  if (hrefs.length === 0) throw invalid(url, 'multistatus response without an href');
  const statusElement = child(element, NS.DAV, 'status');
  const propstats = childrenNamed(element, NS.DAV, 'propstat').map((ps): DavPropstat => {
    const statusText = child(ps, NS.DAV, 'status')?.text;
    // An unreadable status is treated as a failure, so its props count as absent, never as found.
    const status = statusText === undefined ? 200 : (parseStatusLine(statusText) ?? 500);
    return { status, props: child(ps, NS.DAV, 'prop')?.children ?? [] };
  });
  return {
    hrefs,
    status: statusElement ? (parseStatusLine(statusElement.text) ?? 500) : null,
    propstats,
    error: child(element, NS.DAV, 'error'),
  };
}

/**
 * Reads a DAV:multistatus body one response at a time: each DAV:response is handed to `onResponse`
 * as soon as its closing tag is read, and its elements are let go. A listing of 20,000 members was
 * ~75 MiB of element tree held at once (decision 0020); read this way, what stays is what the caller
 * keeps of each response. Hrefs are resolved against `url`, the URL that answered.
 *
 * Errors come out as parseMultistatus gave them: a malformed document first (whatever came before
 * it), then a root that is not a multistatus, then the first unreadable response, then the first
 * error `onResponse` threw — so every response is still read before the caller's checks count.
 */
export function readMultistatus(
  p: { body: string; url: string; unreadText?: ElementName },
  onResponse: (response: DavResponse) => void,
): { syncToken: string | null } {
  let unreadable: { error: unknown } | null = null;
  let refused: { error: unknown } | null = null;
  const root = parseXml(p, (element, parent) => {
    if (!is(parent, NS.DAV, 'multistatus') || !is(element, NS.DAV, 'response')) return false;
    if (unreadable !== null) return true;
    let response: DavResponse;
    try {
      response = responseOf(element, p.url);
    } catch (error) {
      unreadable = { error };
      return true;
    }
    if (refused === null) {
      try {
        onResponse(response);
      } catch (error) {
        refused = { error };
      }
    }
    return true;
  });
  if (!is(root, NS.DAV, 'multistatus')) {
    throw invalid(p.url, `expected a DAV:multistatus response, got <${root.name}> (${root.ns || 'no namespace'})`);
  }
  // Assigned in the callback, which TypeScript's flow analysis does not follow.
  const failure = (unreadable as { error: unknown } | null) ?? (refused as { error: unknown } | null);
  if (failure !== null) throw failure.error;
  const token = child(root, NS.DAV, 'sync-token')?.text.trim();
  return { syncToken: token ? token : null };
}

/** Parses a DAV:multistatus body into all its responses; hrefs are resolved against `url`, the URL that answered. */
export function parseMultistatus(p: { body: string; url: string }): Multistatus {
  const responses: DavResponse[] = [];
  const { syncToken } = readMultistatus(p, (response) => responses.push(response));
  return { responses, syncToken };
}

/**
 * A property the server returned with a 2xx status, or null. Props listed under a 404 (or any
 * other failure) propstat are absent — "not found", not "empty" and not "deleted".
 */
export function foundProp(response: DavResponse, ns: string, name: string): XmlElement | null {
  for (const propstat of response.propstats) {
    if (propstat.status < 200 || propstat.status >= 300) continue;
    const prop = propstat.props.find((e) => is(e, ns, name));
    if (prop) return prop;
  }
  return null;
}

/** Trimmed text of a found property; null when absent or empty. */
export function foundText(response: DavResponse, ns: string, name: string): string | null {
  const text = foundProp(response, ns, name)?.text.trim();
  return text ? text : null;
}

/** The first href of a response — all request modules except sync-collection deletions need one. */
export function primaryHref(response: DavResponse): string {
  return response.hrefs[0] as string;
}
