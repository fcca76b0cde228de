/**
 * Sync at scale: how many idle calendars `tandem worker` processes keep fresh, through the real
 * path — PostgreSQL, Redis (BullMQ), the built `dist/main.js`, and CalDAV over HTTP.
 *
 *   npm run bench:scale
 *
 * A fast in-bench CalDAV responder (bench/scale/caldav-responder.ts, its own process) answers every
 * sync-collection REPORT "unchanged" on SCALE_HOSTS ports, each port a separate host to the per-host
 * limit (SYNC_HOST_CONCURRENCY). Calendars are seeded already imported and spread evenly over the
 * 60 s poll interval (the steady state of a running installation). Each phase runs one scheduling
 * process (`tandem serve` with REDIS_URL: it enqueues, workers do the work) and N `tandem worker`
 * processes (SCHEDULER=off), each pinned to its own core with taskset when there is one:
 *   phase 1: one worker,  SCALE_CALENDARS calendars (default 10,000: the target per core);
 *   phase 2: two workers, twice as many.
 * Printed per phase: calendars polled per minute (and per worker core), the lag — now − last
 * successful sync, over every active calendar, sampled every 5 s — as p50/p95/max, and the CPU per
 * poll of each process (workers, scheduler, PostgreSQL backends of the bench database, Redis, the
 * responder). A phase keeps its calendars fresh when polls/min ≈ calendars and max lag stays near
 * the interval (60 s + the scheduler's 5 s tick + queueing).
 *
 * Knobs: SCALE_CALENDARS, SCALE_HOSTS (32: iCloud spreads accounts over many partition hosts), SCALE_SECONDS per phase (150), SCALE_WARMUP_SECONDS (30),
 * SYNC_HOST_CONCURRENCY (passed to the processes; default theirs),
 * SCALE_PHASES ("1,2": worker counts; the calendars scale with them), BENCH_POSTGRES_URL,
 * BENCH_REDIS_URL (redis://127.0.0.1:6379). The machine may be shared: the load average is printed.
 */
import { fork, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { REPO_ROOT, buildServer, createDatabase, databaseUrlFor, dropDatabase, loadAverage, percentile } from './serve/tandem-process.ts';
import { CpuMeter } from './serve/cpu-meter.ts';
import { seedCalendars, startPhase } from './scale/seed.ts';
import { NODE_FLAGS } from '../src/heap-growth.ts';
import { MALLOC_ENV } from '../src/malloc-env.ts';

const CALENDARS = Number(process.env.SCALE_CALENDARS ?? 10_000);
const HOSTS = Number(process.env.SCALE_HOSTS ?? 32);
const SECONDS = Number(process.env.SCALE_SECONDS ?? 150);
const WARMUP = Number(process.env.SCALE_WARMUP_SECONDS ?? 30);
const PHASES = (process.env.SCALE_PHASES ?? '1,2').split(',').map(Number);
const POLL_SECONDS = 60;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET_KEY = Buffer.alloc(32, 7);
const SAMPLE_MS = 5_000;

const hasTaskset = spawnSync('taskset', ['-V']).status === 0;
const cores = availableParallelism();

interface Proc {
  name: string;
  child: ChildProcess;
  output: () => string;
}

function startProcess(name: string, args: string[], env: Record<string, string>, core: number | null): Proc {
  // BENCH_CPU_PROF=1: each process writes a .cpuprofile into .cache/profiles/ when it stops.
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${join(REPO_ROOT, '.cache', 'profiles')}`] : [];
  // Started as `npm start` / `npm run worker` start them (NODE_FLAGS, MALLOC_ENV).
  const node = [process.execPath, ...NODE_FLAGS, ...profile, join('dist', 'main.js'), ...args];
  const [command, ...argv] = core !== null && hasTaskset ? ['taskset', '-c', String(core), ...node] : node;
  const child = spawn(command!, argv, {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...MALLOC_ENV, ...env },
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  process.once('exit', () => child.kill('SIGKILL'));
  return { name, child, output: () => output };
}

async function stopProcess(proc: Proc): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.child.once('exit', resolve));
  proc.child.kill('SIGTERM');
  const timer = setTimeout(() => proc.child.kill('SIGKILL'), 30_000);
  await exited;
  clearTimeout(timer);
}

async function waitUntilReady(url: string, proc: Proc): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited:\n${proc.output()}`);
    try {
      const response = await fetch(`${url}/readyz`);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${proc.name} did not become ready:\n${proc.output()}`);
}

interface Responder {
  pid: number;
  /** One port per host. */
  ports: number[];
  /** REPORTs so far, and since the last call: calendars asked about, and REPORTs beyond one per calendar. */
  count(): Promise<{ reports: number; distinct: number; repeated: number }>;
  stop(): void;
}

async function startResponder(hosts: number): Promise<Responder> {
  const child = fork(join(REPO_ROOT, 'bench', 'scale', 'caldav-responder.ts'), [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, SCALE_HOSTS: String(hosts) },
  });
  const ports = await new Promise<number[]>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { ports: number[] }).ports));
    child.once('exit', (code) => reject(new Error(`the CalDAV responder exited (${code})`)));
  });
  return {
    pid: child.pid!,
    ports,
    count: () =>
      new Promise((resolve) => {
        child.once('message', (message) => resolve(message as { reports: number; distinct: number; repeated: number }));
        child.send('count');
      }),
    stop: () => child.kill('SIGTERM'),
  };
}

interface LagSample {
  lags: number[];
}

async function lagSample(client: pg.Client): Promise<LagSample> {
  const result = await client.query<{ lag: number }>(
    `select extract(epoch from clock_timestamp() - last_synced_at)::float8 as lag from remote_calendars where role <> 'none'`,
  );
  return { lags: result.rows.map((row) => row.lag) };
}

const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

async function runPhase(options: {
  workers: number;
  calendars: number;
  calendarIds: string[];
  databaseUrl: string;
  client: pg.Client;
  responder: Responder;
  redisPid: number | null;
  phase: number;
}): Promise<void> {
  const { workers, calendars, client, responder } = options;
  const prefix = `tandem-bench-scale-${process.pid}-${options.phase}`;
  await startPhase(client, options.calendarIds, calendars, POLL_SECONDS);
  const env = {
    DATABASE_URL: options.databaseUrl,
    REDIS_URL: REDIS_URL,
    REDIS_PREFIX: prefix,
    TANDEM_SECRET_KEY: SECRET_KEY.toString('base64'),
    TANDEM_SEED_DEMO: 'false',
    CALDAV_ALLOW_PRIVATE_NETWORKS: 'true',
    SYNC_POLL_SECONDS: String(POLL_SECONDS),
    ...(process.env.SYNC_HOST_CONCURRENCY && { SYNC_HOST_CONCURRENCY: process.env.SYNC_HOST_CONCURRENCY }),
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    HOST: '127.0.0.1',
  };
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  // The scheduling process: the web server with REDIS_URL only enqueues; the workers sync.
  const scheduler = startProcess('scheduler', ['serve'], { ...env, PORT: String(port) }, null);
  const workerProcs = Array.from({ length: workers }, (_, i) =>
    startProcess(`worker ${i + 1}`, ['worker'], { ...env, SCHEDULER: 'off' }, i < cores ? i : null),
  );
  try {
    await waitUntilReady(`http://127.0.0.1:${port}`, scheduler);
    const meter = new CpuMeter(async () => {
      const backends = await client.query<{ pid: number }>(
        `select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()`,
      );
      return {
        workers: workerProcs.map((w) => w.child.pid!),
        scheduler: [scheduler.child.pid!],
        postgres: backends.rows.map((r) => r.pid),
        redis: options.redisPid === null ? [] : [options.redisPid],
        responder: [responder.pid],
      };
    });
    const started = Date.now();
    const lags: number[] = [];
    let maxLag = 0;
    let repeated = 0;
    let first: { at: number; polls: number; cpu: Record<string, number> } | null = null;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
      for (const proc of [scheduler, ...workerProcs]) {
        if (proc.child.exitCode !== null) throw new Error(`${proc.name} exited:\n${proc.output()}`);
      }
      const elapsed = (Date.now() - started) / 1000;
      if (elapsed < WARMUP) continue;
      const at = Date.now();
      const counted = await responder.count();
      const polls = counted.reports;
      const cpu = await meter.sample();
      if (first === null) {
        first = { at, polls, cpu };
        continue;
      }
      repeated += counted.repeated;
      const sample = await lagSample(client);
      for (const lag of sample.lags) {
        lags.push(lag);
        maxLag = Math.max(maxLag, lag);
      }
      if (elapsed < SECONDS) continue;
      const minutes = (at - first.at) / 60_000;
      const polled = polls - first.polls;
      const perMinute = polled / minutes;
      lags.sort((a, b) => a - b);
      console.log(
        `\nphase ${options.phase}: ${workers} worker${workers > 1 ? 's' : ''}${hasTaskset ? ` (taskset: one core each of ${cores})` : ''}, ${fmt(calendars)} calendars, ${HOSTS} hosts, poll interval ${POLL_SECONDS} s, measured ${fmt(minutes * 60)} s after ${WARMUP} s warm-up; load average ${loadAverage()}`,
      );
      console.log(
        `  calendars polled per minute     ${fmt(perMinute)} (${fmt(perMinute / calendars, 2)}× the calendars; ${fmt(perMinute / workers)} per worker core)`,
      );
      console.log(
        `  lag (now − last successful sync) p50 ${fmt(percentile(lags, 50), 1)} s, p95 ${fmt(percentile(lags, 95), 1)} s, max ${fmt(maxLag, 1)} s (${fmt(lags.length)} samples)`,
      );
      console.log(
        `  polled twice within ${SAMPLE_MS / 1000} s          ${fmt(repeated)} (${fmt((100 * repeated) / Math.max(1, polled), 1)} % of polls)`,
      );
      const cpuLine = Object.entries(cpu)
        .map(([group, ms]) => `${group} ${fmt((ms - (first!.cpu[group] ?? 0)) / Math.max(1, polled), 2)} ms`)
        .join(', ');
      console.log(`  CPU per poll                    ${cpuLine}`);
      const workerCpu = (cpu.workers ?? 0) - (first.cpu.workers ?? 0);
      console.log(
        `  worker CPU busy                 ${fmt((100 * workerCpu) / (minutes * 60_000 * workers))} % of ${workers} core${workers > 1 ? 's' : ''} → ${fmt((60_000 * polled) / Math.max(1, workerCpu))} polls per worker-core-minute at full use`,
      );
      return;
    }
  } finally {
    await Promise.all([scheduler, ...workerProcs].map(stopProcess));
    const redis = new Redis(REDIS_URL);
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    await redis.quit();
  }
}

async function main(): Promise<void> {
  buildServer();
  const dbName = `tandem_bench_scale_${process.pid}`;
  await createDatabase(dbName);
  const databaseUrl = databaseUrlFor(dbName);
  const migrate = spawnSync(process.execPath, [join('dist', 'main.js'), 'migrate'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', DATABASE_URL: databaseUrl, TANDEM_SECRET_KEY: SECRET_KEY.toString('base64') },
    encoding: 'utf8',
  });
  if (migrate.status !== 0) throw new Error(`migrate failed: ${migrate.stderr}`);
  const responder = await startResponder(HOSTS);
  const { ports } = responder;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  const redis = new Redis(REDIS_URL);
  const info = await redis.info('server');
  await redis.quit();
  const redisPid = Number(/process_id:(\d+)/.exec(info)?.[1] ?? NaN);
  try {
    const most = Math.max(...PHASES) * CALENDARS;
    const seedStart = Date.now();
    const { calendarIds } = await seedCalendars(client, { count: most, ports, secretKey: SECRET_KEY });
    console.log(
      `sync at scale: ${fmt(most)} idle calendars seeded in ${fmt((Date.now() - seedStart) / 1000, 1)} s over ${HOSTS} hosts (ports ${ports.join(', ')}); ${cores} cores; load average ${loadAverage()}`,
    );
    console.log("  the machine may be shared: see the load average with each phase; Redis CPU is the whole server's");
    for (const [i, workers] of PHASES.entries()) {
      await runPhase({
        workers,
        calendars: workers * CALENDARS,
        calendarIds,
        databaseUrl,
        client,
        responder,
        redisPid: Number.isFinite(redisPid) ? redisPid : null,
        phase: i + 1,
      });
    }
  } finally {
    await client.end();
    responder.stop();
    await dropDatabase(dbName);
  }
}

await main();
