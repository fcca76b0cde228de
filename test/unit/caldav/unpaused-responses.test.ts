/**
 * A CalDAV server that sends a large answer and closes the socket before Tandem has read it must
 * not crash the process (undici 7: `assert(!this.paused)` in Parser.finish, nodejs/undici#5360 —
 * it killed `tandem serve` mid-import on a busy machine). Same shape as that reproduction:
 * the body is not read until the client's socket has seen the server's FIN.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Agent, buildConnector, fetch } from 'undici';
import { unpausedResponses } from '../../../src/caldav/unpaused-responses.ts';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../../../src/caldav/transport.ts';
import { waitFor } from '../../support/wait-for.ts';

// Small enough to arrive with the FIN in one read: the parser pauses on it and then sees the end.
const BODY = Buffer.alloc(20_000, 0x61);
let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer((socket) => {
    socket.once('data', () => {
      socket.write(`HTTP/1.1 207 Multi-Status\r\nContent-Length: ${BODY.length}\r\nConnection: close\r\n\r\n`);
      socket.end(BODY); // all of it, then FIN, as Radicale does
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

it('reads a whole answer whose socket ended while the body was still unread', async () => {
  let finSeen = false;
  const connector = buildConnector({});
  const agent = new Agent({
    connect: (options, callback) =>
      connector(options, (error, socket) => {
        // Registered before undici's own handlers: once one has run, undici has handled the FIN too
        // (without the interceptor, the process dies in undici's 'end' handler right after ours).
        socket?.once('end', () => (finSeen = true));
        socket?.once('close', () => (finSeen = true));
        callback(error, socket as never);
      }),
  });
  const dispatcher = agent.compose(unpausedResponses(DEFAULT_MAX_RESPONSE_BYTES));
  const response = await fetch(`http://127.0.0.1:${port}/calendar/`, { method: 'REPORT', dispatcher });
  await waitFor(async () => finSeen, 'the client socket to see the FIN');
  const body = await response.arrayBuffer();
  expect(body.byteLength).toBe(BODY.length);
  await agent.close();
});
