/** The CalDAV client's public surface; import from here rather than from the individual modules. */
export { CalDavError, type CalDavErrorKind } from './errors.ts';
export { classifyAddress, type BlockedAddressReason } from './address-guard.ts';
export {
  createTransport,
  type CalDavCredentials,
  type CalDavTransport,
  type CreateTransportOptions,
  type RequestEvent,
} from './transport.ts';
export { discoverAccount, readSelfAddresses, type DiscoveredAccount } from './discover-account.ts';
export { calendarIsGone, listCalendars, type RemoteCalendarInfo } from './list-calendars.ts';
export { syncCollection, type SyncCollectionResult } from './sync-collection.ts';
export { calendarMultiget, warmMultigetReader, type MultigetItem, type SpooledObjects } from './multiget.ts';
export { listEtags } from './list-etags.ts';
export { getEvent, putEvent, deleteEvent, type PutCondition } from './event-resource.ts';
export { calendarQueryExpanded } from './calendar-query.ts';
export { scopeForUrl, scopeAllows, type CredentialScope } from './credential-scope.ts';
