import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, SecretBoxError } from '../../../src/services/secrets/secret-box.ts';

const key = randomBytes(32);
const box = createSecretBox(key);

/** Flips one bit of a base64url part of a stored secret. */
function tamper(stored: string, part: 1 | 2 | 3): string {
  const parts = stored.split(':');
  const bytes = Buffer.from(parts[part] ?? '', 'base64url');
  bytes[0] = (bytes[0] ?? 0) ^ 1;
  parts[part] = bytes.toString('base64url');
  return parts.join(':');
}

describe('secret box', () => {
  it('round-trips, in the v1:<iv>:<tag>:<ciphertext> form, with a fresh IV every time', () => {
    const sealed = [box.encrypt('abcd-efgh-ijkl-mnop'), box.encrypt('abcd-efgh-ijkl-mnop')];
    for (const stored of sealed) {
      expect(stored).toMatch(/^v1:[A-Za-z0-9_-]{16}:[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+$/);
      expect(box.decrypt(stored)).toBe('abcd-efgh-ijkl-mnop');
    }
    expect(sealed[0]?.split(':')[1]).not.toBe(sealed[1]?.split(':')[1]);
    expect(sealed[0]).not.toBe(sealed[1]);
    expect(box.decrypt(box.encrypt(''))).toBe('');
    expect(box.decrypt(box.encrypt('pässwörd ✓'))).toBe('pässwörd ✓');
  });

  it("refuses a value altered anywhere, another key's value, an unknown version and junk", () => {
    const stored = box.encrypt('abcd-efgh-ijkl-mnop');
    for (const part of [1, 2, 3] as const) expect(() => box.decrypt(tamper(stored, part))).toThrow(SecretBoxError);
    expect(() => createSecretBox(randomBytes(32)).decrypt(stored)).toThrow(/cannot be decrypted with this key/);
    expect(() => box.decrypt(stored.replace(/^v1:/, 'v2:'))).toThrow(/key version "v2"/);
    expect(() => box.decrypt('abcd-efgh-ijkl-mnop')).toThrow(SecretBoxError);
    expect(() => box.decrypt('v1:AAAA:BBBB:CCCC')).toThrow(/malformed IV or tag/);
  });

  it('never puts the plaintext or the key into an error message', () => {
    const stored = box.encrypt('abcd-efgh-ijkl-mnop');
    let message = '';
    try {
      createSecretBox(randomBytes(32)).decrypt(stored);
    } catch (error) {
      message = String(error);
    }
    expect(message).not.toBe('');
    expect(message).not.toContain('abcd');
    expect(message).not.toContain(key.toString('base64'));
  });

  it('insists on a 32-byte key', () => {
    expect(() => createSecretBox(randomBytes(16))).toThrow(/32 bytes/);
  });
});
