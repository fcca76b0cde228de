/**
 * WebDAV XML: a namespace-resolved element tree on top of fast-xml-parser, and the multistatus
 * model every request module reads.
 *
 * Why not fast-xml-parser's own output: it keeps prefixes (`d:href`, `D:href`, or a bare `href`
 * under iCloud's repeated `xmlns="DAV:"`) and can only strip them, which loses the namespace — and
 * CalDAV needs it (`calendar` in the CalDAV namespace vs. anything else). So we resolve prefixes
 * against the `xmlns` declarations in scope ourselves.
 *
 * Hostile input: DOCTYPE/ENTITY declarations are refused outright (no entity expansion of any kind;
 * only the five predefined entities and character references are decoded), bodies are capped, and
 * every scan is linear so a crafted body cannot make us hang.
 */
import { randomBytes } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
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

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  // Entities are decoded by decodeText; the parser's own processing would honour DOCTYPE entities.
  processEntities: false,
  htmlEntities: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  cdataPropName: '#cdata',
  commentPropName: false,
});

type OrderedNode = Record<string, unknown>;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function convert(node: OrderedNode, scope: ReadonlyMap<string, string>, url: string, restore: (text: string) => string): XmlElement | null {
  const qname = Object.keys(node).find((k) => k !== ':@');
  if (qname === undefined || qname === '#text' || qname === '#cdata') return null;
  const rawAttributes = isRecord(node[':@']) ? node[':@'] : {};
  // Copied only when this element declares namespaces; otherwise the parent's scope is shared.
  let declared: Map<string, string> | null = null;
  const attributes: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawAttributes)) {
    const text = decodeText(String(value));
    if (key === 'xmlns' || key.startsWith('xmlns:')) {
      declared ??= new Map(scope);
      declared.set(key === 'xmlns' ? '' : key.slice(6), text);
    } else {
      attributes[key] = text;
    }
  }
  const localScope = declared ?? scope;
  const colon = qname.indexOf(':');
  const prefix = colon < 0 ? '' : qname.slice(0, colon);
  const name = colon < 0 ? qname : qname.slice(colon + 1);
  const ns = localScope.get(prefix);
  if (ns === undefined && prefix !== '') throw invalid(url, `XML response uses undeclared namespace prefix "${prefix}"`);
  const element: XmlElement = { ns: ns ?? '', name, attributes, children: [], text: '' };
  const content = node[qname];
  if (Array.isArray(content)) {
    for (const child of content) {
      if (!isRecord(child)) continue;
      if (typeof child['#text'] === 'string') {
        element.text += decodeText(restore(child['#text']));
      } else if (Array.isArray(child['#cdata'])) {
        for (const part of child['#cdata']) {
          if (isRecord(part) && typeof part['#text'] === 'string') element.text += restore(part['#text']);
        }
      } else {
        const converted = convert(child, localScope, url, restore);
        if (converted !== null) element.children.push(converted);
      }
    }
  }
  return element;
}

/** Text runs from this length up are lifted out of the document before it is parsed. */
const LIFT_MIN_CHARS = 4096;

/** The index just past the markup construct (tag, comment, CDATA section, PI) that starts at `lt`. */
function endOfMarkup(body: string, lt: number): number {
  const through = (token: string, from: number) => {
    const at = body.indexOf(token, from);
    return at < 0 ? body.length : at + token.length;
  };
  if (body.startsWith('<![CDATA[', lt)) return through(']]>', lt + 9);
  if (body.startsWith('<!--', lt)) return through('-->', lt + 4);
  if (body.startsWith('<?', lt)) return through('?>', lt + 2);
  // A tag ends at the first '>' outside a quoted attribute value.
  let quote = '';
  for (let i = lt + 1; i < body.length; i++) {
    const c = body[i];
    if (quote !== '') {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") {
      quote = c;
    } else if (c === '>') {
      return i + 1;
    }
  }
  return body.length;
}

/**
 * Long text runs (a 50 MB calendar-data) replaced by short placeholders, and the way back.
 *
 * Why: fast-xml-parser builds text one character at a time (`textData += xmlData[i]`); a 50 MB
 * text node took it 20 s and 1.8 GB of heap. A run of text between two pieces of markup holds no
 * markup by definition, so it can be cut out by indexOf and put back after parsing — with the line
 * ending normalisation the parser applies to everything else (XML 1.0 §2.11). The placeholder
 * carries a per-document random marker, so no text of the document can pose as one.
 */
function liftLongText(body: string): { skeleton: string; restore: (text: string) => string } {
  const lifted: string[] = [];
  const parts: string[] = [];
  const marker = `\uE000${randomBytes(6).toString('hex')}-`;
  let copied = 0;
  for (let at = 0; at < body.length;) {
    const lt = body.indexOf('<', at);
    const end = lt < 0 ? body.length : lt;
    // Whitespace stays: outside the root element it is allowed and a placeholder would not be.
    if (end - at >= LIFT_MIN_CHARS && /\S/.test(body.slice(at, end))) {
      parts.push(body.slice(copied, at), `${marker}${lifted.length}\uE000`);
      lifted.push(body.slice(at, end));
      copied = end;
    }
    if (lt < 0) break;
    at = endOfMarkup(body, lt);
  }
  if (lifted.length === 0) return { skeleton: body, restore: (text) => text };
  parts.push(body.slice(copied));
  const placeholder = new RegExp(`${marker}(\\d+)\uE000`, 'g');
  return {
    skeleton: parts.join(''),
    restore: (text) =>
      text.includes(marker)
        ? text.replace(placeholder, (_m, index: string) => (lifted[Number(index)] ?? '').replace(/\r\n?/g, '\n'))
        : text,
  };
}

/**
 * Parses a whole XML document into its root element.
 * Throws CalDavError 'refused_response' for DOCTYPE/ENTITY declarations and over-size bodies (refused
 * on principle: asking again gets the same), 'invalid_response' for anything else that is not one
 * well-formed document.
 */
export function parseXml(p: { body: string; url: string }): XmlElement {
  const { body, url } = p;
  if (body.length > MAX_XML_CHARS)
    throw new CalDavError({ kind: 'refused_response', url, message: `XML response larger than ${MAX_XML_CHARS} characters; refused` });
  if (body.trim() === '') throw invalid(url, 'expected an XML response, got an empty body');
  refuseDeclarations(body, url);
  const long = liftLongText(body);
  try {
    const validation = XMLValidator.validate(long.skeleton);
    if (validation !== true) {
      throw invalid(url, `malformed XML response (line ${validation.err.line}: ${validation.err.msg})`);
    }
    const parsed: unknown = parser.parse(long.skeleton);
    const roots = (Array.isArray(parsed) ? parsed : []).filter(isRecord);
    const elements = roots
      .map((node) => convert(node, new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]), url, long.restore))
      .filter((e): e is XmlElement => e !== null);
    const [root] = elements;
    if (root === undefined || elements.length !== 1) throw invalid(url, 'XML response must have exactly one root element');
    return root;
  } catch (error) {
    if (error instanceof CalDavError) throw error;
    // Parser internals (including stack exhaustion on absurd nesting) become one clear error.
    throw invalid(url, `malformed XML response${error instanceof Error ? `: ${error.message}` : ''}`, error);
  }
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
 * An absolute URL for an href, in one canonical spelling: servers are inconsistent about
 * percent-encoding (Zoho writes `%40` in one report and `@` in another), and the sync engine keys
 * items by href, so every href we hand out goes through here and can be compared as a string.
 */
export function canonicalUrl(href: string, base: string): string {
  const url = new URL(href.trim(), base);
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

/** Path comparison that ignores a trailing slash (servers disagree on it for collections). */
export function sameResource(a: string, b: string): boolean {
  const strip = (u: string) => {
    const url = new URL(u);
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  };
  return strip(a) === strip(b);
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

/** Parses a DAV:multistatus body; hrefs are resolved against `url`, the URL that answered. */
export function parseMultistatus(p: { body: string; url: string }): Multistatus {
  const root = parseXml(p);
  if (!is(root, NS.DAV, 'multistatus')) {
    throw invalid(p.url, `expected a DAV:multistatus response, got <${root.name}> (${root.ns || 'no namespace'})`);
  }
  const responses: DavResponse[] = [];
  for (const element of childrenNamed(root, NS.DAV, 'response')) {
    const hrefs: string[] = [];
    for (const h of childrenNamed(element, NS.DAV, 'href')) {
      if (h.text.trim() === '') continue;
      try {
        hrefs.push(canonicalUrl(h.text, p.url));
      } catch (cause) {
        throw invalid(p.url, 'multistatus response has an href that is not a URL', cause);
      }
    }
    if (hrefs.length === 0) throw invalid(p.url, 'multistatus response without an href');
    const statusElement = child(element, NS.DAV, 'status');
    const propstats = childrenNamed(element, NS.DAV, 'propstat').map((ps): DavPropstat => {
      const statusText = child(ps, NS.DAV, 'status')?.text;
      // An unreadable status is treated as a failure, so its props count as absent, never as found.
      const status = statusText === undefined ? 200 : (parseStatusLine(statusText) ?? 500);
      return { status, props: child(ps, NS.DAV, 'prop')?.children ?? [] };
    });
    responses.push({
      hrefs,
      status: statusElement ? (parseStatusLine(statusElement.text) ?? 500) : null,
      propstats,
      error: child(element, NS.DAV, 'error'),
    });
  }
  const token = child(root, NS.DAV, 'sync-token')?.text.trim();
  return { responses, syncToken: token ? token : null };
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
