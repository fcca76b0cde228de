import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadSecretKey } from '../../../src/services/secrets/load-secret-key.ts';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'tandem-key-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const fromEnv = (secretKey: string, databaseUrl: string | null = null) => loadSecretKey({ secretKey, databaseUrl, dataDir });

describe('loading the secret key', () => {
  it('takes 32 bytes as hex, base64 or base64url from TANDEM_SECRET_KEY', () => {
    const raw = randomBytes(32);
    for (const text of [
      raw.toString('hex'),
      raw.toString('hex').toUpperCase(),
      raw.toString('base64'),
      raw.toString('base64url'),
      ` ${raw.toString('base64')}\n`,
    ]) {
      const loaded = fromEnv(text, 'postgres://db');
      expect(loaded.key.equals(raw), text).toBe(true);
      expect(loaded).toMatchObject({ source: 'environment', warning: null });
    }
  });

  it('stretches a passphrase with scrypt under the fixed salt: the same on every server', () => {
    const first = fromEnv('correct horse battery staple');
    const second = fromEnv('correct horse battery staple');
    expect(first.source).toBe('passphrase');
    expect(first.key).toHaveLength(32);
    expect(first.key.equals(second.key)).toBe(true);
    expect(fromEnv('correct horse battery staples').key.equals(first.key)).toBe(false);
  });

  it('refuses a passphrase too short to be a key', () => {
    expect(() => fromEnv('hunter2')).toThrow(/too short.*at least 16 characters/);
  });

  it('is required with DATABASE_URL, saying how to make one', () => {
    expect(() => loadSecretKey({ secretKey: null, databaseUrl: 'postgres://db', dataDir })).toThrow(
      /TANDEM_SECRET_KEY is required when DATABASE_URL is set.*openssl rand -base64 32/,
    );
    expect(() => loadSecretKey({ secretKey: '  ', databaseUrl: 'postgres://db', dataDir })).toThrow(/required/);
  });

  it('generates the embedded default once, private to the owner, and warns every time', () => {
    const first = loadSecretKey({ secretKey: null, databaseUrl: null, dataDir: join(dataDir, 'nested') });
    const file = join(dataDir, 'nested', 'secret.key');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(first.source).toBe('key-file');
    expect(first.warning).toContain('(generated now)');
    expect(first.warning).toContain('Set TANDEM_SECRET_KEY in production');
    expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').equals(first.key)).toBe(true);

    const again = loadSecretKey({ secretKey: null, databaseUrl: null, dataDir: join(dataDir, 'nested') });
    expect(again.key.equals(first.key)).toBe(true);
    expect(again.warning).not.toContain('(generated now)');
    expect(again.warning).toContain('Set TANDEM_SECRET_KEY in production');
  });

  it('says so when the key file is readable by others or not a key', () => {
    const file = join(dataDir, 'secret.key');
    writeFileSync(file, `${randomBytes(32).toString('hex')}\n`);
    chmodSync(file, 0o644);
    expect(loadSecretKey({ secretKey: null, databaseUrl: null, dataDir }).warning).toContain('chmod 600');
    writeFileSync(file, 'not a key');
    expect(() => loadSecretKey({ secretKey: null, databaseUrl: null, dataDir })).toThrow(/does not hold a 32-byte key/);
  });
});
