import type { RawBuilder } from 'kysely';
import { ArrayElements, ELEMENT_OID } from '../../src/store/array-elements.ts';
import { boundArray } from '../../src/store/array-parameters.ts';

/**
 * `float8[]` / `integer[]` and `boolean[]` parameters, written by the store's element writer as the
 * occurrence rows are (occurrence-rows.ts): the server binds no such array of its own any more, the
 * tests of the element format and bench/occurrence-crossing.bench.ts's baseline do.
 */
export function numberArray(values: readonly number[], cast: 'float8' | 'integer'): RawBuilder<number[]> {
  const elements = new ArrayElements(ELEMENT_OID[cast], values.length * 12);
  for (const value of values) {
    if (cast === 'float8') elements.float8(value);
    else elements.int4(value);
  }
  return boundArray(elements.array(), cast);
}

export function booleanArray(values: readonly boolean[]): RawBuilder<boolean[]> {
  const elements = new ArrayElements(ELEMENT_OID.boolean, values.length * 5);
  for (const value of values) elements.boolean(value);
  return boundArray(elements.array(), 'boolean');
}
