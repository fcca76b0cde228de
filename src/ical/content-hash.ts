import { createHash } from 'node:crypto';

/**
 * A fingerprint of a calendar object's content, to tell a real change from an etag that moved on
 * its own (servers change etags spuriously; DESIGN §3). The text is normalised first: line
 * endings (CRLF, LF, CR) and RFC 5545 line folding are undone, blank lines dropped, and DTSTAMP
 * lines removed, because servers and clients restamp DTSTAMP without changing anything. The order
 * of properties is kept: a reordered object counts as changed, which is the cheap and safe side.
 * Never throws, even for text that is not iCalendar.
 */
export function contentHash(ics: string): string {
  const lines = ics
    .replace(/^\uFEFF/, '')
    .replace(/\r\n|\r/g, '\n')
    .replace(/\n[ \t]/g, '') // unfold: a line break followed by one space or tab continues the line
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^DTSTAMP[;:]/i.test(line));
  return createHash('sha256').update(lines.join('\n'), 'utf8').digest('hex');
}
