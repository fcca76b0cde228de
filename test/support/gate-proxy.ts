import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GateProxy {
  /** Origin to use instead of the target's. */
  url: string;
  /** Resolves once a request matching the gate is being held. */
  held: Promise<void>;
  /** Lets the held request (and every later one) through. */
  release(): void;
  stop(): Promise<void>;
}

/** A first import's listing with its objects (sync-collection.ts, withData). */
export const listingWithData = (method: string, body: string): boolean =>
  method === 'REPORT' && body.includes('sync-collection') && body.includes('calendar-data');

/**
 * An HTTP proxy that lets `pass` matching requests through and holds the next one until release():
 * a test can then act (send SIGTERM, say) while a sync is known to be between two batches, instead of
 * hoping to win a race against a fast import.
 */
export async function startGateProxy(options: {
  target: string;
  matches: (method: string, body: string) => boolean;
  pass: number;
  /**
   * Requests answered 400 without reaching the target, as a server that refuses them would. The
   * tests that hold a first import between two batches refuse its listing with data (sync-collection.ts,
   * withData), so that its objects come by multigets, which the gate can hold; from a listing with
   * data they come from a file, with no request between two batches to hold.
   */
  refuse?: (method: string, body: string) => boolean;
}): Promise<GateProxy> {
  const target = new URL(options.target);
  let passed = 0;
  let released = false;
  let markHeld: () => void = () => undefined;
  const held = new Promise<void>((resolve) => (markHeld = resolve));
  const waiting: Array<() => void> = [];

  const forward = (request: IncomingMessage, body: Buffer, response: ServerResponse) => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: request.method,
        path: request.url,
        headers: { ...request.headers, host: target.host },
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    upstream.on('error', () => response.destroy());
    upstream.end(body);
  };

  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks);
      if (options.refuse?.(request.method ?? 'GET', body.toString('utf8'))) {
        response.writeHead(400, { 'content-type': 'text/plain' });
        response.end('refused by the test proxy');
        return;
      }
      if (released || !options.matches(request.method ?? 'GET', body.toString('utf8'))) return forward(request, body, response);
      if (passed < options.pass) {
        passed++;
        return forward(request, body, response);
      }
      waiting.push(() => forward(request, body, response));
      markHeld();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    held,
    release() {
      released = true;
      for (const go of waiting.splice(0)) go();
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
