import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, chownSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';

export interface RunningServer {
  url: string;
  stop(): Promise<void>;
}

function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const version of versions) {
    const dir = join(root, version, 'bin');
    if (existsSync(join(dir, 'initdb'))) return dir;
  }
  return undefined;
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
  return { uid: id('-u'), gid: id('-g') };
}

/** A throwaway cluster that can be stopped and started again on the same port and data directory. */
export interface RestartablePostgres extends RunningServer {
  port: number;
  /** Fast shutdown (every session is terminated, as when an operator stops the server); data and port are kept. */
  halt(): Promise<void>;
  /** Starts the stopped server again, on the same port and data directory; resolves once it accepts connections. */
  resume(): Promise<void>;
}

/**
 * Starts a throwaway PostgreSQL cluster on a free loopback port (trust auth, fsync off).
 * PostgreSQL refuses to run as root, so under root the cluster is owned by the `postgres` user.
 */
export async function startPostgres(): Promise<RunningServer> {
  return startRestartablePostgres();
}

export async function startRestartablePostgres(): Promise<RestartablePostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL binaries not found under /usr/lib/postgresql; set TEST_DATABASE_URL');
  const dir = mkdtempSync(join(tmpdir(), 'tandem-pg-'));
  // Spawning with the postgres user's uid/gid (rather than through runuser) keeps the server our
  // direct child, so stopping it is one signal.
  const owner = process.getuid?.() === 0 ? postgresUser() : undefined;
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const init = spawnSync(join(bin, 'initdb'), ['-D', join(dir, 'data'), '-A', 'trust', '-U', 'postgres', '--no-sync'], {
    encoding: 'utf8',
    ...owner,
  });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | null = null;
  const launch = async (): Promise<void> => {
    const started: ChildProcess = spawn(
      join(bin, 'postgres'),
      [
        '-D',
        join(dir, 'data'),
        '-p',
        String(port),
        '-h',
        '127.0.0.1',
        '-k',
        dir,
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'max_connections=300',
      ],
      { stdio: 'ignore', ...owner },
    );
    child = started;
    await waitFor(async () => {
      if (started.exitCode !== null) throw new Error(`postgres exited with code ${started.exitCode}`);
      const client = new pg.Client({ connectionString: url });
      try {
        await client.connect();
        return true;
      } finally {
        await client.end().catch(() => undefined);
      }
    }, `PostgreSQL on port ${port}`);
  };
  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const running = child;
    child = null;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill(signal);
    await exited;
  };
  await launch();
  return {
    url,
    port,
    // SIGINT: PostgreSQL's "fast" shutdown — sessions terminated, data kept consistent.
    halt: () => halt('SIGINT'),
    resume: launch,
    async stop() {
      // SIGQUIT: immediate shutdown; the cluster is thrown away anyway.
      await halt('SIGQUIT');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
