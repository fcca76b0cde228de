import { createHash, randomBytes } from 'node:crypto';

/** Bearer secrets are random; only their SHA-256 is stored, so a database leak grants nothing. */
export function newSecret(prefix: string): string {
  return `${prefix}_${randomBytes(24).toString('base64url')}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
