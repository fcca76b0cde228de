/**
 * A small namespace-aware XML reader and writer for WebDAV bodies.
 *
 * Test support may not add npm packages, and the project's fast-xml-parser keeps prefixes instead of
 * resolving namespaces — useless when Radicale says `C:calendar`, Xandikos `ns1:calendar` and iCloud
 * `<calendar xmlns="urn:ietf:params:xml:ns:caldav"/>` for the same thing. WebDAV bodies are small and
 * well formed, so a strict little parser is enough; anything it cannot read is a test failure, loudly.
 */

export const DAV = 'DAV:';
export const CALDAV = 'urn:ietf:params:xml:ns:caldav';
export const CS = 'http://calendarserver.org/ns/';
export const ICAL = 'http://apple.com/ns/ical/';

export interface XmlElement {
  ns: string;
  name: string;
  /** Attributes by local name; namespaced attributes do not occur in CalDAV bodies we handle. */
  attrs: Record<string, string>;
  children: XmlNode[];
}
export type XmlNode = XmlElement | string;

export function el(ns: string, name: string, children: XmlNode[] = [], attrs: Record<string, string> = {}): XmlElement {
  return { ns, name, attrs, children };
}

const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-zA-Z]+);/g, (whole, code: string) => {
    if (code.startsWith('#x')) return String.fromCodePoint(parseInt(code.slice(2), 16));
    if (code.startsWith('#')) return String.fromCodePoint(parseInt(code.slice(1), 10));
    return ENTITIES[code] ?? whole;
  });
}

/** For text content: quotes stay as they are, which is how servers write ETags inside <getetag>. */
export function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** For attribute values (either quote style). */
export function escapeXml(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/** Parses a whole document and returns its root element; throws on anything malformed. */
export function parseXml(source: string): XmlElement {
  let pos = 0;
  const fail = (why: string): never => {
    throw new Error(`XML: ${why} at offset ${pos}: ${JSON.stringify(source.slice(pos, pos + 40))}`);
  };
  // Each open element keeps its prefix → namespace bindings so children resolve against them.
  const stack: Array<{ element: XmlElement; qname: string; scope: Map<string, string> }> = [];
  let root: XmlElement | undefined;
  const resolve = (prefix: string, scope: Map<string, string>): string => {
    const ns = scope.get(prefix);
    if (ns === undefined) {
      if (prefix === '') return '';
      return fail(`unbound prefix ${prefix}`);
    }
    return ns;
  };

  while (pos < source.length) {
    if (source.startsWith('<?', pos)) {
      const end = source.indexOf('?>', pos);
      if (end < 0) fail('unterminated processing instruction');
      pos = end + 2;
    } else if (source.startsWith('<!--', pos)) {
      const end = source.indexOf('-->', pos);
      if (end < 0) fail('unterminated comment');
      pos = end + 3;
    } else if (source.startsWith('<![CDATA[', pos)) {
      const end = source.indexOf(']]>', pos);
      if (end < 0) fail('unterminated CDATA');
      const top = stack[stack.length - 1] ?? fail('CDATA outside the root element');
      top.element.children.push(source.slice(pos + 9, end));
      pos = end + 3;
    } else if (source.startsWith('<!', pos)) {
      const end = source.indexOf('>', pos);
      if (end < 0) fail('unterminated declaration');
      pos = end + 1;
    } else if (source.startsWith('</', pos)) {
      const end = source.indexOf('>', pos);
      if (end < 0) fail('unterminated end tag');
      const qname = source.slice(pos + 2, end).trim();
      const top = stack.pop() ?? fail(`unexpected end tag ${qname}`);
      if (top.qname !== qname) fail(`end tag ${qname} closes ${top.qname}`);
      pos = end + 1;
    } else if (source[pos] === '<') {
      const match = /^<([^\s/>]+)((?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/.exec(source.slice(pos));
      if (!match) return fail('malformed start tag');
      const [whole, qname = '', attrText = '', selfClosing] = match;
      const parentScope = stack[stack.length - 1]?.scope ?? new Map([['xml', 'http://www.w3.org/XML/1998/namespace']]);
      const scope = new Map(parentScope);
      const rawAttrs: Array<[string, string]> = [];
      for (const attr of attrText.matchAll(/([^\s=]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
        const name = attr[1] ?? '';
        const value = decodeEntities(attr[2] ?? attr[3] ?? '');
        if (name === 'xmlns') scope.set('', value);
        else if (name.startsWith('xmlns:')) scope.set(name.slice(6), value);
        else rawAttrs.push([name, value]);
      }
      const colon = qname.indexOf(':');
      const prefix = colon < 0 ? '' : qname.slice(0, colon);
      const element = el(resolve(prefix, scope), colon < 0 ? qname : qname.slice(colon + 1));
      for (const [name, value] of rawAttrs) element.attrs[name.includes(':') ? name.slice(name.indexOf(':') + 1) : name] = value;
      const parent = stack[stack.length - 1];
      if (parent) parent.element.children.push(element);
      else if (root) fail('second root element');
      else root = element;
      if (!selfClosing) stack.push({ element, qname, scope });
      pos += whole.length;
    } else {
      const end = source.indexOf('<', pos);
      const text = source.slice(pos, end < 0 ? source.length : end);
      const top = stack[stack.length - 1];
      if (top) top.element.children.push(decodeEntities(text));
      else if (text.trim() !== '') fail('text outside the root element');
      pos = end < 0 ? source.length : end;
    }
  }
  if (stack.length > 0) fail(`unclosed element ${stack[stack.length - 1]?.qname}`);
  return root ?? fail('no root element');
}

export function isElement(node: XmlNode): node is XmlElement {
  return typeof node !== 'string';
}

export function childElements(parent: XmlElement, ns?: string, name?: string): XmlElement[] {
  return parent.children
    .filter(isElement)
    .filter((child) => (ns === undefined || child.ns === ns) && (name === undefined || child.name === name));
}

export function firstChild(parent: XmlElement, ns: string, name: string): XmlElement | undefined {
  return childElements(parent, ns, name)[0];
}

/** All descendants (not the element itself) with that name, depth first. */
export function descendants(parent: XmlElement, ns: string, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  for (const child of parent.children.filter(isElement)) {
    if (child.ns === ns && child.name === name) found.push(child);
    found.push(...descendants(child, ns, name));
  }
  return found;
}

export function textOf(element: XmlElement): string {
  return element.children.map((child) => (typeof child === 'string' ? child : textOf(child))).join('');
}

/** Writes an element with conventional prefixes (`D:`, `C:`…), declared once on the root, as most servers do. */
export function serializePrefixed(root: XmlElement): string {
  const known: Record<string, string> = { [DAV]: 'D', [CALDAV]: 'C', [CS]: 'CS', [ICAL]: 'A' };
  const prefixes = new Map<string, string>();
  const prefixOf = (ns: string): string => {
    let prefix = prefixes.get(ns);
    if (prefix === undefined) {
      prefix = known[ns] ?? `x${prefixes.size}`;
      prefixes.set(ns, prefix);
    }
    return prefix;
  };
  const write = (node: XmlNode): string => {
    if (typeof node === 'string') return escapeText(node);
    const qname = node.ns === '' ? node.name : `${prefixOf(node.ns)}:${node.name}`;
    const attrs = Object.entries(node.attrs)
      .map(([name, value]) => ` ${name}="${escapeXml(value)}"`)
      .join('');
    const inner = node.children.map(write).join('');
    return inner === '' ? `<${qname}${attrs}/>` : `<${qname}${attrs}>${inner}</${qname}>`;
  };
  const body = write(root);
  const declarations = [...prefixes].map(([ns, prefix]) => ` xmlns:${prefix}="${escapeXml(ns)}"`).join('');
  const rootName = root.ns === '' ? root.name : `${prefixOf(root.ns)}:${root.name}`;
  return `<?xml version="1.0" encoding="utf-8"?>\n${body.replace(`<${rootName}`, `<${rootName}${declarations}`)}`;
}
