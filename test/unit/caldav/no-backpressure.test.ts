/**
 * The transport's interceptor (no-backpressure.ts) hands bodies on whole: a server that closes the
 * connection right after a large response (as Radicale does after every response), read only
 * after it closed. The crash the interceptor prevents (nodejs/undici#5360) depends on timing and is
 * not reproduced here; `npm run bench:import` at 5,000 events hit it without the interceptor.
 */
import { createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, fetch } from 'undici';
import { noBackpressure } from '../../../src/caldav/no-backpressure.ts';
import { waitFor } from '../../support/wait-for.ts';

const BODY = Buffer.alloc(1024 * 1024, 0x61);

describe('noBackpressure interceptor', () => {
  let finished = 0;
  const server = createServer((socket: Socket) => {
    socket.once('data', () => {
      socket.write(`HTTP/1.1 207 Multi-Status\r\nContent-Length: ${BODY.length}\r\nConnection: close\r\n\r\n`);
      socket.write(BODY);
      socket.end();
    });
    // Everything written and the FIN sent.
    socket.on('finish', () => finished++);
    socket.on('error', () => undefined);
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('a body left unread until the server has closed the connection still arrives whole', async () => {
    const dispatcher = new Agent().compose(noBackpressure);
    const response = await fetch(url, { method: 'REPORT', dispatcher });
    // Not a race: the server closes only after writing everything; the body is read after that.
    await waitFor(async () => finished === 1, 'the server closing the connection');
    const body = Buffer.from(await response.arrayBuffer());
    expect(response.status).toBe(207);
    expect(body.length).toBe(BODY.length);
    expect(body.equals(BODY)).toBe(true);
  });
});
