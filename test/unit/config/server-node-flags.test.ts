/**
 * The server is started with a capped young generation on its main thread (heap-growth.ts,
 * decision 0020, eighth session): a flag of the `node` command, so it is checked where the
 * commands are written — package.json's start and worker scripts — and that node, given it, keeps
 * the main thread's young generation under the cap.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAIN_SEMI_SPACE_MB, NODE_FLAGS } from '../../../src/heap-growth.ts';

const scripts = (JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> })
  .scripts;

/** The flags between `node` and `dist/main.js` in a package.json script. */
function nodeFlagsOf(script: string): string[] {
  const match = /(?:^|&&\s*)node\s+((?:--\S+\s+)*)dist\/main\.js\b/.exec(script);
  if (match === null) throw new Error(`no \`node … dist/main.js\` in ${script}`);
  return match[1]!.split(/\s+/).filter(Boolean);
}

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

describe('the node flags the server starts with', () => {
  it.each(['start', 'worker'])('npm run %s starts node with them', (name) => {
    expect(nodeFlagsOf(scripts[name]!)).toEqual(expect.arrayContaining([...NODE_FLAGS]));
  });

  it("node started with npm start's flags keeps the main thread's young generation within two semi-spaces of the cap", () => {
    const started = youngGenerationWith(nodeFlagsOf(scripts.start!));
    expect(started.execArgv).toEqual(expect.arrayContaining([...NODE_FLAGS]));
    expect(started.youngMb).toBeGreaterThan(0);
    expect(started.youngMb).toBeLessThanOrEqual(2 * MAIN_SEMI_SPACE_MB);
  });
});
