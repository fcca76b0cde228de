/**
 * The server's worker threads get the young generation worker-script.ts gives them, although the
 * server is started with `--max-semi-space-size` for its main thread (NODE_FLAGS): V8 lets that flag
 * override a thread's resource limits, so boundHeapGrowth (heap-growth.ts), which main.ts calls first,
 * sets it back once the main heap exists (decision 0020, ninth session).
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { MAIN_SEMI_SPACE_MB, NODE_FLAGS } from '../../../src/heap-growth.ts';
import { WORKER_YOUNG_GENERATION_MB } from '../../../src/worker-script.ts';

const HEAP_GROWTH = new URL('../../../src/heap-growth.ts', import.meta.url).href;
const WORKER_SCRIPT = new URL('../../../src/worker-script.ts', import.meta.url).href;
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

/**
 * Run in a node started as the server is (NODE_FLAGS): keeps tens of thousands of small objects alive
 * for a while — what makes V8 grow the semi-spaces as far as it may — on the main thread and then on a
 * worker thread started with worker-script.ts's limits; prints the largest new space each had, in MiB.
 */
const PROBE = (callBoundHeapGrowth: boolean): string => `
import { Worker } from 'node:worker_threads';
import { getHeapSpaceStatistics } from 'node:v8';
const { boundHeapGrowth } = await import(${JSON.stringify(HEAP_GROWTH)});
const { workerScript } = await import(${JSON.stringify(WORKER_SCRIPT)});
if (${callBoundHeapGrowth}) boundHeapGrowth();
const grow = \`
let max = 0;
const kept = [];
for (let round = 0; round < 40; round++) {
  for (let i = 0; i < 20000; i++) kept.push({ value: [i, round] });
  if (kept.length > 60000) kept.splice(0, 20000);
  max = Math.max(max, getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size);
}
\`;
const mainMb = new Function('getHeapSpaceStatistics', grow + 'return max / 1048576;')(getHeapSpaceStatistics);
const { resourceLimits } = workerScript(${JSON.stringify(WORKER_SCRIPT)}, 'no-such-worker');
const inThread = "const { getHeapSpaceStatistics } = require('node:v8');" + grow + "require('node:worker_threads').parentPort.postMessage(max / 1048576);";
const thread = new Worker(inThread, { eval: true, execArgv: [], resourceLimits });
const workerMb = await new Promise((resolve) => thread.once('message', resolve));
await thread.terminate();
console.log(JSON.stringify({ mainMb, workerMb }));
`;

function newSpacesWith(callBoundHeapGrowth: boolean): { mainMb: number; workerMb: number } {
  const out = execFileSync(process.execPath, [...NODE_FLAGS, '--import', TSX, '--input-type=module', '-e', PROBE(callBoundHeapGrowth)], {
    encoding: 'utf8',
  });
  return JSON.parse(out) as { mainMb: number; workerMb: number };
}

describe("the server's worker threads and the main thread's start flag", () => {
  it('without boundHeapGrowth, the start flag overrides the worker cap (what the test below guards against)', () => {
    expect(newSpacesWith(false).workerMb).toBe(2 * MAIN_SEMI_SPACE_MB);
  });

  it('after boundHeapGrowth, a worker thread keeps its own cap and the main thread keeps the flag', () => {
    const { mainMb, workerMb } = newSpacesWith(true);
    // The young generation is two semi-spaces and a large-object nursery: semi-spaces of a third each.
    expect(workerMb).toBeLessThanOrEqual((2 * WORKER_YOUNG_GENERATION_MB) / 3);
    expect(workerMb).toBeLessThan(2 * MAIN_SEMI_SPACE_MB);
    expect(mainMb).toBeGreaterThan(0);
    expect(mainMb).toBeLessThanOrEqual(2 * MAIN_SEMI_SPACE_MB);
  });
});
