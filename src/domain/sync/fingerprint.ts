/**
 * A short, stable fingerprint of strings (64-bit FNV-1a over UTF-16 code units). Used only to notice
 * that fields we write changed; a collision would merely skip one rewrite of a description.
 * Hand-rolled so the domain stays free of Node built-ins.
 */
const OFFSET = 0xcbf29ce484222325n;
const PRIME = 0x100000001b3n;
const MASK = 0xffffffffffffffffn;

export function fingerprint(parts: readonly string[]): string {
  let hash = OFFSET;
  // The separator is a code unit no part is likely to contain, so ["ab", "c"] ≠ ["a", "bc"].
  const text = parts.map((p) => p.replaceAll('\u0000', '\u0000\u0000')).join('\u0000|');
  for (let i = 0; i < text.length; i++) {
    hash ^= BigInt(text.charCodeAt(i));
    hash = (hash * PRIME) & MASK;
  }
  return hash.toString(16).padStart(16, '0');
}
