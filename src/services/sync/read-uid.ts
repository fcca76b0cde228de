/**
 * The UID of the first VEVENT, read from the raw text. Needed even when an event has no occurrence
 * in the window (so expansion yields no UID) or cannot be expanded at all, because the UID is what
 * tells our appointments' events from the user's own.
 */
export function readFirstEventUid(ics: string): string | null {
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
