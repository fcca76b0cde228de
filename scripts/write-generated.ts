import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/**
 * Writes a generated file, or with `--check` on the command line only compares: exits 1 when the
 * committed file differs from what the generator makes now (scripts/test.sh runs the checks).
 */
export function writeGenerated(target: string, text: string, regenerate: string): void {
  const name = relative(root, target);
  if (process.argv.includes('--check')) {
    const current = existsSync(target) ? readFileSync(target, 'utf8') : '';
    if (current !== text) {
      console.error(`${name} is stale: run \`${regenerate}\` and commit the result.`);
      process.exit(1);
    }
    console.log(`${name} is up to date.`);
  } else {
    writeFileSync(target, text);
    console.log(`wrote ${name}`);
  }
}
