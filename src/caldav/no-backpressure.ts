import type { Dispatcher } from 'undici';

/**
 * An undici interceptor that never asks the HTTP/1 parser to pause for a slow body reader.
 *
 * undici 7 (7.30.3, the last line that runs on Node 20) pauses the parser when a response body is
 * not read as fast as it arrives, and if the server then closes the connection — Radicale closes
 * after every response — the socket's 'end' handler hits `assert(!this.paused)` and the process dies
 * with an uncatchable AssertionError (nodejs/undici#5360, fixed only in undici 8, which needs
 * Node 22). A first import of a 5,000-event Radicale calendar crashed `tandem serve` this way.
 *
 * The transport reads every body whole into memory anyway, under its size cap, so backpressure
 * saves nothing here: every controller the handler is given ignores pause().
 */
export const noBackpressure: Dispatcher.DispatcherComposeInterceptor =
  (dispatch) =>
  (options, handler): boolean =>
    dispatch(options, carryOn(handler));

/** The handler methods whose first argument is the request's controller (undici's handler API). */
const TAKES_CONTROLLER = new Set<PropertyKey>([
  'onRequestStart',
  'onRequestUpgrade',
  'onResponseStart',
  'onResponseData',
  'onResponseEnd',
  'onResponseError',
]);

function carryOn(handler: Dispatcher.DispatchHandler): Dispatcher.DispatchHandler {
  return new Proxy(handler, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (!TAKES_CONTROLLER.has(property)) return method.bind(target);
      // Some paths (a refused connection) report an error with no controller yet: passed on as is.
      return (controller: unknown, ...rest: unknown[]) =>
        method.call(target, typeof controller === 'object' && controller !== null ? neverPaused(controller) : controller, ...rest);
    },
  });
}

function neverPaused(controller: object): object {
  return new Proxy(controller, {
    get(target, property) {
      if (property === 'pause') return () => undefined;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
