/**
 * Where the key that encrypts calendar passwords comes from (docs/decisions/0005-secrets-at-rest.md):
 *
 * 1. `TANDEM_SECRET_KEY` — 32 bytes as 64 hex digits or base64/base64url (`openssl rand -base64 32`).
 *    Any other value is taken as a passphrase (16+ characters) and stretched with scrypt under a
 *    fixed application salt: the same passphrase must give the same key on every server and restart,
 *    so the salt cannot be random — the passphrase itself has to carry the entropy.
 * 2. No key, embedded default (no DATABASE_URL): a random key generated once into
 *    `<dataDir>/secret.key` (mode 0600), beside the PGlite data it protects, with a warning.
 * 3. No key with DATABASE_URL: refused at start-up. The database then lives elsewhere, and a key
 *    file on an application host (often a throw-away container) would be lost on redeploy — making
 *    every stored password unreadable — or, kept with the database backups, protect nothing.
 */
import { randomBytes, scryptSync } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_KEY_BYTES } from './secret-box.ts';

/** Fixed on purpose (see above); changing it changes every passphrase-derived key. */
export const PASSPHRASE_SALT = 'tandem/secret-key/v1';
export const MIN_PASSPHRASE_LENGTH = 16;
export const SECRET_KEY_FILE = 'secret.key';
// scrypt cost: N = 2^15, r = 8 (≈ 32 MiB, ~0.1 s once at start-up).
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

export interface LoadSecretKeyOptions {
  /** TANDEM_SECRET_KEY as configured, or null. */
  secretKey: string | null;
  databaseUrl: string | null;
  dataDir: string;
}

export interface LoadedSecretKey {
  key: Buffer;
  source: 'environment' | 'passphrase' | 'key-file';
  /** Something an operator should read in the start-up log, or null. */
  warning: string | null;
}

const HOW_TO_SET = 'Set TANDEM_SECRET_KEY to 32 random bytes, e.g. the output of `openssl rand -base64 32`.';

/** 32 raw bytes written as hex or base64(url), else null. */
function decodeRawKey(text: string): Buffer | null {
  if (/^[0-9a-f]{64}$/i.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const bytes = Buffer.from(text.replace(/[+/]/g, (c) => (c === '+' ? '-' : '_')).replace(/=$/, ''), 'base64url');
    if (bytes.length === SECRET_KEY_BYTES) return bytes;
  }
  return null;
}

function fromEnvironment(value: string): LoadedSecretKey {
  const raw = decodeRawKey(value);
  if (raw) return { key: raw, source: 'environment', warning: null };
  if (value.length < MIN_PASSPHRASE_LENGTH) {
    throw new Error(
      `TANDEM_SECRET_KEY is too short: give 32 bytes as hex or base64, or a passphrase of at least ${MIN_PASSPHRASE_LENGTH} characters. ${HOW_TO_SET}`,
    );
  }
  return { key: scryptSync(value, PASSPHRASE_SALT, SECRET_KEY_BYTES, SCRYPT), source: 'passphrase', warning: null };
}

function readKeyFile(file: string): Buffer {
  const key = decodeRawKey(readFileSync(file, 'utf8').trim());
  if (!key) throw new Error(`${file} does not hold a 32-byte key (base64 or hex). Restore it from a backup, or ${HOW_TO_SET}`);
  return key;
}

/**
 * Creates the key file without ever exposing a half-written one: write a private temp file, then
 * hard-link it into place, which fails if another process got there first — then theirs is used.
 */
function createKeyFileOnce(dataDir: string, file: string): boolean {
  mkdirSync(dataDir, { recursive: true });
  const temp = join(dataDir, `.${SECRET_KEY_FILE}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  writeFileSync(temp, `${randomBytes(SECRET_KEY_BYTES).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temp);
  }
}

function fromKeyFile(dataDir: string): LoadedSecretKey {
  const file = join(dataDir, SECRET_KEY_FILE);
  let created = false;
  try {
    statSync(file);
  } catch {
    created = createKeyFileOnce(dataDir, file);
  }
  const key = readKeyFile(file);
  const exposed = (statSync(file).mode & 0o077) !== 0 ? ` ${file} is readable by other users: chmod 600 it.` : '';
  const warning =
    `TANDEM_SECRET_KEY is not set: calendar passwords are encrypted with the key in ${file}${created ? ' (generated now)' : ''}. ` +
    `Keep that file with the data directory — without it connected calendars must be reconnected. ` +
    `Set TANDEM_SECRET_KEY in production.${exposed}`;
  return { key, source: 'key-file', warning };
}

export function loadSecretKey(options: LoadSecretKeyOptions): LoadedSecretKey {
  const configured = options.secretKey?.trim() ?? '';
  if (configured !== '') return fromEnvironment(configured);
  if (options.databaseUrl !== null) {
    throw new Error(
      'TANDEM_SECRET_KEY is required when DATABASE_URL is set: it encrypts the stored calendar passwords, ' +
        `and must be the same on every Tandem process and survive redeploys. ${HOW_TO_SET}`,
    );
  }
  return fromKeyFile(options.dataDir);
}
