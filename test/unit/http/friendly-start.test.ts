import { createServer, type Server } from 'node:net';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { listenErrorMessage } from '../../../src/http/listen-error.ts';
import { loggerOptions } from '../../../src/http/logger-options.ts';

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
}

describe('a busy port', () => {
  it('names the port and how to choose another', async () => {
    const first = createServer();
    await listen(first, 0);
    const address = first.address();
    if (address === null || typeof address === 'string') throw new Error('no port');
    const error = await listen(createServer(), address.port).then(
      () => null,
      (e: unknown) => e,
    );
    first.close();
    const message = listenErrorMessage(error, { port: address.port, host: '127.0.0.1' });
    expect(message).toContain(`Port ${address.port} is already in use`);
    expect(message).toContain(`PORT=${address.port + 1} npm start`);
  });

  it('suggests 3001 for the default port, and leaves other errors alone', () => {
    const busy = Object.assign(new Error('listen EADDRINUSE'), { code: 'EADDRINUSE' });
    expect(listenErrorMessage(busy, { port: 3000, host: '0.0.0.0' })).toContain('PORT=3001 npm start');
    expect(listenErrorMessage(new Error('something else'), { port: 3000, host: '0.0.0.0' })).toBeNull();
  });
});

describe('log format', () => {
  it('is pretty in a terminal and JSON otherwise, unless LOG_FORMAT says', () => {
    expect(loadConfig({}, { stdoutIsTty: true }).logFormat).toBe('pretty');
    expect(loadConfig({}, { stdoutIsTty: false }).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'json' }, { stdoutIsTty: true }).logFormat).toBe('json');
    expect(loadConfig({ LOG_FORMAT: 'pretty' }, { stdoutIsTty: false }).logFormat).toBe('pretty');
    expect(() => loadConfig({ LOG_FORMAT: 'xml' })).toThrow(/LOG_FORMAT/);
  });

  it('pretty lines leave out the per-request lines at the default level, but not at debug', () => {
    const pretty = loggerOptions({ logLevel: 'info', logFormat: 'pretty' });
    expect(pretty.logController).toBeDefined();
    expect(pretty.logger).toMatchObject({ level: 'info' });
    expect(loggerOptions({ logLevel: 'debug', logFormat: 'pretty' }).logController).toBeUndefined();
  });

  it('JSON lines keep every request line, and redact secrets in both formats', () => {
    const json = loggerOptions({ logLevel: 'info', logFormat: 'json' });
    expect(json.logController).toBeUndefined();
    expect(json.logger).toMatchObject({ level: 'info', redact: expect.arrayContaining(['req.headers.authorization']) });
    expect(loggerOptions({ logLevel: 'info', logFormat: 'pretty' }).logger).toMatchObject({
      redact: expect.arrayContaining(['req.headers.authorization']),
    });
  });
});
