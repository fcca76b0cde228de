import { sql, type RawBuilder } from 'kysely';
import { ArrayElements, ELEMENT_OID, type ArrayCast } from './array-elements.ts';

/**
 * Column arrays for `unnest(…)` inserts, bound as one parameter each in PostgreSQL's binary array
 * format (what `array_recv` reads; array-elements.ts writes it) and typed by the cast in the statement.
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

/** A whole binary array (header and elements) as a parameter of the given element type. */
export function boundArray<T>(array: Buffer, cast: ArrayCast): RawBuilder<T> {
  return sql<T>`${array}::${sql.raw(cast)}[]`;
}

function written<T>(elements: ArrayElements, cast: ArrayCast): RawBuilder<T> {
  return boundArray<T>(elements.array(), cast);
}

/** `text[]` (or `uuid[]` from their text): null is NULL, any other string is kept as it is. */
export function textArray(values: readonly (string | null)[], cast: 'text' | 'uuid' = 'text'): RawBuilder<string[]> {
  if (cast === 'uuid') {
    const elements = new ArrayElements(ELEMENT_OID.uuid, values.length * 20);
    for (const value of values) elements.uuid(value);
    return written(elements, cast);
  }
  let bound = 0;
  for (const value of values) bound += 4 + (value === null ? 0 : value.length * 3);
  const elements = new ArrayElements(ELEMENT_OID.text, bound);
  for (const value of values) elements.text(value);
  return written(elements, cast);
}

/**
 * `timestamptz[]` from Dates (a millisecond is the finest a Date keeps): taken as Dates, not text, so
 * no string is read back by `Date.parse`, whose rules for text without an offset are not PostgreSQL's.
 */
export function instantArray(values: readonly (Date | null)[]): RawBuilder<Date[]> {
  const elements = new ArrayElements(ELEMENT_OID.timestamptz, values.length * 12);
  for (const value of values) elements.instant(value);
  return written(elements, 'timestamptz');
}
