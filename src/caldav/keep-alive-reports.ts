import type { Dispatcher } from 'undici';

/**
 * An undici interceptor that keeps the connection open after a request whose method undici does
 * not know to carry a body (REPORT, and any other WebDAV method but PROPFIND/PROPPATCH).
 *
 * Why: undici closes the socket after such a request unless told `reset: false` (client-h1.js,
 * `expectsPayload`), so every sync-collection, multiget and calendar-query paid a new TCP — and
 * against iCloud a new TLS — handshake: an idle poll is one REPORT, so every poll did. CalDAV
 * servers read REPORT bodies by definition (RFC 3253 §3.6), which is what the reset guards against
 * for methods like GET with a body. A caller that sets `reset` itself keeps its choice.
 */
export function keepAliveAfterReports(): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) =>
    dispatch(options.reset === undefined && options.method.toUpperCase() === 'REPORT' ? { ...options, reset: false } : options, handler);
}
