import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CalDavTestServer } from './caldav-fixtures.ts';
import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';

export type { CalDavTestServer } from './caldav-fixtures.ts';

const RADICALE = '/usr/bin/radicale';

/** A child server process plus the tail of what it printed, for error messages. */
export interface ServerProcess {
  port: number;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Any HTTP answer at all means the server is listening and serving. */
function answersHttp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/', method: 'OPTIONS', agent: false }, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Spawns a loopback HTTP server on a free port and waits until it answers. freePort() can race with
 * another process grabbing the same port, so a child that exits during start-up is retried on a new
 * port a few times before giving up with its output.
 */
export async function spawnServerProcess(
  command: string,
  argsFor: (port: number) => string[],
  what: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  if (!existsSync(command)) {
    throw new Error(`${command} is missing; run scripts/ensure-test-programs.sh`);
  }
  let lastFailure = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    // Call the /usr/bin script itself: its shebang picks Debian's python3, which has the server's
    // modules; the python3 first on PATH here does not.
    const child = spawn(command, argsFor(port), { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let output = '';
    // Drain both pipes (a full pipe would block the server) and keep only a tail for diagnostics.
    const keep = (chunk: Buffer): void => {
      output = (output + chunk.toString('utf8')).slice(-8_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    // A test process that dies without calling stop() must not leave servers behind.
    const killOnExit = (): void => {
      child.kill('SIGKILL');
    };
    process.once('exit', killOnExit);
    let hasExited = false;
    void exited.then(() => {
      hasExited = true;
    });
    let outcome: 'ready' | 'exited';
    try {
      outcome = await Promise.race([
        // Once the child is gone the probe ends the poll at once; the race has already been decided.
        waitFor(async () => hasExited || (await answersHttp(port)), `${what} on port ${port}`, 30_000).then(() => 'ready' as const),
        exited.then(() => 'exited' as const),
      ]);
    } catch (error) {
      process.removeListener('exit', killOnExit);
      child.kill('SIGKILL');
      throw new Error(`${String(error)}\n${output}`);
    }
    if (outcome === 'ready') {
      return {
        port,
        child,
        output: () => output,
        async stop() {
          process.removeListener('exit', killOnExit);
          if (child.exitCode !== null || child.signalCode !== null) return;
          child.kill('SIGTERM');
          // Both servers exit promptly on SIGTERM; SIGKILL only guards against a wedged one.
          const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(timer);
        },
      };
    }
    process.removeListener('exit', killOnExit);
    lastFailure = output;
  }
  throw new Error(`${what} failed to start three times; last output:\n${lastFailure}`);
}

/**
 * Starts Radicale 3 (Debian package) on a free loopback port with one htpasswd (plain) user.
 * Without `storageDir` the collections live in a temp folder removed on stop(); a given folder (e.g. a
 * seeded 5,000-event calendar, DESIGN §7) is used as is and left in place.
 * Radicale creates the principal collection `/<user>/` on first access and no calendar: tests make
 * their own with makeCalendar(), or seed `<storageDir>/collection-root/<user>/<calendar>/`.
 */
export async function startRadicale(
  options: { storageDir?: string; username?: string; password?: string } = {},
): Promise<CalDavTestServer & { storageDir: string }> {
  const username = options.username ?? 'tandem';
  const password = options.password ?? 'radicale-test-password';
  if (!/^[A-Za-z0-9._@-]+$/.test(username) || password.includes('\n')) throw new Error('username/password unusable in an htpasswd file');
  const workDir = mkdtempSync(join(tmpdir(), 'tandem-radicale-'));
  const storageDir = options.storageDir ?? join(workDir, 'storage');
  mkdirSync(storageDir, { recursive: true });
  const htpasswd = join(workDir, 'htpasswd');
  writeFileSync(htpasswd, `${username}:${password}\n`, { mode: 0o600 });
  let server: ServerProcess;
  try {
    server = await spawnServerProcess(
      RADICALE,
      (port) => [
        // -C '' : no configuration file at all, so a stray /etc/radicale/config cannot change behaviour.
        '-C',
        '',
        '--server-hosts',
        `127.0.0.1:${port}`,
        '--storage-filesystem-folder',
        storageDir,
        '--auth-type',
        'htpasswd',
        '--auth-htpasswd-filename',
        htpasswd,
        '--auth-htpasswd-encryption',
        'plain',
        // Radicale sleeps 1 s after a failed login by default; tests of 401 handling need no such wait.
        '--auth-delay',
        '0',
        '--logging-level',
        'warning',
      ],
      'Radicale',
    );
  } catch (error) {
    rmSync(workDir, { recursive: true, force: true });
    throw error;
  }
  const baseUrl = `http://127.0.0.1:${server.port}`;
  return {
    baseUrl,
    username,
    password,
    calendarHomeUrl: `${baseUrl}/${username}/`,
    storageDir,
    async stop() {
      await server.stop();
      rmSync(workDir, { recursive: true, force: true });
    },
  };
}
