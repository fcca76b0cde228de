/**
 * The elements of a PostgreSQL array in its binary format (what `array_recv` reads): each element is
 * its length as an int32, then its bytes; NULL is length −1 and no bytes. Written one after another
 * into a buffer that grows, then given a header (`arrayOf`). No Kysely here: the parse threads write
 * occurrence rows with it (sync-store/occurrence-rows.ts), and array-parameters.ts binds what it writes.
 */

/** Element type OIDs: fixed in PostgreSQL's catalog (pg_type.dat), the same on every server. */
export const ELEMENT_OID = { text: 25, uuid: 2950, timestamptz: 1184, float8: 701, integer: 23, boolean: 16 } as const;

/** The element types these arrays are cast to in statements. */
export type ArrayCast = keyof typeof ELEMENT_OID;

const ARRAY_HEADER_BYTES = 20;

/** The array header: one dimension of `count` elements from 1 (an empty array has no dimension). */
export function arrayHeader(elementOid: number, count: number, hasNulls: boolean): Buffer {
  const header = Buffer.alloc(count === 0 ? 12 : ARRAY_HEADER_BYTES);
  header.writeInt32BE(count === 0 ? 0 : 1, 0);
  header.writeInt32BE(hasNulls ? 1 : 0, 4);
  header.writeInt32BE(elementOid, 8);
  if (count > 0) {
    header.writeInt32BE(count, 12);
    header.writeInt32BE(1, 16);
  }
  return header;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** PostgreSQL's epoch (2000-01-01) in Unix milliseconds: timestamptz is microseconds from it, as int64. */
const POSTGRES_EPOCH_MS = 946_684_800_000;

export class ArrayElements {
  private buffer: Buffer;
  /** Bytes written so far. */
  length = 0;
  /** Elements written so far. */
  count = 0;
  hasNulls = false;

  constructor(
    readonly elementOid: number,
    initialBytes = 1024,
  ) {
    // Not from Buffer's shared pool: a block of elements crosses threads, and a pooled Buffer's
    // whole 8 kB pool would be copied with it.
    this.buffer = Buffer.allocUnsafeSlow(Math.max(64, initialBytes));
  }

  /** Room for `bytes` more. */
  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafeSlow(Math.max(this.buffer.length * 2, this.length + bytes));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }

  null(): void {
    this.reserve(4);
    this.buffer.writeInt32BE(-1, this.length);
    this.length += 4;
    this.count++;
    this.hasNulls = true;
  }

  /** A string's UTF-8 bytes: at most 3 per UTF-16 unit, so room for that is made and what was used kept. */
  text(value: string | null): void {
    if (value === null) return this.null();
    this.reserve(4 + value.length * 3);
    const written = this.buffer.write(value, this.length + 4, 'utf8');
    this.buffer.writeInt32BE(written, this.length);
    this.length += 4 + written;
    this.count++;
  }

  /** A uuid's 16 bytes; a malformed one is refused here, as `uuid_in` would refuse it. */
  uuid(value: string | null): void {
    if (value === null) return this.null();
    if (!UUID.test(value)) throw new TypeError(`invalid uuid: ${JSON.stringify(value)}`);
    this.fixed(16).write(
      value.slice(0, 8) + value.slice(9, 13) + value.slice(14, 18) + value.slice(19, 23) + value.slice(24),
      this.length - 16,
      16,
      'hex',
    );
  }

  float8(value: number): void {
    this.fixed(8).writeDoubleBE(value, this.length - 8);
  }

  /** An integer outside int4 is refused here, as `int4in` would refuse it. */
  int4(value: number): void {
    this.fixed(4).writeInt32BE(value, this.length - 4);
  }

  boolean(value: boolean): void {
    this.fixed(1).writeUInt8(value ? 1 : 0, this.length - 1);
  }

  /** A millisecond instant (the finest a Date keeps) as timestamptz. */
  instant(value: Date | null): void {
    if (value === null) return this.null();
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new TypeError('invalid instant: an invalid Date');
    this.fixed(8).writeBigInt64BE(BigInt(ms - POSTGRES_EPOCH_MS) * 1000n, this.length - 8);
  }

  /** Writes an element's length and makes room for its `width` bytes, which the caller writes just before `length`. */
  private fixed(width: number): Buffer {
    this.reserve(4 + width);
    this.buffer.writeInt32BE(width, this.length);
    this.length += 4 + width;
    this.count++;
    return this.buffer;
  }

  /** The elements written, without a header (a view of this writer's buffer: write no more after taking it). */
  bytes(): Buffer {
    return this.buffer.subarray(0, this.length);
  }

  /** The whole array: header and elements. */
  array(): Buffer {
    return Buffer.concat([arrayHeader(this.elementOid, this.count, this.hasNulls), this.bytes()]);
  }
}
