import type { Database } from '../../store/database.ts';
import { openTransport } from '../connections/open-transport.ts';
import type { CalDavSettings, ConnectionLog } from '../connections/connection-context.ts';
import type { SecretBox } from '../secrets/secret-box.ts';
import { createCalDavRemoteCalendar } from './caldav-remote-calendar.ts';
import type { OpenRemoteCalendar, RemoteCalendar } from '../../domain/sync/ports.ts';
import { RemoteAccessDenied } from './remote-errors.ts';

export interface RemoteOpenerOptions {
  db: Database;
  secretBox: SecretBox;
  caldav: CalDavSettings;
  log?: ConnectionLog;
}

/**
 * Opens the remote of a stored calendar: its URL, and a transport with the connection's decrypted
 * credentials. A connection waiting for a new password is not contacted at all.
 */
export function createRemoteOpener(options: RemoteOpenerOptions): OpenRemoteCalendar {
  return async (calendarId: string): Promise<RemoteCalendar> => {
    const row = await options.db
      .selectFrom('remote_calendars as c')
      .innerJoin('connections as x', 'x.id', 'c.connection_id')
      .select(['c.url', 'x.username', 'x.secret_ciphertext', 'x.status', 'x.provider', 'x.server_url'])
      .where('c.id', '=', calendarId)
      .executeTakeFirst();
    if (!row) throw new RemoteAccessDenied(`calendar ${calendarId} is no longer connected`);
    if (row.status === 'needs_reconnect') throw new RemoteAccessDenied('the connection is waiting to be reconnected');
    let transport;
    try {
      transport = openTransport({ connection: row, secretBox: options.secretBox, caldav: options.caldav, log: options.log });
    } catch (error) {
      // The stored secret no longer decrypts (TANDEM_SECRET_KEY changed): only reconnecting helps.
      throw new RemoteAccessDenied('the stored password cannot be read; reconnect the account', { cause: error });
    }
    return createCalDavRemoteCalendar({ calendarUrl: row.url, transport, provider: row.provider });
  };
}
