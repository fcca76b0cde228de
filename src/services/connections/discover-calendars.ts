import { discoverAccount, listCalendars, type CalDavTransport, type RemoteCalendarInfo } from '../../caldav/index.ts';
import type { ConnectionProvider } from './connection-view.ts';
import { toConnectionError } from './connection-errors.ts';

export interface DiscoveredCalendars {
  principalUrl: string;
  calendarHomeUrl: string;
  /** The principal's calendar-user-address-set: how invitations to this account are recognised. */
  selfAddresses: string[];
  calendars: RemoteCalendarInfo[];
}

export interface DiscoverCalendarsOptions {
  serverUrl: string;
  provider: ConnectionProvider;
  transport: CalDavTransport;
}

/**
 * Discovery then listing, with every CalDAV failure turned into the provider's AppError. Only the
 * account's own calendar home is listed: other homes (SOGo lists shared ones) are not its calendars.
 */
export async function discoverCalendars(options: DiscoverCalendarsOptions): Promise<DiscoveredCalendars> {
  try {
    const account = await discoverAccount({ serverUrl: options.serverUrl, transport: options.transport });
    const calendars = await listCalendars({ calendarHomeUrl: account.calendarHomeUrl, transport: options.transport });
    return {
      principalUrl: account.principalUrl,
      calendarHomeUrl: account.calendarHomeUrl,
      selfAddresses: account.selfAddresses,
      calendars,
    };
  } catch (error) {
    throw toConnectionError(error, options.provider);
  }
}
