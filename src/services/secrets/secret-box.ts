/**
 * Encryption at rest for the calendar passwords Tandem must be able to replay (app-specific
 * passwords): AES-256-GCM, a fresh random 12-byte IV per secret, and the GCM tag checked on the
 * way back, so a tampered or foreign value fails loudly instead of decrypting to garbage.
 *
 * Stored form: `v1:<iv>:<tag>:<ciphertext>`, each part base64url. The version names the key, so a
 * later key rotation can add `v2` and still read rows written under `v1` (docs/decisions/0005).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export const SECRET_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const CURRENT_VERSION = 'v1';
// Domain separation: a value encrypted with this key for another purpose does not decrypt here.
const ASSOCIATED_DATA = Buffer.from('tandem/calendar-secret', 'utf8');

export interface SecretBox {
  encrypt(plaintext: string): string;
  /** Throws SecretBoxError when the value is malformed, from another key, or tampered with. */
  decrypt(stored: string): string;
}

/** Never carries the plaintext or the key; safe to log. */
export class SecretBoxError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretBoxError';
  }
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== SECRET_KEY_BYTES) throw new SecretBoxError(`the secret key must be ${SECRET_KEY_BYTES} bytes, got ${key.length}`);
  // A private copy: the caller may reuse or wipe its buffer.
  const keyCopy = Buffer.from(key);

  return {
    encrypt(plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keyCopy, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(ASSOCIATED_DATA);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const tag = cipher.getAuthTag();
      return [CURRENT_VERSION, iv.toString('base64url'), tag.toString('base64url'), ciphertext.toString('base64url')].join(':');
    },

    decrypt(stored) {
      const parts = stored.split(':');
      if (parts.length !== 4) throw new SecretBoxError('the stored secret is not in the v1:<iv>:<tag>:<ciphertext> form');
      const [version, ivText, tagText, ciphertextText] = parts as [string, string, string, string];
      if (version !== CURRENT_VERSION)
        throw new SecretBoxError(`the stored secret uses key version "${version}", which this server does not have`);
      const iv = Buffer.from(ivText, 'base64url');
      const tag = Buffer.from(tagText, 'base64url');
      if (iv.length !== IV_BYTES || tag.length !== TAG_BYTES) throw new SecretBoxError('the stored secret has a malformed IV or tag');
      const decipher = createDecipheriv('aes-256-gcm', keyCopy, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(ASSOCIATED_DATA);
      decipher.setAuthTag(tag);
      try {
        return Buffer.concat([decipher.update(Buffer.from(ciphertextText, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        // GCM's only failure here is the tag check: wrong key (TANDEM_SECRET_KEY changed) or altered data.
        throw new SecretBoxError('the stored secret cannot be decrypted with this key (was TANDEM_SECRET_KEY changed?)');
      }
    },
  };
}
