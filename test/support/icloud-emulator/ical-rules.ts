/**
 * iCloud refuses (404) a VEVENT whose DTSTART is a DATE-TIME when it has neither DTEND nor DURATION
 * (DESIGN §5), although RFC 5545 allows it (a zero-length event). Radicale accepts it, so the emulator
 * checks it before storing. Only the VEVENT's own properties count: a DURATION inside a VALARM does not.
 */
export function hasTimedVeventWithoutEnd(ics: string): boolean {
  // Unfold continuation lines first (RFC 5545 §3.1) so a folded DTSTART is still recognised.
  const lines = ics.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
  const components: string[] = [];
  let event: { timedStart: boolean; end: boolean } | undefined;
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const head = line.slice(0, colon);
    const value = line
      .slice(colon + 1)
      .trim()
      .toUpperCase();
    const [rawName = '', ...params] = head.split(';');
    const name = rawName.toUpperCase();
    if (name === 'BEGIN') {
      components.push(value);
      if (value === 'VEVENT' && components.length === 2) event = { timedStart: false, end: false };
      continue;
    }
    if (name === 'END') {
      components.pop();
      if (value === 'VEVENT' && event) {
        if (event.timedStart && !event.end) return true;
        event = undefined;
      }
      continue;
    }
    if (!event || components[components.length - 1] !== 'VEVENT') continue;
    if (name === 'DTSTART') {
      const dateOnly = params.some((param) => param.toUpperCase() === 'VALUE=DATE');
      event.timedStart = !dateOnly && value.includes('T');
    } else if (name === 'DTEND' || name === 'DURATION') {
      event.end = true;
    }
  }
  return false;
}
