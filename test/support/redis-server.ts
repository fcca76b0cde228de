import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';
import type { RunningServer } from './postgres-server.ts';

/** Starts a throwaway, memory-only redis-server on a free loopback port. */
export async function startRedis(): Promise<RunningServer> {
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
  await waitFor(
    () =>
      new Promise<boolean>((resolve) => {
        const socket = createConnection({ port, host: '127.0.0.1' }, () => {
          socket.end();
          resolve(true);
        });
        socket.on('error', () => resolve(false));
      }),
    `redis on port ${port}`,
  );
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}
