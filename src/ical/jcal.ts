import ICAL from 'ical.js';
import { ICalParseError } from './errors.ts';
import { MAX_COMPONENT_DEPTH, readPlainICalendar } from './ics-reader.ts';
import type { JCalComponent, JCalParamValue, JCalProperty } from './jcal-types.ts';

export type { JCalComponent, JCalParamValue, JCalProperty } from './jcal-types.ts';

/**
 * Parses iCalendar text into its VCALENDAR components.
 * Throws ICalParseError for anything that is not well-formed iCalendar.
 */
export function parseICalendar(ics: string): JCalComponent[] {
  if (typeof ics !== 'string') throw new ICalParseError('iCalendar input must be a string');
  // The one-pass reader reads what calendars are made of; the rest, refusals included, is read
  // (or refused) by the structure check and ical.js below, which it agrees with (decision 0028).
  return readPlainICalendar(ics) ?? parseWithIcalJs(ics);
}

/** The full reader: our structure check, then ical.js's parser, its output checked into typed objects. */
function parseWithIcalJs(ics: string): JCalComponent[] {
  // ical.js splits lines on LF only; old Mac-style CR line endings would read as one long line.
  const text = ics.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  checkStructure(text);
  let raw: unknown;
  try {
    raw = ICAL.parse(text);
  } catch (error) {
    throw new ICalParseError(`malformed iCalendar: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  // ical.js returns one component, or an array of them when the text holds several VCALENDARs.
  const list: unknown[] = isComponentTuple(raw) ? [raw] : Array.isArray(raw) ? raw : [];
  const calendars = list.map((item) => toComponent(item));
  if (calendars.length === 0) throw new ICalParseError('empty iCalendar input: no BEGIN:VCALENDAR found');
  return calendars;
}

/**
 * Like parseICalendar, but a VEVENT that ical.js cannot parse (a malformed line, an invalid RRULE
 * value) costs only itself: when the whole text fails, each VEVENT is parsed on its own, with the
 * rest of the calendar (its VTIMEZONEs) around it, and the failures are handed to `onSkipped`. The
 * structure check still applies to the whole text (a truncated or too-deep object is refused whole).
 */
export function parseICalendarLeniently(ics: string, onSkipped: (error: ICalParseError) => void): JCalComponent[] {
  try {
    return parseICalendar(ics);
  } catch (error) {
    if (!(error instanceof ICalParseError) || error.code !== 'ical_unreadable') throw error;
    const parts = splitEvents(ics.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n'));
    if (parts === null || parts.events.length === 0) throw error;
    let shell: JCalComponent[];
    try {
      shell = parseICalendar(`${parts.head}END:VCALENDAR\n`);
    } catch {
      throw error; // the fault is outside the VEVENTs: nothing can be trusted
    }
    const calendars = [...shell];
    const failures: ICalParseError[] = [];
    for (const event of parts.events) {
      try {
        calendars.push(
          ...parseICalendar(`${parts.head}${event}END:VCALENDAR\n`).map((calendar) => ({
            ...calendar,
            components: calendar.components.filter((c) => c.name === 'vevent'),
          })),
        );
      } catch (eventError) {
        if (!(eventError instanceof ICalParseError)) throw eventError;
        const uid = /^UID[;:](?:[^:\n]*:)?(.*)$/im.exec(event)?.[1]?.trim();
        failures.push(
          new ICalParseError(`${uid ? `VEVENT ${JSON.stringify(uid)}` : 'a VEVENT'}: ${eventError.message}`, { cause: eventError }),
        );
      }
    }
    // Nothing readable at all: the object is unreadable, and the whole text's error says why.
    if (failures.length === parts.events.length) throw error;
    for (const failure of failures) onSkipped(failure);
    return calendars;
  }
}

/** One VCALENDAR's text split into everything but its VEVENTs (head, without END:VCALENDAR) and each VEVENT; null if not one VCALENDAR. */
function splitEvents(text: string): { head: string; events: string[] } | null {
  const lines = text.split('\n');
  let head = '';
  const events: string[] = [];
  let current: string | null = null;
  let depth = 0;
  let calendars = 0;
  for (const line of lines) {
    const upper = line.toUpperCase();
    if (current === null && /^BEGIN:VEVENT\s*$/.test(upper)) {
      current = `${line}\n`;
      depth = 1;
      continue;
    }
    if (current !== null) {
      current += `${line}\n`;
      if (upper.startsWith('BEGIN:')) depth++;
      else if (upper.startsWith('END:') && --depth === 0) {
        events.push(current);
        current = null;
      }
      continue;
    }
    if (/^END:VCALENDAR\s*$/.test(upper)) {
      calendars++;
      continue;
    }
    if (line.trim() !== '') head += `${line}\n`;
  }
  return calendars === 1 && current === null ? { head, events } : null;
}

export { MAX_COMPONENT_DEPTH };

/**
 * ical.js accepts unbalanced or mismatched BEGIN/END lines (END:VTODO closing a VEVENT, a stray
 * END, text after END:VCALENDAR) and some of its errors for missing BEGIN lines are raw
 * TypeErrors, so we check the component structure ourselves first and say exactly what is wrong.
 */
function checkStructure(text: string): void {
  const stack: { name: string; line: number }[] = [];
  let sawCalendar = false;
  let calendarClosed = false;

  const visit = (line: string, lineNo: number): void => {
    const match = /^(BEGIN|END):(.*)$/i.exec(line);
    if (!match) {
      if (stack.length === 0) {
        throw new ICalParseError(
          calendarClosed
            ? `line ${lineNo}: content after END:VCALENDAR: ${preview(line)}`
            : `line ${lineNo}: expected BEGIN:VCALENDAR, found ${preview(line)}`,
        );
      }
      return;
    }
    const keyword = match[1]!.toUpperCase();
    const name = match[2]!.trim().toUpperCase();
    if (name === '') throw new ICalParseError(`line ${lineNo}: ${keyword} without a component name`);
    if (keyword === 'BEGIN') {
      if (stack.length === 0 && name !== 'VCALENDAR') {
        throw new ICalParseError(`line ${lineNo}: expected BEGIN:VCALENDAR, found BEGIN:${name}`);
      }
      if (name === 'VCALENDAR') sawCalendar = true;
      stack.push({ name, line: lineNo });
      if (stack.length > MAX_COMPONENT_DEPTH) {
        throw new ICalParseError(
          `line ${lineNo}: components nested more than ${MAX_COMPONENT_DEPTH} deep (BEGIN:${name}); no calendar nests that deep`,
          { code: 'ical_too_deep' },
        );
      }
      return;
    }
    const open = stack.pop();
    if (!open) throw new ICalParseError(`line ${lineNo}: END:${name} without a matching BEGIN`);
    if (open.name !== name) throw new ICalParseError(`line ${lineNo}: END:${name} does not close BEGIN:${open.name} (line ${open.line})`);
    if (stack.length === 0) calendarClosed = true;
  };

  // Unfold as we go (a line starting with a space or tab continues the previous one), keeping
  // the physical line number of each content line for the messages.
  const lines = text.split('\n');
  let current: { text: string; line: number } | null = null;
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (current && (line.startsWith(' ') || line.startsWith('\t'))) {
      current.text += line.slice(1);
      continue;
    }
    if (current) visit(current.text, current.line);
    current = line === '' ? null : { text: line, line: index + 1 };
  }
  if (current) visit(current.text, current.line);

  const unclosed = stack.at(-1);
  if (unclosed) {
    throw new ICalParseError(`truncated iCalendar: BEGIN:${unclosed.name} (line ${unclosed.line}) is never closed`);
  }
  if (!sawCalendar) throw new ICalParseError('empty iCalendar input: no BEGIN:VCALENDAR found');
}

function preview(line: string): string {
  return JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}…` : line);
}

function isComponentTuple(value: unknown): boolean {
  return Array.isArray(value) && typeof value[0] === 'string';
}

function toComponent(raw: unknown): JCalComponent {
  if (!Array.isArray(raw) || typeof raw[0] !== 'string' || !Array.isArray(raw[1]) || !Array.isArray(raw[2])) {
    throw new ICalParseError('malformed iCalendar: unexpected parser output');
  }
  const [name, props, comps] = raw as [string, unknown[], unknown[]];
  return {
    name,
    properties: props.map((prop) => toProperty(prop)),
    components: comps.map((comp) => toComponent(comp)),
  };
}

function toProperty(raw: unknown): JCalProperty {
  if (!Array.isArray(raw) || typeof raw[0] !== 'string' || typeof raw[2] !== 'string') {
    throw new ICalParseError('malformed iCalendar: unexpected property in parser output');
  }
  const params: Record<string, JCalParamValue> = {};
  const rawParams: unknown = raw[1];
  if (rawParams && typeof rawParams === 'object') {
    for (const [key, value] of Object.entries(rawParams)) {
      if (typeof value === 'string') params[key] = value;
      else if (Array.isArray(value)) params[key] = value.map(String);
    }
  }
  return { name: raw[0], params, type: raw[2], values: raw.slice(3) };
}

/* ------------------------------------------------------------------------------------------------ */
/* Small accessors used by the readers.                                                              */

export function firstProperty(component: JCalComponent, name: string): JCalProperty | undefined {
  return component.properties.find((prop) => prop.name === name);
}

export function allProperties(component: JCalComponent, name: string): JCalProperty[] {
  return component.properties.filter((prop) => prop.name === name);
}

export function paramString(prop: JCalProperty, name: string): string | undefined {
  const value = prop.params[name];
  if (value === undefined) return undefined;
  return typeof value === 'string' ? value : value[0];
}

/** The first value of a text-like property as a string ('' when absent). */
export function textValue(component: JCalComponent, name: string): string | null {
  const prop = firstProperty(component, name);
  if (!prop) return null;
  const value = prop.values[0];
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) return value.map(String).join(',');
  return null;
}

export function integerValue(component: JCalComponent, name: string): number | null {
  const prop = firstProperty(component, name);
  const value = prop?.values[0];
  return typeof value === 'number' && Number.isFinite(value) ? Math.trunc(value) : null;
}
