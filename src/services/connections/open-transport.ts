/**
 * The one place a CalDAV transport for a calendar account is made, so every caller — connecting,
 * refreshing, the sync engine — gets the same address guard, timeout and request logging.
 * The password exists in plaintext only inside the transport's Authorization header.
 */
import { createTransport, type CalDavCredentials, type CalDavTransport } from '../../caldav/index.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import type { CalDavSettings, ConnectionLog } from './connection-context.ts';
import type { ConnectionRow } from './connection-access.ts';

export interface TransportForOptions {
  credentials: CalDavCredentials;
  caldav: CalDavSettings;
  log?: ConnectionLog;
}

/** A transport for credentials not stored yet (connecting, reauthenticating). */
export function transportFor(options: TransportForOptions): CalDavTransport {
  const { log } = options;
  return createTransport({
    credentials: options.credentials,
    allowPrivateNetworks: options.caldav.allowPrivateNetworks,
    timeoutMs: options.caldav.timeoutMs,
    // The event holds method, credential-free URL, status, sizes and timing: nothing secret.
    ...(log && { onRequest: (event) => log.debug({ caldav: event }, 'caldav request') }),
  });
}

export interface OpenTransportOptions {
  connection: Pick<ConnectionRow, 'username' | 'secret_ciphertext'>;
  secretBox: SecretBox;
  caldav: CalDavSettings;
  log?: ConnectionLog;
}

/**
 * A transport for a stored connection. Throws SecretBoxError when the secret cannot be decrypted
 * (TANDEM_SECRET_KEY changed): the account then has to be reauthenticated.
 */
export function openTransport(options: OpenTransportOptions): CalDavTransport {
  const password = options.secretBox.decrypt(options.connection.secret_ciphertext);
  return transportFor({ credentials: { username: options.connection.username, password }, caldav: options.caldav, log: options.log });
}
