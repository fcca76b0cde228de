/**
 * The one classifier of remote failures: what a CalDavError means for whoever meets it — the sync
 * jobs, the outbox dispatcher, the connection screens — as an action, a stable code and a message
 * that tells the truth about both the cause and what Tandem does next.
 *
 * - retry: the server is busy, down, slow or unreachable, or gave a garbled answer; backoff retries.
 * - reconnect: the credentials were refused (401/403); only a new password helps, polling stops.
 * - stop: retrying the same request gets the same refusal — an answer Tandem will not accept
 *   (hostile XML, over-size), an address Tandem may not contact, a redirect to another server.
 *   That is the server's data or the installation's configuration, not the password: the
 *   connection stays as it is and the calendar is looked at again only rarely (or on "Sync now").
 */
import type { CalDavError, CalDavErrorKind } from '../errors.ts';
import { describeCalDavError, type ProviderErrorDescription } from './generic.ts';
import { describeICloudError } from './icloud.ts';

export type FailureAction = 'retry' | 'reconnect' | 'stop';
export type CalDavProvider = 'icloud' | 'caldav';

export interface RemoteFailure {
  action: FailureAction;
  /** Stable, provider-prefixed (icloud_… / caldav_…); the same codes the connect dialog uses. */
  code: string;
  /** What happened, in words for the account's owner; no URL user-info, no secrets. */
  message: string;
  retryAfterMs: number | null;
}

const ACTIONS: Record<CalDavErrorKind, FailureAction> = {
  unauthorized: 'reconnect',
  forbidden: 'reconnect',
  refused_response: 'stop',
  blocked_address: 'stop',
  cross_origin: 'stop',
  // A 404 on a collection can be a passing iCloud hiccup; a vanished calendar is found by the list refresh.
  not_found: 'retry',
  precondition_failed: 'retry',
  sync_token_invalid: 'retry',
  insufficient_storage: 'retry',
  rate_limited: 'retry',
  server_error: 'retry',
  network: 'retry',
  timeout: 'retry',
  invalid_response: 'retry',
};

export function actionFor(kind: CalDavErrorKind): FailureAction {
  return ACTIONS[kind];
}

export function describeFor(error: CalDavError, provider: CalDavProvider): ProviderErrorDescription {
  const described = provider === 'icloud' ? describeICloudError(error) : describeCalDavError(error);
  // A timeout is told apart from an unreachable host: the advice differs.
  return error.kind === 'timeout' ? { ...described, code: `${provider}_timeout` } : described;
}

const CONSEQUENCE: Record<FailureAction, string> = {
  retry: '',
  reconnect: ' Syncing of this account is paused until it is reconnected.',
  stop: ' Tandem stopped retrying: it looks at this calendar again once a day, or at once when you press “Sync now”.',
};

/** A failure met in the background (sync, outbox): the description plus what Tandem does about it. */
export function classifyCalDavFailure(error: CalDavError, provider: CalDavProvider): RemoteFailure {
  const action = actionFor(error.kind);
  const described = describeFor(error, provider);
  const promisesRetry = /will try again/i.test(described.message);
  const message = described.message + (action === 'retry' && !promisesRetry ? ' Tandem will try again.' : CONSEQUENCE[action]);
  return { action, code: described.code, message, retryAfterMs: action === 'retry' ? error.retryAfterMs : null };
}
