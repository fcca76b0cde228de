import type { Config } from '../../config.ts';
import type { ServiceContext } from '../context.ts';
import type { SecretBox } from '../secrets/secret-box.ts';

/** How Tandem talks CalDAV, from the configuration (config.ts). */
export interface CalDavSettings {
  /** Where iCloud discovery starts (https://caldav.icloud.com; the emulator in tests). */
  icloudCalDavUrl: string;
  /** Stand-ins for Apple's partition hosts that may receive iCloud credentials (tests: the emulator); usually empty. */
  icloudPartitionOrigins?: readonly string[];
  /** Off in production: users type server URLs, which must not reach Tandem's own network. */
  allowPrivateNetworks: boolean;
  timeoutMs: number;
}

export function caldavSettingsFrom(
  config: Pick<Config, 'icloudCalDavUrl' | 'allowPrivateNetworks' | 'caldavTimeoutMs'> & Partial<Pick<Config, 'icloudPartitionOrigins'>>,
): CalDavSettings {
  return {
    icloudCalDavUrl: config.icloudCalDavUrl,
    icloudPartitionOrigins: config.icloudPartitionOrigins ?? [],
    allowPrivateNetworks: config.allowPrivateNetworks,
    timeoutMs: config.caldavTimeoutMs,
  };
}

/** The structured-logging calls the connection use cases make; pino's and Fastify's loggers fit. */
export interface ConnectionLog {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

/** What connection use cases need beyond ServiceContext: the secret box and the CalDAV settings. */
export interface ConnectionContext extends ServiceContext {
  secretBox: SecretBox;
  caldav: CalDavSettings;
  log?: ConnectionLog;
}
