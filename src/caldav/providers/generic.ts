/**
 * Any standard CalDAV server (Fastmail, Nextcloud, Radicale, …): user-facing wording for errors.
 * iCloud has its own wording in icloud.ts; both share the shape so the HTTP layer needs one path.
 */
import type { CalDavError, CalDavErrorKind } from '../errors.ts';

export interface ProviderErrorDescription {
  code: string;
  message: string;
}

export function retryHint(e: CalDavError): string {
  if (e.retryAfterMs === null) return ' Tandem will try again shortly.';
  const minutes = Math.ceil(e.retryAfterMs / 60_000);
  return ` Tandem will try again in about ${minutes} minute${minutes === 1 ? '' : 's'}.`;
}

/** An answer refused on principle; asking again gets the same answer until the server's data changes. */
export const REFUSED_RESPONSE =
  'The calendar server sent an answer Tandem will not accept (XML with DOCTYPE or entity declarations, or larger than Tandem’s size limit).';

/** A configuration matter (of the server address or of this Tandem installation), not of the password. */
export const BLOCKED_ADDRESS =
  'Tandem does not connect to private or local network addresses. The server address points into a private, local or cloud-internal network; ' +
  'use the server’s public address. This is a setting of the Tandem installation, not of the account: an administrator can allow ' +
  'private networks for self-hosted servers (CALDAV_ALLOW_PRIVATE_NETWORKS); link-local and cloud metadata addresses are never allowed.';

export function crossOrigin(e: CalDavError, server: string): string {
  const where = e.target === null ? 'another server' : `another server (${e.target})`;
  return `${server.charAt(0).toUpperCase()}${server.slice(1)} sent Tandem to ${where}. Tandem sends the account’s password only to the server it was entered for; if that other server is your calendar server, connect with its address instead.`;
}

const GENERIC: Record<CalDavErrorKind, (e: CalDavError) => ProviderErrorDescription> = {
  unauthorized: () => ({ code: 'caldav_auth_failed', message: 'The calendar server did not accept the username and password.' }),
  forbidden: () => ({ code: 'caldav_forbidden', message: 'The calendar server refused access to this account or calendar.' }),
  not_found: (e) =>
    e.method === 'PROPFIND' || e.method === null
      ? { code: 'caldav_not_found', message: 'No CalDAV account or calendar was found at this address. Check the server URL.' }
      : { code: 'caldav_not_found', message: 'The calendar or event no longer exists on the server.' },
  precondition_failed: () => ({
    code: 'caldav_conflict',
    message: 'The event was changed on the server in the meantime; Tandem will reconcile it.',
  }),
  rate_limited: (e) => ({ code: 'caldav_busy', message: `The calendar server is busy.${retryHint(e)}` }),
  server_error: (e) => ({ code: 'caldav_server_error', message: `The calendar server had an internal error.${retryHint(e)}` }),
  network: () => ({ code: 'caldav_unreachable', message: 'The calendar server could not be reached. Check the server URL and try again.' }),
  timeout: () => ({ code: 'caldav_unreachable', message: 'The calendar server did not answer in time. Try again later.' }),
  invalid_response: () => ({
    code: 'caldav_invalid_response',
    message: 'The calendar server gave an answer Tandem could not use. Is this a CalDAV server URL?',
  }),
  refused_response: () => ({ code: 'caldav_refused_response', message: REFUSED_RESPONSE }),
  blocked_address: () => ({ code: 'caldav_blocked_address', message: BLOCKED_ADDRESS }),
  cross_origin: (e) => ({ code: 'caldav_cross_origin_refused', message: crossOrigin(e, 'the calendar server') }),
  sync_token_invalid: () => ({
    code: 'caldav_sync_token_invalid',
    message: 'The calendar server asked for a full resynchronisation; Tandem is doing it.',
  }),
  insufficient_storage: () => ({
    code: 'caldav_storage_full',
    message: 'The calendar account is out of storage; the event could not be saved.',
  }),
};

export function describeCalDavError(e: CalDavError): ProviderErrorDescription {
  return GENERIC[e.kind](e);
}
