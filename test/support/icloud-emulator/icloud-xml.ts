import { DAV, el, escapeText, escapeXml, firstChild, isElement, childElements, type XmlElement, type XmlNode } from './xml.ts';

/**
 * Writes WebDAV XML the way iCloud does (compare ../../../../shared/fixtures/kashcal/caldav/icloud/):
 * no prefixes, a default `xmlns` repeated on every response and on every property, namespaced values
 * (`<comp name='VEVENT' xmlns='…caldav'/>`, `<href xmlns="DAV:">`) declared again even where the parent
 * already has that namespace, and blank-line padding between elements. A client that only copes with
 * Radicale's prefixed compact style fails here just as it would against the real thing.
 */
export function serializeICloud(root: XmlElement): string {
  return `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n${writeStructural(root, 0)}\n`;
}

/** DAV: elements that frame a multistatus; everything under a <prop> is a property instead. */
const STRUCTURAL = new Set(['multistatus', 'response', 'propstat', 'prop', 'href', 'status', 'sync-token', 'responsedescription', 'error']);
/** iCloud declares the namespace on these even when the parent's default already is it. */
const ALWAYS_DECLARED = new Set(['href', 'comp']);

function writeStructural(node: XmlElement, depth: number): string {
  const pad = '    '.repeat(depth);
  if (node.ns !== DAV || !STRUCTURAL.has(node.name)) return pad + writeValue(node, '', true);
  const declare = node.name === 'multistatus' || node.name === 'response' || node.name === 'error' ? ' xmlns="DAV:"' : '';
  const elements = node.children.filter(isElement);
  if (elements.length === 0) {
    const text = node.children.join('');
    return `${pad}<${node.name}${declare}>${escapeText(text)}</${node.name}>`;
  }
  if (node.name === 'prop' || node.name === 'error') {
    const inner = elements.map((child) => `\n${pad}    ${writeValue(child, DAV, true)}\n`).join('');
    return `${pad}<${node.name}${declare}>${inner}${pad}</${node.name}>`;
  }
  const gap = node.name === 'multistatus' ? '\n\n' : '\n';
  const inner = elements.map((child) => writeStructural(child, depth + 1)).join(gap);
  return `${pad}<${node.name}${declare}>${gap}${inner}${gap}${pad}</${node.name}>`;
}

function writeValue(node: XmlNode, defaultNs: string, forceDeclare: boolean): string {
  if (typeof node === 'string') return escapeText(node);
  const declare = forceDeclare || node.ns !== defaultNs || ALWAYS_DECLARED.has(node.name);
  const quote = node.name === 'comp' ? "'" : '"';
  const attrs = Object.entries(node.attrs)
    .map(([name, value]) => ` ${name}=${quote}${escapeXml(value)}${quote}`)
    .join('');
  const xmlns = declare ? ` xmlns=${quote}${escapeXml(node.ns)}${quote}` : '';
  const inner = node.children.map((child) => writeValue(child, node.ns, false)).join('');
  return inner === '' ? `<${node.name}${attrs}${xmlns}/>` : `<${node.name}${attrs}${xmlns}>${inner}</${node.name}>`;
}

/** What a PROPFIND asked for. */
export type PropRequest = { kind: 'prop'; names: Array<{ ns: string; name: string }> } | { kind: 'allprop' } | { kind: 'propname' };

export function parsePropfind(root: XmlElement | undefined): PropRequest {
  if (!root) return { kind: 'allprop' };
  if (root.ns !== DAV || root.name !== 'propfind') throw new Error(`not a propfind body: ${root.name}`);
  if (firstChild(root, DAV, 'propname')) return { kind: 'propname' };
  const prop = firstChild(root, DAV, 'prop');
  if (!prop) return { kind: 'allprop' };
  return { kind: 'prop', names: childElements(prop).map((child) => ({ ns: child.ns, name: child.name })) };
}

/** A resource as the emulator answers for it: its href and the properties it has (property element by `ns|name`). */
export interface DavResource {
  href: string;
  props: Map<string, XmlElement>;
}

export function propKey(ns: string, name: string): string {
  return `${ns}|${name}`;
}

export function resource(href: string, props: XmlElement[]): DavResource {
  return { href, props: new Map(props.map((prop) => [propKey(prop.ns, prop.name), prop])) };
}

const OK = 'HTTP/1.1 200 OK';
const NOT_FOUND = 'HTTP/1.1 404 Not Found';

/**
 * One <response> for a PROPFIND: what the resource has in a 200 propstat, what was asked for and is
 * missing in a separate 404 propstat — the shape iCloud uses, e.g. for the `resourcetype` of members.
 */
export function propfindResponse(res: DavResource, request: PropRequest): XmlElement {
  let found: XmlElement[];
  let missing: XmlElement[] = [];
  if (request.kind === 'allprop') found = [...res.props.values()];
  else if (request.kind === 'propname') found = [...res.props.values()].map((prop) => el(prop.ns, prop.name));
  else {
    found = [];
    for (const { ns, name } of request.names) {
      const prop = res.props.get(propKey(ns, name));
      if (prop) found.push(prop);
      else missing.push(el(ns, name));
    }
    missing = dedupe(missing);
  }
  const propstats: XmlElement[] = [];
  if (found.length > 0) propstats.push(el(DAV, 'propstat', [el(DAV, 'prop', found), el(DAV, 'status', [OK])]));
  if (missing.length > 0) propstats.push(el(DAV, 'propstat', [el(DAV, 'prop', missing), el(DAV, 'status', [NOT_FOUND])]));
  return el(DAV, 'response', [el(DAV, 'href', [res.href]), ...propstats]);
}

function dedupe(elements: XmlElement[]): XmlElement[] {
  const seen = new Set<string>();
  return elements.filter((element) => {
    const key = propKey(element.ns, element.name);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function multistatus(responses: XmlElement[]): XmlElement {
  return el(DAV, 'multistatus', responses);
}

/** `<href>` children for href-valued properties. */
export function hrefs(...values: string[]): XmlElement[] {
  return values.map((value) => el(DAV, 'href', [value]));
}
