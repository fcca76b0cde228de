#!/usr/bin/env node
// Builds the server (tsc → dist/) and the web app (vite → web/dist).
//   node scripts/build.mjs             build both
//   node scripts/build.mjs --if-stale  build only what is missing or out of date (what `npm start` runs)
// "Out of date" is decided by a hash of the inputs' contents (not file times, which a git checkout
// or a copy resets), kept beside each output; an unchanged tree costs a few milliseconds.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const ifStale = process.argv.includes('--if-stale');

const targets = [
  {
    name: 'server',
    inputs: ['src', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'],
    stamp: 'dist/.build-hash',
    command: ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'],
  },
  {
    name: 'web app',
    inputs: ['web/src', 'web/public', 'web/index.html', 'web/vite.config.ts', 'web/tsconfig.json', 'package-lock.json'],
    stamp: 'web/dist/.build-hash',
    command: ['node_modules/vite/bin/vite.js', 'build', 'web', '--logLevel', 'warn'],
  },
];

function files(path) {
  const full = join(root, path);
  if (!existsSync(full)) return [];
  if (!statSync(full).isDirectory()) return [path];
  return readdirSync(full, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => files(join(path, entry.name)));
}

function hashOf(inputs) {
  const hash = createHash('sha256');
  for (const file of inputs.flatMap(files))
    hash
      .update(`${relative(root, join(root, file))}\0`)
      .update(readFileSync(join(root, file)))
      .update('\0');
  return hash.digest('hex');
}

for (const target of targets) {
  const hash = hashOf(target.inputs);
  const stamp = join(root, target.stamp);
  if (ifStale && existsSync(stamp) && readFileSync(stamp, 'utf8') === hash) continue;
  const tool = join(root, target.command[0]);
  if (!existsSync(tool)) {
    console.error(
      `The ${target.name} needs a build, but ${target.command[0]} is not installed (a production install without devDependencies?).\nRun \`npm ci && npm run build\` first.`,
    );
    process.exit(1);
  }
  const started = Date.now();
  console.log(`  building the ${target.name}…`);
  const run = spawnSync(process.execPath, [tool, ...target.command.slice(1)], { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) process.exit(run.status ?? 1);
  writeFileSync(stamp, hash);
  console.log(`  built the ${target.name} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
