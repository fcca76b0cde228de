/**
 * `tandem serve` as a user runs it (the built dist/main.js in a child process), on embedded PGlite or
 * on a throwaway PostgreSQL database, so the benchmarks measure the real server over HTTP and can read
 * its CPU time and memory from /proc without counting the client's.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { NODE_FLAGS } from '../../src/heap-growth.ts';
import { MALLOC_ENV } from '../../src/malloc-env.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ADMIN_DATABASE_URL = process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TICKS_PER_SECOND = 100;

export type DatabaseKind = 'pglite' | 'postgres';

export interface TandemProcess {
  url: string;
  pid: number;
  kind: DatabaseKind;
  /** Database URL of the throwaway PostgreSQL database (null on PGlite). */
  databaseUrl: string | null;
  /** The tail of what the server printed (for error messages). */
  output(): string;
  /** User + system CPU time of the server process so far, in ms. */
  cpuMs(): number;
  /** Resident memory now and its all-time peak (VmHWM), in MiB. */
  memory(): { rssMiB: number; peakMiB: number };
  stop(): Promise<void>;
}

/** Builds dist/ (the server only) when src changed since the last build, as `npm start` would. */
export function buildServer(): void {
  // BENCH_NO_BUILD=1: run the dist/ already there (e.g. a "before" build of another commit).
  if (process.env.BENCH_NO_BUILD) return;
  const result = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], {
    cwd: REPO_ROOT,
    stdio: 'inherit',
  });
  if (result.status !== 0) throw new Error('building dist/ failed');
}

function procStatus(pid: number): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
    const at = line.indexOf(':');
    if (at > 0) fields[line.slice(0, at)] = line.slice(at + 1).trim();
  }
  return fields;
}

/** User + system CPU time of a process so far, in ms (any process: workers, PostgreSQL backends, Redis). */
export function processCpuMs(pid: number): number {
  return (cpuTicks(pid) * 1000) / TICKS_PER_SECOND;
}

function cpuTicks(pid: number): number {
  // Fields after the command name (which may hold spaces): utime is the 14th field, stime the 15th.
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}

export async function createDatabase(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`drop database if exists ${name}`);
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
}

export async function dropDatabase(name: string): Promise<void> {
  const client = new pg.Client({ connectionString: ADMIN_DATABASE_URL });
  await client.connect();
  try {
    await client.query(`drop database if exists ${name} with (force)`);
  } finally {
    await client.end();
  }
}

export function databaseUrlFor(name: string): string {
  const url = new URL(ADMIN_DATABASE_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function waitUntilReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`tandem serve exited (${child.exitCode}):\n${output()}`);
    try {
      const res = await fetch(`${url}/readyz`);
      await res.arrayBuffer();
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tandem serve did not become ready:\n${output()}`);
}

/** Starts `node dist/main.js serve` on a free port; `nodeArgs` e.g. ['--cpu-prof']. */
export async function startTandem(
  kind: DatabaseKind,
  options: { env?: Record<string, string>; nodeArgs?: string[]; label?: string } = {},
): Promise<TandemProcess> {
  // BENCH_DIST: another build to run (e.g. a copy of dist/ built from the commit before a change).
  const dist = process.env.BENCH_DIST ?? 'dist';
  if (!existsSync(join(REPO_ROOT, dist, 'main.js'))) buildServer();
  const dataDir = mkdtempSync(join(tmpdir(), 'tandem-bench-serve-'));
  const dbName = `tandem_bench_${options.label ?? 'serve'}_${process.pid}`;
  let databaseUrl: string | null = null;
  if (kind === 'postgres') {
    await createDatabase(dbName);
    databaseUrl = databaseUrlFor(dbName);
  }
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  // BENCH_CPU_PROF=1: the server writes a .cpuprofile into .cache/profiles/ when it stops.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${join(REPO_ROOT, '.cache', 'profiles')}`] : [];
  // Started as `npm start` starts it (NODE_FLAGS: the main thread's young generation capped; MALLOC_ENV).
  const child = spawn(process.execPath, [...NODE_FLAGS, ...profile, ...(options.nodeArgs ?? []), join(dist, 'main.js'), 'serve'], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      ...MALLOC_ENV,
      PORT: String(port),
      HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      TANDEM_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
      TANDEM_SEED_DEMO: 'false',
      LOG_LEVEL: 'warn',
      LOG_FORMAT: 'json',
      CALDAV_ALLOW_PRIVATE_NETWORKS: 'true',
      CALDAV_TIMEOUT_MS: '300000',
      // Load tests: one client address makes thousands of bookings.
      TANDEM_RATE_LIMITS: 'off',
      ...(databaseUrl !== null && { DATABASE_URL: databaseUrl }),
      ...options.env,
    },
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-8_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(url, child, () => output);
  const pid = child.pid!;
  return {
    url,
    pid,
    kind,
    databaseUrl,
    output: () => output,
    cpuMs: () => (cpuTicks(pid) * 1000) / TICKS_PER_SECOND,
    memory: () => {
      const status = procStatus(pid);
      return {
        rssMiB: Math.round(parseInt(status.VmRSS ?? '0', 10) / 1024),
        peakMiB: Math.round(parseInt(status.VmHWM ?? '0', 10) / 1024),
      };
    },
    async stop() {
      process.removeListener('exit', killOnExit);
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dataDir, { recursive: true, force: true });
      if (kind === 'postgres') await dropDatabase(dbName);
    },
  };
}

export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}

export function percentile(sorted: readonly number[], p: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
