/**
 * The XML reader Tandem used until decision 0025 (fast-xml-parser's validator and parser, then a
 * namespace-resolving conversion), kept unchanged as the oracle of the reader in src/caldav/xml.ts:
 * test/unit/caldav/xml-reader-equivalence.test.ts reads every fixture and hostile input with both.
 */
import { randomBytes } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { CalDavError } from '../../../../src/caldav/errors.ts';
import { MAX_XML_CHARS, type XmlElement } from '../../../../src/caldav/xml.ts';

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
export function parseXmlWithFastXmlParser(p: { body: string; url: string }): XmlElement {
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
