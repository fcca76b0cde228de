import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from './wait-for.ts';

/**
 * A real `tandem <command>` child process, as an operator runs it. tsx's CLI runs the program in a
 * child process of its own, so Tandem is two processes: it is started as a process group, and
 * SIGKILL goes to the whole group — killing only the CLI would leave the real process running on,
 * orphaned. Other signals go to the CLI, which relays them, as a terminal or a service manager would.
 */
export interface TandemProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Whether the process is still running. */
  alive(): boolean;
  /** Everything it wrote to stdout and stderr so far (the last `keep` characters). */
  output(): string;
  /** SIGKILL to every process of the group; resolves when none is left. */
  kill(): Promise<void>;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

export function startTandem(command: 'serve' | 'worker', env: Record<string, string>, options: { keep?: number } = {}): TandemProcess {
  const keepChars = options.keep ?? 8_000;
  // tsx's loader in this node process, not the tsx CLI: the CLI runs Tandem in a second process and,
  // when that process has not acknowledged a relayed SIGTERM within 60 ms (a loaded machine), kills it
  // with SIGKILL and exits 143, so a test of the graceful stop saw a kill instead of Tandem's exit.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', command], {
    cwd: process.cwd(),
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-keepChars);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const pid = child.pid;
  if (pid === undefined) throw new Error(`tandem ${command} did not start`);
  // A test process that dies without its afterAll must not leave Tandem processes behind.
  const killOnExit = (): void => {
    if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
  };
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));
  return {
    child,
    exited,
    alive: () => child.exitCode === null && child.signalCode === null,
    output: () => output,
    async kill() {
      if (groupAlive(pid)) process.kill(-pid, 'SIGKILL');
      await exited;
      await waitFor(async () => !groupAlive(pid), `process group ${pid} to be gone`, 10_000);
    },
  };
}
