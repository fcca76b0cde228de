/**
 * The error codes of connecting calendar accounts, one part of the closed table in
 * services/app-error.ts (imports nothing, so the table can be assembled without a cycle).
 *
 * Statuses: 401 and 403 already mean something on Tandem's API ("sign in", "your role does not
 * allow this"), so a remote server refusing the *calendar* credentials is 422 — the request was
 * understood, the account details are wrong. A remote server failing is 502, one that cannot be
 * reached or does not answer in time 504. The user's own typing errors (password shape) are 400.
 */
import type { ErrorCodeTable } from '../error-code-table.ts';

export const connectionErrorCodes = {
  app_password_shape: { status: 400, message: 'An app-specific password has four groups of four letters, like abcd-efgh-ijkl-mnop.' },
  main_password_used: {
    status: 400,
    message: 'This looks like your Apple ID password. iCloud calendars need an app-specific password from appleid.apple.com.',
  },
  connection_exists: {
    status: 409,
    message: 'This calendar account is already connected. To give it a new password, reconnect it instead.',
  },
  connection_secret_unreadable: {
    status: 409,
    message:
      'The stored password of this account cannot be read any more (the server key changed). Reconnect the account with its password.',
  },
  calendar_not_writable: { status: 422, message: 'The primary calendar must be one the account can write to; this one is read-only.' },
  calendar_not_connectable: { status: 422, message: 'Subscribed calendars cannot be connected.' },

  icloud_auth_failed: { status: 422, message: 'iCloud did not accept the Apple ID email or the app-specific password.' },
  icloud_forbidden: {
    status: 422,
    message: 'iCloud refused access to this account. Two-factor authentication must be on and the password must be an app-specific one.',
  },
  icloud_not_found: { status: 502, message: 'iCloud has no calendar account at this address.' },
  icloud_unreachable: { status: 504, message: 'iCloud could not be reached. Check the network connection and try again.' },
  icloud_timeout: { status: 504, message: 'iCloud did not answer in time. Try again in a few minutes.' },
  icloud_server_error: { status: 502, message: 'iCloud had a server problem or is busy. Nothing was saved; try again in a few minutes.' },
  icloud_invalid_response: {
    status: 502,
    message: 'iCloud gave an answer Tandem could not use. Nothing was saved; try again in a few minutes.',
  },
  // Only when ICLOUD_CALDAV_URL points at a private address and CALDAV_ALLOW_PRIVATE_NETWORKS is off.
  icloud_blocked_address: {
    status: 502,
    message: 'The configured iCloud address is a private network address, which Tandem does not connect to.',
  },
  icloud_refused_response: { status: 502, message: 'iCloud sent an answer Tandem will not accept. Nothing was saved.' },
  icloud_cross_origin_refused: {
    status: 502,
    message: 'iCloud sent Tandem to a server other than Apple’s CalDAV hosts; the password was not sent there. Nothing was saved.',
  },

  caldav_auth_failed: { status: 422, message: 'The calendar server did not accept the username and password.' },
  caldav_forbidden: { status: 422, message: 'The calendar server refused access to this account.' },
  caldav_not_found: { status: 422, message: 'No CalDAV account was found at this address. Check the server URL.' },
  caldav_invalid_response: {
    status: 422,
    message: 'The calendar server gave an answer Tandem could not use. Is this a CalDAV server URL?',
  },
  caldav_blocked_address: { status: 422, message: 'Tandem does not connect to private or local network addresses.' },
  caldav_cross_origin_refused: {
    status: 422,
    message:
      'The calendar server sent Tandem to another server; the password was not sent there. Connect with that server’s address instead.',
  },
  caldav_refused_response: { status: 502, message: 'The calendar server sent an answer Tandem will not accept. Nothing was saved.' },
  caldav_busy: { status: 502, message: 'The calendar server is busy. Nothing was saved; try again in a few minutes.' },
  caldav_server_error: {
    status: 502,
    message: 'The calendar server had an internal error. Nothing was saved; try again in a few minutes.',
  },
  caldav_unreachable: { status: 504, message: 'The calendar server could not be reached. Check the server URL and try again.' },
  caldav_timeout: { status: 504, message: 'The calendar server did not answer in time. Try again later.' },
} as const satisfies ErrorCodeTable;
