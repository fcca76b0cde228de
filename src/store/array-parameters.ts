import { sql, type RawBuilder } from 'kysely';

/**
 * Column arrays for `unnest(…)` inserts, bound as one parameter each in PostgreSQL's binary array
 * format (what `array_recv` reads) and typed by the cast in the statement.
 *
 * Binary, not text (decision 0017, eighth session): a first import binds ~32,000 occurrences × 10
 * columns. As text, each array was written once as a literal, then read again char by char by the
 * pg protocol writer (PGlite's counts a string's UTF-8 length in a JavaScript loop before copying
 * it) and parsed by PostgreSQL's `array_in` (quotes, escapes, then the element type's text input:
 * uuids and numbers from digits) — on PGlite all of it on the server's main thread. A Buffer is
 * copied as it is (node-postgres and PGlite's writer send it with the binary format code) and
 * PostgreSQL reads each element by its length; numbers, booleans and uuids are their bytes.
 * Same statements, same values: only the parameters' encoding changes.
 */

/** Element type OIDs: fixed in PostgreSQL's catalog (pg_type.dat), the same on every server. */
const OID = { text: 25, uuid: 2950, timestamptz: 1184, float8: 701, integer: 23, boolean: 16 } as const;

const HEADER_BYTES = 20;

/** The array header: one dimension of `count` elements from 1 (an empty array has no dimension). */
function writeHeader(buffer: Buffer, elementOid: number, count: number, hasNulls: boolean): number {
  buffer.writeInt32BE(count === 0 ? 0 : 1, 0);
  buffer.writeInt32BE(hasNulls ? 1 : 0, 4);
  buffer.writeInt32BE(elementOid, 8);
  if (count === 0) return 12;
  buffer.writeInt32BE(count, 12);
  buffer.writeInt32BE(1, 16);
  return HEADER_BYTES;
}

function typed<T>(buffer: Buffer, cast: keyof typeof OID): RawBuilder<T> {
  return sql<T>`${buffer}::${sql.raw(cast)}[]`;
}

/** `text[]` (or `uuid[]` from their text): null is NULL, any other string is kept as it is. */
export function textArray(values: readonly (string | null)[], cast: 'text' | 'uuid' = 'text'): RawBuilder<string[]> {
  if (cast === 'uuid') return typed(uuidArray(values), cast);
  // Each element: its length, then its UTF-8 bytes — at most 3 bytes per UTF-16 unit, so one buffer
  // of that bound is written through and cut to what was used (no second pass to measure).
  let bound = HEADER_BYTES;
  let hasNulls = false;
  for (const value of values) {
    bound += 4 + (value === null ? 0 : value.length * 3);
    if (value === null) hasNulls = true;
  }
  const buffer = Buffer.allocUnsafe(bound);
  let offset = writeHeader(buffer, OID.text, values.length, hasNulls);
  for (const value of values) {
    if (value === null) {
      buffer.writeInt32BE(-1, offset);
      offset += 4;
    } else {
      const length = buffer.write(value, offset + 4, 'utf8');
      buffer.writeInt32BE(length, offset);
      offset += 4 + length;
    }
  }
  return typed(buffer.subarray(0, offset), cast);
}

/**
 * An array of fixed-width elements (uuid, timestamptz, float8, integer, boolean): each is its length,
 * then `width` bytes written by `write`; null is length −1 and no bytes.
 */
function fixedWidthArray<T>(
  elementOid: number,
  values: readonly (T | null)[],
  width: number,
  write: (buffer: Buffer, value: T, at: number) => void,
): Buffer {
  const buffer = Buffer.allocUnsafe(HEADER_BYTES + values.length * (4 + width));
  let offset = writeHeader(buffer, elementOid, values.length, values.includes(null));
  for (const value of values) {
    if (value === null) {
      buffer.writeInt32BE(-1, offset);
      offset += 4;
      continue;
    }
    buffer.writeInt32BE(width, offset);
    write(buffer, value, offset + 4);
    offset += 4 + width;
  }
  return buffer.subarray(0, offset);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** uuid elements are their 16 bytes; a malformed one is refused here, as `uuid_in` would refuse it. */
function uuidArray(values: readonly (string | null)[]): Buffer {
  return fixedWidthArray(OID.uuid, values, 16, (buffer, value, at) => {
    if (!UUID.test(value)) throw new TypeError(`invalid uuid: ${JSON.stringify(value)}`);
    buffer.write(value.slice(0, 8) + value.slice(9, 13) + value.slice(14, 18) + value.slice(19, 23) + value.slice(24), at, 16, 'hex');
  });
}

/** PostgreSQL's epoch (2000-01-01) in Unix milliseconds: timestamptz is microseconds from it, as int64. */
const POSTGRES_EPOCH_MS = 946_684_800_000;

/**
 * `timestamptz[]` from Dates (a millisecond is the finest a Date keeps): taken as Dates, not text, so
 * no string is read back by `Date.parse`, whose rules for text without an offset are not PostgreSQL's.
 */
export function instantArray(values: readonly (Date | null)[]): RawBuilder<Date[]> {
  const buffer = fixedWidthArray(OID.timestamptz, values, 8, (buffer, value, at) => {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new TypeError('invalid instant: an invalid Date');
    buffer.writeBigInt64BE(BigInt(ms - POSTGRES_EPOCH_MS) * 1000n, at);
  });
  return typed(buffer, 'timestamptz');
}

/** `float8[]` or `integer[]` (an integer outside int4 is refused here, as `int4in` would refuse it). */
export function numberArray(values: readonly number[], cast: 'float8' | 'integer'): RawBuilder<number[]> {
  const buffer =
    cast === 'float8'
      ? fixedWidthArray(OID.float8, values, 8, (buffer, value, at) => buffer.writeDoubleBE(value, at))
      : fixedWidthArray(OID.integer, values, 4, (buffer, value, at) => buffer.writeInt32BE(value, at));
  return typed(buffer, cast);
}

/** `boolean[]`. */
export function booleanArray(values: readonly boolean[]): RawBuilder<boolean[]> {
  return typed(
    fixedWidthArray(OID.boolean, values, 1, (buffer, value, at) => buffer.writeUInt8(value ? 1 : 0, at)),
    'boolean',
  );
}
