/**
 * The one place a CalDAV transport for a calendar account is made, so every caller — connecting,
 * refreshing, the sync engine — gets the same credential scope, address guard, timeout and request
 * logging. The password exists in plaintext only inside the transport's Authorization header.
 */
import { createTransport, scopeForUrl, type CalDavCredentials, type CalDavTransport, type CredentialScope } from '../../caldav/index.ts';
import { icloudCredentialScope } from '../../caldav/providers/icloud.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { CalDavSettings, ConnectionLog } from './connection-context.ts';
import type { ConnectionRow } from './connection-access.ts';
import type { ConnectionProvider } from './connection-view.ts';

export interface TransportForOptions {
  credentials: CalDavCredentials;
  /** The account's provider and server URL: the credentials go to that server only. */
  provider: ConnectionProvider;
  serverUrl: string;
  caldav: CalDavSettings;
  log?: ConnectionLog;
}

/**
 * Where an account's credentials may be sent: the server URL's own origin; for iCloud also Apple's
 * partition hosts (and, in tests, the configured stand-ins for them).
 */
export function credentialScopeFor(provider: ConnectionProvider, serverUrl: string, caldav: CalDavSettings): CredentialScope {
  return provider === 'icloud' ? icloudCredentialScope(serverUrl, caldav.icloudPartitionOrigins ?? []) : scopeForUrl(serverUrl);
}

/** A transport for credentials not stored yet (connecting, reauthenticating). */
export function transportFor(options: TransportForOptions): CalDavTransport {
  const { log } = options;
  return createTransport({
    credentials: options.credentials,
    scope: credentialScopeFor(options.provider, options.serverUrl, options.caldav),
    allowPrivateNetworks: options.caldav.allowPrivateNetworks,
    timeoutMs: options.caldav.timeoutMs,
    // The event holds method, credential-free URL, status, sizes and timing: nothing secret.
    ...(log && { onRequest: (event) => log.debug({ caldav: event }, 'caldav request') }),
  });
}

export interface OpenTransportOptions {
  connection: Pick<ConnectionRow, 'username' | 'secret_ciphertext' | 'provider' | 'server_url'>;
  secretBox: SecretBox;
  caldav: CalDavSettings;
  log?: ConnectionLog;
}

/**
 * A transport for a stored connection. Throws SecretBoxError when the secret cannot be decrypted
 * (TANDEM_SECRET_KEY changed): the account then has to be reauthenticated.
 */
export function openTransport(options: OpenTransportOptions): CalDavTransport {
  const { connection } = options;
  const password = options.secretBox.decrypt(connection.secret_ciphertext);
  return transportFor({
    credentials: { username: connection.username, password },
    provider: connection.provider,
    serverUrl: connection.server_url,
    caldav: options.caldav,
    ...(options.log && { log: options.log }),
  });
}
