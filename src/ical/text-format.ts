/** Writing iCalendar text (RFC 5545 §3.1, §3.3.11): escaping, line folding, UTC date-times. */

const MAX_LINE_OCTETS = 75;

/**
 * Escapes a TEXT value: backslash, semicolon, comma and newlines. Other control characters are
 * not allowed in TEXT at all, so they are dropped rather than sent to a server that may refuse
 * the whole event for them.
 */
export function escapeText(value: string): string {
  return (
    value
      .replace(/\\/g, '\\\\')
      .replace(/;/g, '\\;')
      .replace(/,/g, '\\,')
      .replace(/\r\n|\r|\n/g, '\\n')
      // eslint-disable-next-line no-control-regex -- stripping control characters is the point
      .replace(/[\u0000-\u0008\u000B-\u001F\u007F]/g, '')
  );
}

/**
 * Folds a content line so no physical line exceeds 75 octets (UTF-8), continuation lines starting
 * with a space. Splits only between code points so a multi-byte character is never cut in two.
 */
export function foldLine(line: string): string {
  if (Buffer.byteLength(line, 'utf8') <= MAX_LINE_OCTETS) return line;
  const parts: string[] = [];
  let current = '';
  let size = 0;
  let limit = MAX_LINE_OCTETS;
  for (const char of line) {
    const bytes = Buffer.byteLength(char, 'utf8');
    if (size + bytes > limit) {
      parts.push(current);
      current = '';
      size = 0;
      limit = MAX_LINE_OCTETS - 1; // the leading space of a continuation line counts
    }
    current += char;
    size += bytes;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

/** "20241220T140000Z" (sub-second parts are dropped: iCalendar has no place for them). */
export function formatUtcDateTime(date: Date): string {
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, 'Z')
    .replace(/[-:]/g, '');
}

/** Joins content lines into an iCalendar object: folded, CRLF line endings, CRLF at the end. */
export function joinContentLines(lines: readonly string[]): string {
  return `${lines.map(foldLine).join('\r\n')}\r\n`;
}
