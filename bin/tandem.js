#!/usr/bin/env node
// `npx tandem …`: runs the compiled server (dist/, from `npm run build`) in this process, so
// signals from a supervisor reach Tandem itself.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  console.error('Tandem is not built yet: run `npm run build` (or `npm start`, which builds what is missing) first.');
  process.exit(1);
}
await import(entry.href);
