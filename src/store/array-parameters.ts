import { sql, type RawBuilder } from 'kysely';

/**
 * Column arrays for `unnest(…)` inserts, bound as one text parameter each (a PostgreSQL array
 * literal built in one pass) and cast in the statement. node-postgres makes the same text from a
 * JavaScript array, but element by element through its generic value conversion and two regular
 * expressions each: for a first import's ~32,000 occurrences × 10 columns that was ~0.4 s of the
 * server's main thread per 5,000 events on PGlite (decision 0017, sixth round). Same statement, same
 * values: only who writes the literal changes.
 */

/** `text[]` (or any type read from text, by `cast`): every element quoted, so '', 'NULL', braces and commas stay text; null is NULL. */
export function textArray(values: readonly (string | null)[], cast: 'text' | 'uuid' | 'timestamptz' = 'text'): RawBuilder<string[]> {
  let literal = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (i > 0) literal += ',';
    // Inside double quotes only a backslash and a double quote need escaping (PostgreSQL's array_in).
    literal += value === null ? 'NULL' : `"${value.replace(ESCAPED, '\\$&')}"`;
  }
  return sql<string[]>`${literal + '}'}::${sql.raw(cast)}[]`;
}

/** `float8[]` or `integer[]`: numbers as JavaScript prints them ('NaN' and 'Infinity' included, which float8 reads). */
export function numberArray(values: readonly number[], cast: 'float8' | 'integer'): RawBuilder<number[]> {
  return sql<number[]>`${`{${values.join(',')}}`}::${sql.raw(cast)}[]`;
}

/** `boolean[]`. */
export function booleanArray(values: readonly boolean[]): RawBuilder<boolean[]> {
  let literal = '{';
  for (let i = 0; i < values.length; i++) literal += (i > 0 ? ',' : '') + (values[i] ? 't' : 'f');
  return sql<boolean[]>`${literal + '}'}::boolean[]`;
}

const ESCAPED = /[\\"]/g;
