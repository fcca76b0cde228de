/**
 * The UID of the first VEVENT, read from the raw text. Needed even when an event has no occurrence
 * in the window (so expansion yields no UID) or cannot be expanded at all, because the UID is what
 * tells our appointments' events from the user's own.
 *
 * Line by line from the start, unfolding as it goes and stopping at the UID: a UID near the top no
 * longer pays for unfolding and splitting the whole object (decision 0007, sixth session). Lines end
 * at LF or CRLF (a lone CR stays in the line) and a break followed by a space or tab is a fold —
 * the same lines as `ics.replace(/\r?\n[ \t]/g, '').split(/\r?\n/)`, which the equivalence test in
 * test/unit/ical/content-hash-equivalence.test.ts holds it to.
 */
export function readFirstEventUid(ics: string): string | null {
  let inEvent = false;
  let depth = 0;
  let line = '';
  let from = 0;
  for (;;) {
    const lf = ics.indexOf('\n', from);
    let segment = lf === -1 ? ics.slice(from) : ics.slice(from, lf);
    const next = lf === -1 ? NaN : ics.charCodeAt(lf + 1);
    if (next === 32 || next === 9) {
      // A fold takes the CR of its CRLF with it, but only one that is in this segment.
      if (segment.endsWith('\r')) segment = segment.slice(0, -1);
      line += segment;
      from = lf + 2;
      continue;
    }
    line += segment;
    if (lf !== -1 && line.endsWith('\r')) line = line.slice(0, -1);
    const uid = readLine(line);
    if (uid !== undefined) return uid;
    if (lf === -1) return null;
    line = '';
    from = lf + 1;
  }

  /** undefined: read on; a string or null: the answer. */
  function readLine(text: string): string | null | undefined {
    // Only a line whose upper case starts with B or E can open or close a component: the others skip toUpperCase.
    const first = text.charCodeAt(0);
    const upper = first === 66 || first === 98 || first === 69 || first === 101 || first > 127 ? text.toUpperCase() : '';
    if (upper === 'BEGIN:VEVENT') {
      inEvent = true;
      depth = 0;
      return undefined;
    }
    if (!inEvent) return undefined;
    // A VALARM inside the event may not carry the UID, but skip nested components to be sure.
    if (upper.startsWith('BEGIN:')) depth++;
    else if (upper.startsWith('END:')) {
      if (depth === 0) inEvent = false;
      else depth--;
    } else if (depth === 0 && /^UID[;:]/i.test(text)) {
      const value = text.slice(text.indexOf(':') + 1).trim();
      return value.length > 0 ? value.replace(/\\([,;\\])/g, '$1') : null;
    }
    return undefined;
  }
}
