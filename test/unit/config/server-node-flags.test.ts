/**
 * The server is started with a capped young generation on its main thread (heap-growth.ts,
 * decision 0020, eighth session) and with the C allocator's large blocks always given back
 * (malloc-env.ts, decision 0030): a flag of the `node` command and a variable of its environment,
 * so they are checked where the commands are written — package.json's start and worker scripts —
 * and that node, given them, does what they are there for.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAIN_SEMI_SPACE_MB, NODE_FLAGS } from '../../../src/heap-growth.ts';
import { MALLOC_ENV } from '../../../src/malloc-env.ts';

const scripts = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> })
  .scripts;

/** The `NAME=value` assignments before `node`, and the flags between `node` and `dist/main.js`, in a package.json script. */
function commandOf(script: string): { env: Record<string, string>; flags: string[] } {
  const match = /(?:^|&&\s*)((?:[A-Z_]+=\S+\s+)*)node\s+((?:--\S+\s+)*)dist\/main\.js\b/.exec(script);
  if (match === null) throw new Error(`no \`node … dist/main.js\` in ${script}`);
  const env = Object.fromEntries(
    match[1]!
      .split(/\s+/)
      .filter(Boolean)
      .map((assignment) => assignment.split('=', 2) as [string, string]),
  );
  return { env, flags: match[2]!.split(/\s+/).filter(Boolean) };
}

const nodeFlagsOf = (script: string): string[] => commandOf(script).flags;

// Allocates objects that survive a few scavenges (as an import's batches do), which makes V8 grow
// the semi-spaces as far as it may; prints the largest young generation seen, in MiB.
const GROW_YOUNG_GENERATION = `
const v8 = require('node:v8');
const kept = [];
let max = 0;
for (let round = 0; round < 20; round++) {
  const batch = [];
  for (let i = 0; i < 20000; i++) batch.push({ a: 'x' + i, b: [i, round] });
  kept.push(batch);
  if (kept.length > 8) kept.shift();
  max = Math.max(max, v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size);
}
console.log(JSON.stringify({ execArgv: process.execArgv, youngMb: max / 1048576 }));
`;

function youngGenerationWith(flags: readonly string[]): { execArgv: string[]; youngMb: number } {
  return JSON.parse(execFileSync(process.execPath, [...flags, '-e', GROW_YOUNG_GENERATION], { encoding: 'utf8' })) as {
    execArgv: string[];
    youngMb: number;
  };
}

// A large block freed early (it raises glibc's dynamic threshold to its size), then 200 blocks of
// 256 KiB, each followed by a small one that stays; the large ones freed. Prints the RSS they left.
const FREE_LARGE_BLOCKS = `
const collect = require('node:vm').runInNewContext('gc');
const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(require('node:fs').readFileSync('/proc/self/status', 'utf8'))[1]) * 1024;
let first = Buffer.alloc(8 << 20);
first = null; collect(); collect();
const before = rss();
let large = [];
const small = [];
for (let i = 0; i < 200; i++) { large.push(Buffer.alloc(256 << 10)); small.push(Buffer.alloc(4096 + i)); }
large = null; collect(); collect();
console.log(JSON.stringify({ left: rss() - before, small: small.length }));
`;

function rssLeftWith(env: Record<string, string>): number {
  const out = execFileSync(process.execPath, ['--expose-gc', '-e', FREE_LARGE_BLOCKS], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return (JSON.parse(out) as { left: number }).left;
}

describe('the node flags the server starts with', () => {
  it.each(['start', 'worker'])('npm run %s starts node with them', (name) => {
    expect(nodeFlagsOf(scripts[name]!)).toEqual(expect.arrayContaining([...NODE_FLAGS]));
  });

  it.each(['start', 'worker'])('npm run %s starts node with the allocator setting', (name) => {
    expect(commandOf(scripts[name]!).env).toEqual(MALLOC_ENV);
  });

  it.runIf(process.platform === 'linux')(
    "with npm start's allocator setting, 50 MiB of large blocks freed go back to the system; without it most stay",
    () => {
      // glibc on Linux (this project's machines); another C library ignores the variable.
      const without = rssLeftWith({});
      const withSetting = rssLeftWith(commandOf(scripts.start!).env);
      expect(without).toBeGreaterThan(20 * 1024 * 1024);
      expect(withSetting).toBeLessThan(5 * 1024 * 1024);
    },
  );

  it("node started with npm start's flags keeps the main thread's young generation within two semi-spaces of the cap", () => {
    const started = youngGenerationWith(nodeFlagsOf(scripts.start!));
    expect(started.execArgv).toEqual(expect.arrayContaining([...NODE_FLAGS]));
    expect(started.youngMb).toBeGreaterThan(0);
    expect(started.youngMb).toBeLessThanOrEqual(2 * MAIN_SEMI_SPACE_MB);
  });
});
