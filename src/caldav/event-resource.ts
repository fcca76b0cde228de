/**
 * One calendar object resource: GET, and conditional PUT/DELETE. Writes are always conditional —
 * create with `If-None-Match: *`, change or delete with `If-Match: <etag>` — so an edit made in the
 * calendar app meanwhile surfaces as a 412 'precondition_failed' instead of being overwritten.
 */
import type { CalDavTransport } from './transport.ts';

export type PutCondition = { ifNoneMatch: '*' } | { ifMatch: string };

/**
 * An entity-tag as the If-Match header needs it. Etags read from XML sometimes come unquoted
 * (Zoho's `1770859402675`); the header requires the quoted form, or the server never matches.
 */
export function quoteEtag(etag: string): string {
  const trimmed = etag.trim();
  if (/^(W\/)?".*"$/.test(trimmed)) return trimmed;
  return `"${trimmed.replace(/"/g, '')}"`;
}

export async function getEvent(p: {
  url: string;
  transport: CalDavTransport;
}): Promise<{ etag: string | null; calendarData: string } | null> {
  const response = await p.transport.request({
    method: 'GET',
    url: p.url,
    headers: { accept: 'text/calendar' },
    acceptStatuses: [404, 410],
  });
  if (response.status === 404 || response.status === 410) return null;
  return { etag: response.headers.get('etag'), calendarData: response.body };
}

/**
 * The etag is null when the server did not send one — servers may omit it when they altered the
 * data as stored (RFC 4791 §5.3.4); the caller then reads it back before the next conditional write.
 */
export async function putEvent(p: {
  url: string;
  calendarData: string;
  condition: PutCondition;
  transport: CalDavTransport;
}): Promise<{ etag: string | null }> {
  const condition: Record<string, string> =
    'ifNoneMatch' in p.condition ? { 'if-none-match': '*' } : { 'if-match': quoteEtag(p.condition.ifMatch) };
  const response = await p.transport.request({
    method: 'PUT',
    url: p.url,
    headers: { 'content-type': 'text/calendar; charset=utf-8', ...condition },
    body: p.calendarData,
  });
  return { etag: response.headers.get('etag') };
}

/** Idempotent: a resource that is already gone (404/410) counts as deleted. */
export async function deleteEvent(p: { url: string; ifMatch: string | null; transport: CalDavTransport }): Promise<void> {
  await p.transport.request({
    method: 'DELETE',
    url: p.url,
    headers: p.ifMatch === null ? {} : { 'if-match': quoteEtag(p.ifMatch) },
    acceptStatuses: [404, 410],
  });
}
