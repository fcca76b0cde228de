import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection } from 'node:net';
import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';
import type { RunningServer } from './postgres-server.ts';

/** A throwaway Redis that can be stopped and started again on the same port (empty again: memory only). */
export interface RestartableRedis extends RunningServer {
  halt(): Promise<void>;
  resume(): Promise<void>;
}

/** Starts a throwaway, memory-only redis-server on a free loopback port. */
export async function startRedis(): Promise<RunningServer> {
  return startRestartableRedis();
}

export async function startRestartableRedis(): Promise<RestartableRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const launch = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' });
    await accepting(port);
  };
  const halt = async (): Promise<void> => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };
  await launch();
  return { url: `redis://127.0.0.1:${port}`, halt, resume: launch, stop: halt };
}

async function accepting(port: number): Promise<void> {
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
}
