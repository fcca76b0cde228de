/**
 * Decision 0028: the iCalendar reader as it was before the one-pass reader (src/ical/ics-reader.ts),
 * kept verbatim as the oracle of test/unit/ical/ics-reader-equivalence.test.ts — our structure check,
 * then ical.js's parser, its output checked into typed objects. Do not "fix" it: it is what the new
 * reader must agree with.
 */
import ICAL from 'ical.js';
import { ICalParseError } from '../../../../src/ical/errors.ts';
import type { JCalComponent, JCalParamValue, JCalProperty } from '../../../../src/ical/jcal.ts';

/**
 * Parses iCalendar text into its VCALENDAR components.
 * Throws ICalParseError for anything that is not well-formed iCalendar.
 */
export function parseICalendarWithIcalJs(ics: string): JCalComponent[] {
  if (typeof ics !== 'string') throw new ICalParseError('iCalendar input must be a string');
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
 * Real calendars nest four deep at most (VCALENDAR › VTIMEZONE › STANDARD, VEVENT › VALARM). ical.js
 * and our reader recurse per level, so a hostile object nested thousands deep would overflow the
 * stack; it is refused here, with its own code, before anything recurses.
 */
const MAX_COMPONENT_DEPTH = 16;

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
