import { checkAppSpecificPassword } from '../../caldav/providers/icloud.ts';
import { AppError } from '../app-error.ts';
import type { CalDavSettings } from './connection-context.ts';
import type { ConnectionProvider } from './connection-view.ts';
// Registers app_password_shape and main_password_used: AppError takes their status from that table.
import './connection-errors.ts';

/** What the connect dialog sends, per provider. */
export type ConnectAccountInput =
  | { provider: 'icloud'; email: string; appSpecificPassword: string }
  | { provider: 'caldav'; serverUrl: string; username: string; password: string };

export interface AccountCredentials {
  provider: ConnectionProvider;
  serverUrl: string;
  username: string;
  password: string;
}

/**
 * The password as it will be sent. iCloud only accepts app-specific passwords, so their shape is
 * checked before Apple is ever contacted: a pasted Apple ID password gets the how-to instead of a
 * 401 (and is not sent anywhere). The provider's message never echoes the input.
 */
export function checkedPassword(provider: ConnectionProvider, raw: string): string {
  if (provider !== 'icloud') return raw;
  const check = checkAppSpecificPassword(raw);
  if (!check.ok) throw new AppError(check.code, { message: check.message });
  return check.password;
}

export function accountCredentials(caldav: CalDavSettings, input: ConnectAccountInput): AccountCredentials {
  if (input.provider === 'icloud') {
    // Apple IDs are case-insensitive e-mail addresses; one spelling keeps "already connected" honest.
    return {
      provider: 'icloud',
      serverUrl: caldav.icloudCalDavUrl,
      username: input.email.trim().toLowerCase(),
      password: checkedPassword('icloud', input.appSpecificPassword),
    };
  }
  return { provider: 'caldav', serverUrl: input.serverUrl.trim(), username: input.username.trim(), password: input.password };
}
