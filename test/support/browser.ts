import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const webDistDir = join(root, 'web', 'dist');
const CHROMIUM = '/usr/bin/chromium';

function newestMtime(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

/** Builds web/dist when it is missing or older than any web source, so a browser test never runs a stale UI. */
export function ensureWebBuild(): void {
  const index = join(webDistDir, 'index.html');
  const sources = ['src', 'public', 'index.html', 'vite.config.ts', 'tsconfig.json']
    .map((p) => join(root, 'web', p))
    .filter((p) => existsSync(p));
  if (existsSync(index) && statSync(index).mtimeMs >= Math.max(...sources.map(newestMtime))) return;
  // vitest runs with NODE_ENV=test, which would make Vite bundle React's development build.
  execFileSync('npm', ['run', 'build:web'], { cwd: root, stdio: 'pipe', env: { ...process.env, NODE_ENV: 'production' } });
}

/**
 * Debian's Chromium, headless (npm's browser downloads cannot work here), installed first when
 * missing. The flags keep it off the network, which this machine refuses anyway.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) execFileSync('bash', [join(root, 'scripts', 'ensure-test-programs.sh')], { stdio: 'pipe' });
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}
