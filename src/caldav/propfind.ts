/** PROPFIND and REPORT plumbing shared by the request modules: body building and multistatus reading. */
import { CalDavError } from './errors.ts';
import type { CalDavResponse, CalDavTransport } from './transport.ts';
import { escapeXml, NS, parseMultistatus, type Multistatus } from './xml.ts';

export type PropName = readonly [ns: string, name: string];

const PREFIXES: Record<string, string> = {
  [NS.DAV]: 'd',
  [NS.CALDAV]: 'c',
  [NS.CALENDARSERVER]: 'cs',
  [NS.APPLE_ICAL]: 'ical',
};

export const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';
export const XML_CONTENT_TYPE = 'application/xml; charset=utf-8';

/** `xmlns:` declarations for the namespaces we speak, for a request body's root element. */
export const NAMESPACE_DECLARATIONS = Object.entries(PREFIXES)
  .map(([ns, prefix]) => `xmlns:${prefix}="${escapeXml(ns)}"`)
  .join(' ');

export function propElement([ns, name]: PropName): string {
  const prefix = PREFIXES[ns];
  if (prefix === undefined) throw new Error(`no prefix for namespace ${ns}`);
  return `<${prefix}:${name}/>`;
}

export function propfindBody(props: readonly PropName[]): string {
  return `${XML_DECLARATION}<d:propfind ${NAMESPACE_DECLARATIONS}><d:prop>${props.map(propElement).join('')}</d:prop></d:propfind>`;
}

/** A multiget/query href: path-only when on the collection's origin (every server accepts that), else absolute. */
export function hrefForBody(target: string, collectionUrl: string): string {
  const url = new URL(target, collectionUrl);
  return escapeXml(url.origin === new URL(collectionUrl).origin ? `${url.pathname}${url.search}` : url.href);
}

export interface MultistatusAnswer {
  response: CalDavResponse;
  multistatus: Multistatus;
}

/** Anything but a 207 that reached here (an accepted non-207 status) is not a multistatus. */
export function assertMultistatusStatus(response: CalDavResponse): void {
  if (response.status !== 207) {
    throw new CalDavError({
      kind: 'invalid_response',
      url: response.url,
      status: response.status,
      message: `expected HTTP 207 Multi-Status, got ${response.status}`,
    });
  }
}

/** Reads a 207 answer in place. */
export function readMultistatus(response: CalDavResponse): Multistatus {
  assertMultistatusStatus(response);
  return parseMultistatus({ body: response.body, url: response.url });
}

export interface PropfindRequest {
  transport: CalDavTransport;
  url: string;
  depth: '0' | '1';
  props: readonly PropName[];
}

/** A PROPFIND's answer, unread (for callers that read a possibly large answer off the event loop). */
export async function propfindResponse(p: PropfindRequest): Promise<CalDavResponse> {
  return p.transport.request({
    method: 'PROPFIND',
    url: p.url,
    headers: { depth: p.depth, 'content-type': XML_CONTENT_TYPE },
    body: propfindBody(p.props),
  });
}

export async function propfind(p: PropfindRequest): Promise<MultistatusAnswer> {
  const response = await propfindResponse(p);
  return { response, multistatus: readMultistatus(response) };
}

export async function report(p: {
  transport: CalDavTransport;
  url: string;
  depth: '0' | '1';
  body: string;
  acceptStatuses?: readonly number[];
  bodySink?: (chunk: Uint8Array) => void;
}): Promise<CalDavResponse> {
  return p.transport.request({
    method: 'REPORT',
    url: p.url,
    headers: { depth: p.depth, 'content-type': XML_CONTENT_TYPE },
    body: p.body,
    acceptStatuses: p.acceptStatuses,
    ...(p.bodySink !== undefined && { bodySink: p.bodySink }),
  });
}
