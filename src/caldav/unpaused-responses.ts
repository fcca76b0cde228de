import type { Dispatcher } from 'undici';

/**
 * An undici interceptor that keeps the HTTP/1 parser from pausing on a response body until
 * `budgetBytes` of it arrived.
 *
 * Why: in undici 7, when a response body applies backpressure the parser pauses, and if the server
 * then closes the socket (Radicale closes after each answer) `Parser.finish()` asserts `!paused` —
 * an uncatchable AssertionError from the socket's 'end' handler that killed `tandem serve` in the
 * middle of an import on a busy machine (nodejs/undici#5360; fixed only in undici 8, which needs
 * Node 22). Our reader (transport.ts readBody) drains every body at once and refuses it past the
 * size cap, so ignoring backpressure costs no more memory than that cap; past the budget the pause
 * goes through again, and the reader cancels such a body anyway.
 */
export function unpausedResponses(budgetBytes: number): Dispatcher.DispatcherComposeInterceptor {
  return (dispatch) => (options, handler) => {
    let received = 0;
    let wrapped: Dispatcher.DispatchController | null = null;
    const unpausable = (controller: Dispatcher.DispatchController): Dispatcher.DispatchController =>
      (wrapped ??= {
        get aborted() {
          return controller.aborted;
        },
        get paused() {
          return controller.paused;
        },
        get reason() {
          return controller.reason;
        },
        abort: (reason) => controller.abort(reason),
        pause: () => {
          if (received > budgetBytes) controller.pause();
        },
        resume: () => controller.resume(),
      });
    return dispatch(options, {
      onRequestStart: (controller, context) => handler.onRequestStart?.(unpausable(controller), context),
      onRequestUpgrade: (controller, statusCode, headers, socket) =>
        handler.onRequestUpgrade?.(unpausable(controller), statusCode, headers, socket),
      onResponseStart: (controller, statusCode, headers, statusMessage) =>
        handler.onResponseStart?.(unpausable(controller), statusCode, headers, statusMessage),
      onResponseData: (controller, chunk) => {
        received += chunk.byteLength;
        handler.onResponseData?.(unpausable(controller), chunk);
      },
      onResponseEnd: (controller, trailers) => handler.onResponseEnd?.(unpausable(controller), trailers),
      onResponseError: (controller, error) => handler.onResponseError?.(unpausable(controller), error),
    });
  };
}
