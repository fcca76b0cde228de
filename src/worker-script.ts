import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * The worker module `name` beside `moduleUrl` (pass `import.meta.url`): compiled JavaScript in a
 * build (`node dist/main.js`, where tsx is not installed), TypeScript through tsx when Tandem runs
 * from its sources (tests, `tsx`). Only the loader flag is passed: the process's own flags
 * (--expose-gc, --max-old-space-size, …) are not all allowed in a worker, and Node refuses to start
 * one that is given them.
 */
export function workerScript(moduleUrl: string, name: string): { filename: string; execArgv: string[] } {
  if (!moduleUrl.endsWith('.ts')) return { filename: new URL(`./${name}.js`, moduleUrl).href, execArgv: [] };
  return {
    filename: new URL(`./${name}.ts`, moduleUrl).href,
    execArgv: ['--import', pathToFileURL(createRequire(moduleUrl).resolve('tsx')).href],
  };
}
