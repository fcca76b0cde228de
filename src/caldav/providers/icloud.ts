/**
 * Every iCloud-specific rule, in one place:
 * - discovery starts at caldav.icloud.com and lands on a partition host (pNN-caldav.icloud.com:443),
 *   which the transport reaches by following redirects with the credentials kept;
 * - only app-specific passwords work (Apple ID passwords are refused once two-factor is on, and
 *   two-factor is required), so we check the shape before ever contacting Apple;
 * - iCloud's calendar home contains the inbox, outbox, notification collection, the VTODO-only
 *   "Reminders" list and subscribed calendars — listCalendars already sorts those out;
 * - iCloud answers a PUT of a VEVENT without DTEND with 404 (the iCalendar writer always writes DTEND);
 * - errors get iCloud-specific wording that says what to do on Apple's side.
 */
import { scopeForUrl, type CredentialScope } from '../credential-scope.ts';
import type { CalDavError, CalDavErrorKind } from '../errors.ts';
import { crossOrigin, describeCalDavError, REFUSED_RESPONSE, retryHint, type ProviderErrorDescription } from './generic.ts';

export const ICLOUD_DEFAULT_BASE_URL = 'https://caldav.icloud.com';
export const APPLE_ID_URL = 'https://appleid.apple.com';

/** Apple's CalDAV partition hosts, where every account's calendar home lives (p01- … p180-caldav.icloud.com). */
export const ICLOUD_PARTITION_HOSTS = /^p\d{1,4}-caldav\.icloud\.com$/;

/**
 * Where iCloud credentials may go: the discovery URL's origin and Apple's partition hosts (https,
 * port 443). `partitionOrigins` adds stand-ins for the partition hosts (the emulator in tests).
 */
export function icloudCredentialScope(baseUrl: string, partitionOrigins: readonly string[] = []): CredentialScope {
  return { ...scopeForUrl(baseUrl, partitionOrigins), httpsHosts: ICLOUD_PARTITION_HOSTS };
}

const HOW_TO_CREATE =
  `Sign in at ${APPLE_ID_URL}, open Sign-In and Security → App-Specific Passwords, ` + 'create one for Tandem and paste it here.';

export type AppPasswordCheck =
  { ok: true; password: string } | { ok: false; code: 'app_password_shape' | 'main_password_used'; message: string };

/**
 * App-specific passwords are four groups of four letters, `xxxx-xxxx-xxxx-xxxx`. People paste them
 * with spaces instead of (or around) the dashes, in capitals, or as 16 letters in a row: all fine,
 * normalised to lower case with dashes. Never echoes the input.
 */
export function checkAppSpecificPassword(raw: string): AppPasswordCheck {
  const text = raw.trim().toLowerCase();
  // Dashes with optional spaces around them, or runs of spaces, are all one separator.
  const separated = text.replace(/\s*-\s*|\s+/g, '-');
  if (/^[a-z]{4}-[a-z]{4}-[a-z]{4}-[a-z]{4}$/.test(separated)) return { ok: true, password: separated };
  if (/^[a-z]{16}$/.test(text)) return { ok: true, password: text.match(/.{4}/g)?.join('-') ?? text };

  const groupedLikeAppPassword = /^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/.test(separated);
  // Apple ID passwords need 8+ characters with a digit and mixed case; app-specific ones are letters only.
  const looksLikeAppleIdPassword =
    !groupedLikeAppPassword && raw.trim().length >= 8 && (/[^a-zA-Z\s-]/.test(raw) || (/[a-z]/.test(raw) && /[A-Z]/.test(raw)));
  if (looksLikeAppleIdPassword) {
    return {
      ok: false,
      code: 'main_password_used',
      message: `This looks like your Apple ID password. iCloud calendars need an app-specific password instead (two-factor authentication must be on). ${HOW_TO_CREATE}`,
    };
  }
  return {
    ok: false,
    code: 'app_password_shape',
    message: `An app-specific password has four groups of four letters, like abcd-efgh-ijkl-mnop. ${HOW_TO_CREATE}`,
  };
}

const ICLOUD: Partial<Record<CalDavErrorKind, (e: CalDavError) => ProviderErrorDescription>> = {
  unauthorized: () => ({
    code: 'icloud_auth_failed',
    message:
      'iCloud did not accept the Apple ID email or the app-specific password. Resetting or changing the Apple ID password revokes every ' +
      `app-specific password — the most common reason sync suddenly stops. Check the email, or create a new app-specific password: ${HOW_TO_CREATE}`,
  }),
  forbidden: () => ({
    code: 'icloud_forbidden',
    message:
      'iCloud refused access to this account. Two-factor authentication must be turned on for the Apple ID, ' +
      `the account must not be locked, and the password must be an app-specific one (see ${APPLE_ID_URL}).`,
  }),
  network: () => ({ code: 'icloud_unreachable', message: 'iCloud could not be reached. Check the network connection and try again.' }),
  timeout: () => ({ code: 'icloud_unreachable', message: 'iCloud did not answer in time. Try again in a few minutes.' }),
  server_error: (e) => ({ code: 'icloud_server_error', message: `iCloud had a server problem.${retryHint(e)}` }),
  rate_limited: (e) => ({ code: 'icloud_server_error', message: `iCloud is busy or temporarily unavailable.${retryHint(e)}` }),
  not_found: (e) =>
    e.method === 'PUT'
      ? {
          code: 'icloud_event_rejected',
          message: 'iCloud rejected the event (it answers "not found" to events it cannot store, e.g. without an end time).',
        }
      : { code: 'icloud_not_found', message: 'iCloud has no calendar account or calendar at this address any more.' },
  invalid_response: () => ({
    code: 'icloud_invalid_response',
    message: 'iCloud gave an answer Tandem could not use. Tandem will try again.',
  }),
  refused_response: () => ({ code: 'icloud_refused_response', message: REFUSED_RESPONSE.replace('The calendar server', 'iCloud') }),
  cross_origin: (e) => ({
    code: 'icloud_cross_origin_refused',
    message: crossOrigin(e, 'iCloud').replace(/if that other server .*$/, 'only Apple’s own pNN-caldav.icloud.com hosts receive it.'),
  }),
  insufficient_storage: () => ({
    code: 'icloud_storage_full',
    message: 'iCloud storage is full, so the event could not be saved. Free up space in iCloud.',
  }),
};

export function describeICloudError(e: CalDavError): ProviderErrorDescription {
  const specific = ICLOUD[e.kind];
  if (specific) return specific(e);
  const generic = describeCalDavError(e);
  return { code: generic.code.replace(/^caldav_/, 'icloud_'), message: generic.message.replace(/the calendar server/gi, 'iCloud') };
}
