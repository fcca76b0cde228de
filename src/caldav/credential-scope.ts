/**
 * Where an account's credentials may be sent. A CalDAV server answers with redirects and absolute
 * hrefs; without this check a hostile (or compromised) server could send Tandem — with the
 * user's password in the Authorization header — to any other host, port or internal service.
 *
 * The rule: the origin the credentials were given for (scheme, host and port of the server URL),
 * the same host upgraded from http to https on the default ports, and hosts a provider names
 * explicitly (iCloud's partition hosts, `pNN-caldav.icloud.com`, over https only). Anything else
 * is refused before a byte is sent, whatever the address.
 */

export interface CredentialScope {
  /** Origins (`scheme://host[:port]`) the credentials were given for. */
  origins: readonly string[];
  /** Host names that may also receive them, over https on the default port only. */
  httpsHosts?: RegExp;
}

/** The scope of credentials typed for one server URL (a non-URL yields an empty scope: nothing allowed). */
export function scopeForUrl(serverUrl: string, extraOrigins: readonly string[] = []): CredentialScope {
  return { origins: [serverUrl, ...extraOrigins].flatMap((raw) => originOf(raw) ?? []) };
}

function originOf(raw: string): string | null {
  try {
    const origin = new URL(raw).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

export function scopeAllows(scope: CredentialScope, url: URL): boolean {
  if (scope.origins.includes(url.origin)) return true;
  const defaultPort = url.port === '';
  if (url.protocol === 'https:' && defaultPort) {
    // http://host → https://host: the same host, a safer channel (the usual "always https" redirect).
    if (scope.origins.includes(`http://${url.host}`)) return true;
    if (scope.httpsHosts?.test(url.hostname.toLowerCase())) return true;
  }
  return false;
}
