import ICAL from 'ical.js';
import type { JCalComponent, JCalParamValue, JCalProperty } from './jcal-types.ts';

/**
 * One pass over iCalendar text straight into our jCal view (decision 0028). It replaces, for the
 * text calendars are made of, three passes and three copies: the CR/LF rewrite, the structure
 * check's split, ical.js's content-line parser and the copy of its arrays into typed objects.
 *
 * It reads the plain grammar only, and answers `undefined` ("not mine to say") for everything
 * else, so that parseICalendar hands that text to the full reader (checkStructure + ICAL.parse),
 * which accepts it or refuses it with its own message. Because of that split, the only claim this
 * reader makes is the one the equivalence test checks: *when it answers, its answer is ical.js's*.
 * Given to the full reader, never guessed at:
 *  - anything either reader refuses (bad structure, too deep, a line with no `:`) — a refusal is
 *    rare and its message must be the full reader's, so it is produced there;
 *  - names that are not RFC 5545 tokens (ical.js reads `X;A:B=C` or `:x` in its own ways);
 *  - parameters with `\` or `^` (ical.js decodes them, then mis-counts where the value starts),
 *    text between a closing quote and the next `;`/`:`, a parameter without `=` (ical.js drops it
 *    silently), the multi-valued ones (MEMBER, DELEGATED-FROM/-TO: quoting rules of their own);
 *  - an empty line followed by a folded one, U+2028/U+2029 in BEGIN/END lines, VCARD components
 *    (they switch ical.js to vCard rules) — places where the structure check and ical.js read
 *    lines differently.
 * Value types are assigned as ical.js assigns them (its design set: default type, VALUE=, RDATE's
 * detection, multi-valued and structured properties) and values are decoded by ical.js's own
 * decoders, so dates, durations, RRULE parts and text escapes come out exactly as before.
 */

interface PropertyDesign {
  readonly defaultType: string | undefined;
  readonly multiValue: string | false;
  readonly structuredValue: string | false;
  readonly detectType: ((value: string) => string) | undefined;
}

type Decoder = (value: string, structuredEscape: string | false) => unknown;

interface DesignSetShape {
  property: Record<string, { defaultType?: string; multiValue?: string; structuredValue?: string; detectType?: (v: string) => string }>;
  param: Record<string, { multiValue?: string }>;
  value: Record<string, { fromICAL?: Decoder }>;
}

// ical.js's iCalendar design set: what it knows about each property, parameter and value type.
const DESIGN = (ICAL.design as unknown as { icalendar: DesignSetShape }).icalendar;

const PROPERTIES = new Map<string, PropertyDesign>(
  Object.keys(DESIGN.property).map((name) => {
    const d = DESIGN.property[name]!;
    return [
      name,
      {
        defaultType: d.defaultType,
        multiValue: 'multiValue' in d ? (d.multiValue ?? false) : false,
        structuredValue: 'structuredValue' in d ? (d.structuredValue ?? false) : false,
        detectType: d.detectType,
      },
    ];
  }),
);

/** Parameters ical.js reads as lists, with quoting rules of their own: left to it. */
const MULTI_VALUED_PARAMS = new Set(Object.keys(DESIGN.param).filter((name) => DESIGN.param[name]!.multiValue));

/** Every name `in` finds on an object: its own and its prototypes' (Object.prototype's `constructor`, `toString`, …). */
function namesIn(object: object): Set<string> {
  const names = new Set<string>();
  for (let from: object | null = object; from !== null; from = Object.getPrototypeOf(from) as object | null) {
    for (const name of Object.getOwnPropertyNames(from)) names.add(name);
  }
  return names;
}

/**
 * Property names and VALUE= types that ical.js's lookups would find on Object.prototype (or that are
 * not the design set's own, enumerable entries): worked out once, as `name in DESIGN.property` on a
 * freshly sliced name internalizes it and cost 7 % of the parse thread (decision 0028, eighth session).
 */
const FOREIGN_PROPERTY_NAMES = new Set([...namesIn(DESIGN.property)].filter((name) => !PROPERTIES.has(name)));
const FOREIGN_VALUE_TYPES = new Set([...namesIn(DESIGN.value)].filter((type) => !Object.hasOwn(DESIGN.value, type)));

const DECODERS = new Map<string, Decoder>();
for (const type of Object.keys(DESIGN.value)) {
  const fromICAL = DESIGN.value[type]!.fromICAL;
  if (typeof fromICAL === 'function') DECODERS.set(type, fromICAL);
}

/**
 * RRULE values repeat from object to object (every VTIMEZONE of a zone carries the same two rules),
 * and ical.js's decoder is the reader's largest single cost, so decoded rules are kept by their text
 * (a bounded cache, emptied when full) and each property gets its own copy: a plain object of
 * strings, numbers and arrays of them, as ical.js builds it (with `fmtIcal`, UNTIL stays a string).
 */
const decodeRecur = DECODERS.get('recur');
if (decodeRecur !== undefined) {
  const decoded = new Map<string, Record<string, unknown>>();
  DECODERS.set('recur', (value, structuredEscape) => {
    let rule = decoded.get(value);
    if (rule === undefined) {
      rule = decodeRecur(value, structuredEscape) as Record<string, unknown>;
      if (decoded.size >= 256) decoded.clear();
      decoded.set(value, rule);
    }
    return copyOfDecoded(rule);
  });
}

/**
 * A decoded value that ical.js may change in place (a rule's parts, which its iterator sorts) as its
 * own copy; strings and numbers as they are.
 */
export function copyOfDecoded(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copyOfDecoded);
  const record = value as Record<string, unknown>;
  const copy = Object.create(Object.getPrototypeOf(record) as object | null) as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const part = record[key];
    copy[key] = Array.isArray(part) ? part.slice() : part;
  }
  return copy;
}

/**
 * The VTIMEZONE blocks read, by their exact text: almost every object of a calendar carries the same
 * one (an Apple calendar's 5,000 objects, one Europe/Berlin), and reading its ten lines was a third
 * of the reader's time. The text from `BEGIN:VTIMEZONE` to `END:VTIMEZONE` decides what is read
 * from it (lines are read one at a time, at the same depth, and the block ends at a line break that
 * is not a fold), so a block seen before is the component read then — shared, never changed: the
 * reader's output is read only (JCalComponent is readonly), and zones.ts copies the values it hands
 * to ical.js. Bounded, emptied when full.
 */
const zoneBlocks = new Map<string, JCalComponent>();
const ZONE_BLOCKS_MAX = 64;
/**
 * Blocks are kept only from objects up to this length: V8 keeps a slice of a string (the key, a
 * value) as a view of the whole string, so each kept block holds its object's text alive; a few
 * kB each for real objects, never 64 large ones.
 */
const ZONE_BLOCK_OBJECT_MAX = 64 * 1024;
const BEGIN_ZONE = 'BEGIN:VTIMEZONE';
const END_ZONE = 'END:VTIMEZONE';

/** The component and the position after its END line, when the block at `start` was read before. */
function knownZoneBlock(text: string, start: number): { component: JCalComponent; next: number } | undefined {
  if (zoneBlocks.size === 0) return undefined;
  const at = text.indexOf(END_ZONE, start);
  if (at === -1) return undefined;
  const end = at + END_ZONE.length;
  const brk = text.charCodeAt(end);
  if (brk !== 13 && brk !== 10) return undefined;
  const next = brk === 13 && text.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
  const after = text.charCodeAt(next);
  if (after === 32 || after === 9) return undefined; // END:VTIMEZONE folded on: another line
  const component = zoneBlocks.get(text.slice(start, end));
  return component === undefined ? undefined : { component, next };
}

/**
 * Real calendars nest four deep at most (VCALENDAR › VTIMEZONE › STANDARD, VEVENT › VALARM). ical.js
 * and our reader recurse per level, so a hostile object nested thousands deep would overflow the
 * stack; it is refused (by the structure check in jcal.ts), with its own code, before anything recurses.
 */
export const MAX_COMPONENT_DEPTH = 16;

/** The answer for text this reader leaves to the full one. */
const NOT_PLAIN = undefined;

/**
 * The VCALENDAR components of `text` (BOM and CR/CRLF/LF line endings allowed), or undefined when
 * the text is not plain iCalendar as described above — including every text that is refused.
 */
export function readPlainICalendar(text: string): JCalComponent[] | undefined {
  const length = text.length;
  let position = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const calendars: JCalComponent[] = [];
  // Open components, innermost last, with the upper-cased trimmed name the structure check matches on.
  const stack: Array<{ component: MutableComponent; key: string }> = [];
  let pending: string | null = null; // the logical line being unfolded
  // Where the pending line starts and its last physical line ends in `text`.
  let pendingStart = 0;
  let pendingEnd = 0;
  // The VTIMEZONE being read (directly in a VCALENDAR), to be kept by its text (zoneBlocks).
  let zoneStart = -1;

  // Line ends are CRLF, CR or LF; the next CR and LF are remembered so each is searched once.
  let nextLf = text.indexOf('\n', position);
  let nextCr = text.indexOf('\r', position);
  while (position < length || pending !== null) {
    let line: string | null = null;
    const lineStart = position;
    let lineEnd = position;
    if (position < length) {
      if (nextLf !== -1 && nextLf < position) nextLf = text.indexOf('\n', position);
      if (nextCr !== -1 && nextCr < position) nextCr = text.indexOf('\r', position);
      const end = nextCr === -1 ? (nextLf === -1 ? length : nextLf) : nextLf === -1 ? nextCr : Math.min(nextCr, nextLf);
      line = text.slice(position, end);
      lineEnd = end;
      position = end < length && text.charCodeAt(end) === 13 && text.charCodeAt(end + 1) === 10 ? end + 2 : end + 1;
      const first = line.charCodeAt(0);
      if (first === 32 || first === 9) {
        // A folded continuation; after an empty line the two readers would disagree.
        if (pending === null) return NOT_PLAIN;
        pending += line.slice(1);
        pendingEnd = lineEnd;
        continue;
      }
    }
    if (pending !== null) {
      if (stack.length === 1 && pending === BEGIN_ZONE) {
        const known = knownZoneBlock(text, pendingStart);
        if (known !== undefined) {
          stack[0]!.component.components.push(known.component);
          position = known.next;
          pending = null;
          continue;
        }
        if (length <= ZONE_BLOCK_OBJECT_MAX) zoneStart = pendingStart;
      }
      if (!readLineOrRefusal(pending, stack, calendars)) return NOT_PLAIN;
      if (zoneStart !== -1 && stack.length === 1) {
        // The block just closed: kept when it ends with the END line knownZoneBlock looks for.
        if (pending === END_ZONE && text.startsWith(END_ZONE, pendingEnd - END_ZONE.length)) {
          if (zoneBlocks.size >= ZONE_BLOCKS_MAX) zoneBlocks.clear();
          zoneBlocks.set(text.slice(zoneStart, pendingEnd), stack[0]!.component.components.at(-1)!);
        }
        zoneStart = -1;
      }
    }
    pending = line === '' ? null : line;
    pendingStart = lineStart;
    pendingEnd = lineEnd;
  }
  if (stack.length > 0 || calendars.length === 0) return NOT_PLAIN;
  return calendars;
}

interface MutableComponent {
  readonly name: string;
  readonly properties: JCalProperty[];
  readonly components: JCalComponent[];
}

/** ical.js's decoders throw on some values (an RRULE with FREQ=FOO): that refusal is the full reader's to make. */
function readLineOrRefusal(line: string, stack: Array<{ component: MutableComponent; key: string }>, calendars: JCalComponent[]): boolean {
  try {
    return readLine(line, stack, calendars);
  } catch {
    return false;
  }
}

/** One logical line; false when it is not plain (see the header). */
function readLine(line: string, stack: Array<{ component: MutableComponent; key: string }>, calendars: JCalComponent[]): boolean {
  const keyword = beginOrEnd(line);
  if (keyword !== 0) {
    const rest = line.slice(keyword === 1 ? 6 : 4);
    if (rest.includes('\u2028') || rest.includes('\u2029')) return false;
    const key = rest.trim().toUpperCase();
    if (key === '') return false;
    if (keyword === 2) {
      const open = stack.pop();
      if (open === undefined || open.key !== key) return false;
      if (stack.length === 0) calendars.push(open.component);
      return true;
    }
    const name = rest.toLowerCase();
    if ((stack.length === 0 && key !== 'VCALENDAR') || name === 'vcard' || stack.length >= MAX_COMPONENT_DEPTH) return false;
    const component: MutableComponent = { name, properties: [], components: [] };
    stack.at(-1)?.component.components.push(component);
    stack.push({ component, key });
    return true;
  }
  const parent = stack.at(-1);
  if (parent === undefined) return false;
  const property = readProperty(line);
  if (property === undefined) return false;
  parent.component.properties.push(property);
  return true;
}

/** 1 for `BEGIN:`, 2 for `END:` (ASCII, any case), else 0. */
function beginOrEnd(line: string): 0 | 1 | 2 {
  const c = line.charCodeAt(0) | 0x20;
  if (c === 0x62 /* b */) {
    return line.length >= 6 && line.charCodeAt(5) === 58 && line.slice(0, 5).toLowerCase() === 'begin' ? 1 : 0;
  }
  if (c === 0x65 /* e */) {
    return line.length >= 4 && line.charCodeAt(3) === 58 && line.slice(0, 3).toLowerCase() === 'end' ? 2 : 0;
  }
  return 0;
}

/** RFC 5545 name characters: ALPHA, DIGIT, "-". */
function isNameChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45;
}

function readProperty(line: string): JCalProperty | undefined {
  let index = 0;
  const length = line.length;
  while (index < length && isNameChar(line.charCodeAt(index))) index++;
  if (index === 0 || index === length) return NOT_PLAIN;
  const name = line.slice(0, index).toLowerCase();
  const params: Record<string, JCalParamValue> = {};
  let valueParam: string | undefined;
  let delimiter = line.charCodeAt(index);
  if (delimiter === 59 /* ; */) {
    // BEGIN;X=… and END;X=… are properties to ical.js but lines the structure check reads otherwise.
    if (name === 'begin' || name === 'end') return NOT_PLAIN;
    while (delimiter === 59) {
      const nameStart = index + 1;
      index = nameStart;
      while (index < length && isNameChar(line.charCodeAt(index))) index++;
      if (index === nameStart || line.charCodeAt(index) !== 61 /* = */) return NOT_PLAIN;
      const paramName = line.slice(nameStart, index).toLowerCase();
      if (MULTI_VALUED_PARAMS.has(paramName)) return NOT_PLAIN;
      let value: string;
      if (line.charCodeAt(index + 1) === 34 /* " */) {
        const close = line.indexOf('"', index + 2);
        if (close === -1) return NOT_PLAIN;
        value = line.slice(index + 2, close);
        index = close + 1;
        delimiter = line.charCodeAt(index);
        if (delimiter !== 59 && delimiter !== 58) return NOT_PLAIN;
      } else {
        const start = index + 1;
        index = start;
        while (index < length) {
          const c = line.charCodeAt(index);
          if (c === 59 || c === 58) break;
          index++;
        }
        if (index === length) return NOT_PLAIN;
        value = line.slice(start, index);
        delimiter = line.charCodeAt(index);
      }
      // ical.js decodes `\` escapes and RFC 6868 `^` escapes in parameters and then miscounts.
      if (value.includes('\\') || value.includes('^')) return NOT_PLAIN;
      if (paramName === 'value') valueParam = value;
      else params[paramName] = value;
    }
  } else if (delimiter !== 58 /* : */) {
    return NOT_PLAIN;
  }
  const design = PROPERTIES.get(name);
  // `constructor` and the like would be found on Object.prototype by ical.js's lookups.
  if (design === undefined && FOREIGN_PROPERTY_NAMES.has(name)) return NOT_PLAIN;
  const raw = line.slice(index + 1);
  let type = design?.detectType !== undefined && raw !== '' ? design.detectType(raw) : undefined;
  if (!type) type = valueParam !== undefined ? valueParam.toLowerCase() : (design?.defaultType ?? 'unknown');
  // As with property names, a VALUE= type found on Object.prototype is left to ical.js.
  if (FOREIGN_VALUE_TYPES.has(type)) return NOT_PLAIN;
  const decode = DECODERS.get(type);
  let values: unknown[];
  if (design?.multiValue) {
    values = splitUnescaped(raw, design.multiValue).map((piece) => (decode ? decode(piece, false) : piece));
  } else if (design?.structuredValue) {
    const separator = design.structuredValue;
    const pieces = splitUnescaped(raw, separator).map((piece) => (decode ? decode(piece, separator) : piece));
    values = [pieces.length === 1 ? pieces[0] : pieces];
  } else {
    values = [decode ? decode(raw, false) : raw];
  }
  return { name, params, type, values };
}

/** Splits at each `separator` not preceded by a backslash (ical.js's unescapedIndexOf). */
function splitUnescaped(value: string, separator: string): string[] {
  const pieces: string[] = [];
  let last = 0;
  let at = value.indexOf(separator, 0);
  while (at !== -1) {
    if (at > 0 && value.charCodeAt(at - 1) === 92 /* \ */) {
      at = value.indexOf(separator, at + 1);
      continue;
    }
    pieces.push(value.slice(last, at));
    last = at + separator.length;
    at = value.indexOf(separator, last);
  }
  pieces.push(value.slice(last));
  return pieces;
}
