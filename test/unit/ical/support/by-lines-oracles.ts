import { createHash } from 'node:crypto';

/**
 * contentHash as it was until the sixth session (decision 0007), kept verbatim as the oracle of
 * content-hash-equivalence.test.ts: stored hashes are compared across versions, so the one-pass
 * version must give these bytes.
 */
export function contentHashByLines(ics: string): string {
  const lines = ics
    .replace(/^\uFEFF/, '')
    .replace(/\r\n|\r/g, '\n')
    .replace(/\n[ \t]/g, '') // unfold: a line break followed by one space or tab continues the line
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^DTSTAMP[;:]/i.test(line));
  return createHash('sha256').update(lines.join('\n'), 'utf8').digest('hex');
}

/** readFirstEventUid as it was until the sixth session, kept verbatim as the oracle of its equivalence test. */
export function readFirstEventUidBySplit(ics: string): string | null {
  const lines = ics.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
  let inEvent = false;
  let depth = 0;
  for (const line of lines) {
    const upper = line.toUpperCase();
    if (upper === 'BEGIN:VEVENT') {
      inEvent = true;
      depth = 0;
      continue;
    }
    if (!inEvent) continue;
    // A VALARM inside the event may not carry the UID, but skip nested components to be sure.
    if (upper.startsWith('BEGIN:')) depth++;
    else if (upper.startsWith('END:')) {
      if (depth === 0) inEvent = false;
      else depth--;
    } else if (depth === 0 && /^UID[;:]/i.test(line)) {
      const value = line.slice(line.indexOf(':') + 1).trim();
      return value.length > 0 ? value.replace(/\\([,;\\])/g, '$1') : null;
    }
  }
  return null;
}
