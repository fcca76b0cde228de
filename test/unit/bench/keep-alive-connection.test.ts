import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { KeepAliveConnection } from '../../../bench/serve/keep-alive-connection.ts';

let server: Server | null = null;

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = null;
});

/** A node:http server answering with `answer`; counts the TCP connections it was opened. */
async function serve(answer: (body: string, url: string, res: import('node:http').ServerResponse) => void) {
  let connections = 0;
  server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => answer(body, req.url ?? '', res));
  });
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, connections: () => connections };
}

describe('KeepAliveConnection (the bookings bench client)', () => {
  it('sends the JSON body and reads each whole answer, on one kept-alive connection', async () => {
    const { port, connections } = await serve((body, url, res) => {
      // Long enough to arrive in several chunks; non-ASCII to count bytes, not characters.
      const text = JSON.stringify({ url, echo: JSON.parse(body) as unknown, pad: 'é'.repeat(100_000) });
      res.writeHead(url === '/missing' ? 404 : 201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    });
    const connection = new KeepAliveConnection('127.0.0.1', port);
    try {
      for (const [path, status] of [
        ['/book', 201],
        ['/missing', 404],
        ['/book', 201],
      ] as const) {
        const answer = await connection.postJson(path, JSON.stringify({ name: 'Zoë' }));
        expect(answer.status).toBe(status);
        expect(JSON.parse(answer.text)).toEqual({ url: path, echo: { name: 'Zoë' }, pad: 'é'.repeat(100_000) });
      }
      expect(connections()).toBe(1);
    } finally {
      connection.close();
    }
  });

  it('refuses an answer it cannot delimit (chunked) instead of guessing', async () => {
    const { port } = await serve((_body, _url, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"a":');
      res.end('1}');
    });
    const connection = new KeepAliveConnection('127.0.0.1', port);
    await expect(connection.postJson('/', '{}')).rejects.toThrow(/without Content-Length/);
    connection.close();
  });

  it('rejects when the server closes the connection before answering, and reconnects for the next request', async () => {
    let calls = 0;
    const { port, connections } = await serve((_body, _url, res) => {
      if (calls++ === 0) {
        res.socket?.destroy();
        return;
      }
      res.writeHead(200, { 'content-length': 2 }).end('ok');
    });
    const connection = new KeepAliveConnection('127.0.0.1', port);
    await expect(connection.postJson('/', '{}')).rejects.toThrow(/closed the connection/);
    await expect(connection.postJson('/', '{}')).resolves.toEqual({ status: 200, text: 'ok' });
    expect(connections()).toBe(2);
    connection.close();
  });
});
