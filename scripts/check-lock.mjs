#!/usr/bin/env node
// Fails when package-lock.json is out of step with package.json, so `npm ci` on a clean clone
// installs exactly what package.json asks for:
// 1. the lock's root entry records the same dependency ranges, engines and bin as package.json
//    (`npm ci` itself accepts a stale range as long as the locked version happens to satisfy it);
// 2. every optional dependency a locked package names (platform binaries such as
//    @msgpackr-extract/* or @esbuild/*) has its own lock entry — npm ci on another platform fails
//    ("Missing: … from lock file") when a lock was pruned of them.
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';

const pkg = JSON.parse(readFileSync('package.json', 'utf8'));
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const root = lock.packages?.[''] ?? {};
const problems = [];

for (const field of ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies', 'engines']) {
  if (!isDeepStrictEqual(pkg[field] ?? {}, root[field] ?? {}))
    problems.push(`"${field}" differs between package.json and package-lock.json`);
}
const bin = typeof pkg.bin === 'string' ? { [pkg.name]: pkg.bin } : (pkg.bin ?? {});
if (!isDeepStrictEqual(bin, root.bin ?? {})) problems.push('"bin" differs between package.json and package-lock.json');

/** npm's resolution: the nearest node_modules/<name> walking up from the dependent's folder. */
function resolves(from, name) {
  let dir = from;
  for (;;) {
    if (lock.packages[`${dir ? `${dir}/` : ''}node_modules/${name}`]) return true;
    if (!dir) return false;
    const up = dir.lastIndexOf('/node_modules/');
    dir = up === -1 ? '' : dir.slice(0, up);
  }
}
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const name of Object.keys(entry.optionalDependencies ?? {})) {
    if (!resolves(path, name)) problems.push(`${path || 'root'}: optional dependency ${name} has no entry in package-lock.json`);
  }
}

if (problems.length) {
  console.error(
    `package-lock.json is out of step with package.json:\n  ${problems.join('\n  ')}\nRun \`npm install\` and commit package-lock.json.`,
  );
  process.exit(1);
}
