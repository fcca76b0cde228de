/**
 * The production path the README documents, run as an operator would on a fresh copy of the
 * repository: `npm ci && npm run build && npm prune --omit=dev && NODE_ENV=production node
 * dist/main.js serve`. It proves the compiled server runs without tsx or any devDependency, the
 * migrations run from dist/, and the web app is served from web/dist.
 *
 * npm reads packages from the shared npm cache (`--prefer-offline`), so no download is needed
 * when the suite's own `npm ci` has filled it.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/free-port.ts';
import { waitFor } from '../../support/wait-for.ts';

const repo = process.cwd();
const npm = (cwd: string, args: string[]) => {
  const run = spawnSync('npm', [...args, '--no-audit', '--no-fund', '--prefer-offline'], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, NODE_ENV: '' },
  });
  if (run.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${run.status}):\n${run.stdout}\n${run.stderr}`);
  return run;
};

/** The repository's tracked and new (not ignored) files: what a clone of this tree would hold. */
function copyRepository(to: string): void {
  const listed = spawnSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], { cwd: repo, encoding: 'utf8' });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  for (const file of listed.stdout.split('\0').filter(Boolean)) {
    if (!existsSync(join(repo, file))) continue; // deleted in the work tree, not yet committed
    mkdirSync(dirname(join(to, file)), { recursive: true });
    cpSync(join(repo, file), join(to, file));
  }
}

/** Parses one event through the compiled parse pool (dist/), as a sync does, and prints the result. */
const PARSE_ONE_EVENT = `
const { createParsePool } = await import('./dist/services/sync/parse-pool.js');
const pool = createParsePool({ threads: 1 });
const ics = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//test//EN', 'BEGIN:VEVENT', 'UID:prod-1', 'DTSTAMP:20261201T000000Z',
  'DTSTART:20261210T100000Z', 'DTEND:20261210T110000Z', 'SUMMARY:Busy', 'END:VEVENT', 'END:VCALENDAR', ''].join('\\r\\n');
const span = { from: new Date('2026-12-01T00:00:00Z'), to: new Date('2027-01-01T00:00:00Z') };
const parsed = await pool.parser([{ href: '/c/prod-1.ics', etag: '"1"', ics }], { span, zone: 'UTC', selfEmails: [] });
// The worker hands occurrences over as the store's rows (occurrence-rows.ts): read back with the compiled module.
const { unpackOccurrenceRows } = await import('./dist/store/sync-store/occurrence-rows.js');
console.log(JSON.stringify(parsed.map((item) => ({ ...item, packed: !Array.isArray(item.content.occurrences),
  content: { ...item.content, occurrences: unpackOccurrenceRows(item.content.occurrences) } }))));
await pool.close();
`;

describe('production start from a fresh copy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tandem-prod-'));
  let server: ChildProcess | null = null;
  let output = '';

  beforeAll(() => {
    copyRepository(dir);
  }, 60_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('npm ci, npm run build, npm prune --omit=dev, then node dist/main.js serve answers', async () => {
    npm(dir, ['ci']);
    npm(dir, ['run', 'build']);
    npm(dir, ['prune', '--omit=dev']);
    // Build and test tools are gone: the server runs on runtime dependencies alone.
    expect(existsSync(join(dir, 'node_modules', 'typescript'))).toBe(false);
    expect(existsSync(join(dir, 'node_modules', 'tsx'))).toBe(false);
    expect(existsSync(join(dir, 'node_modules', 'react'))).toBe(false);

    // Calendar objects are parsed on worker threads: the pool must find its compiled worker (no tsx here).
    const parsed = spawnSync(process.execPath, ['--input-type=module', '-e', PARSE_ONE_EVENT], { cwd: dir, encoding: 'utf8' });
    expect(parsed.stderr).toBe('');
    expect(JSON.parse(parsed.stdout)).toMatchObject([
      { uid: 'prod-1', packed: true, content: { ok: true, occurrences: [{ start: '2026-12-10T10:00:00.000Z' }] } },
    ]);

    const port = await freePort();
    server = spawn(process.execPath, ['dist/main.js', 'serve'], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'production',
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: join(dir, 'data'),
        SCHEDULER: 'off',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));

    const exited = new Promise<never>((_, reject) =>
      server?.once('exit', (code) => reject(new Error(`server exited (${code}):\n${output}`))),
    );
    // Generous: a cold PGlite start plus migrations on a machine shared with the rest of the suite.
    const health = await Promise.race([
      exited,
      waitFor(
        async () => {
          const response = await fetch(`http://127.0.0.1:${port}/healthz`);
          return response.ok ? ((await response.json()) as unknown) : undefined;
        },
        'the compiled server to answer /healthz',
        300_000,
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}\nserver output:\n${output}`);
      }),
    ]);
    expect(health).toEqual({ ok: true });

    // Migrations ran from dist/ (the demo workspace was seeded into them) and the web app is served.
    expect(output).toContain('owner@demo.tandem.test');
    const page = await fetch(`http://127.0.0.1:${port}/app`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
  }, 600_000);
});
