import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { createTestDatabase, databaseKinds } from '../../support/db.ts';
import { instantArray, textArray } from '../../../src/store/array-parameters.ts';
import { booleanArray, numberArray } from '../../support/array-parameters.ts';

/** Compiles statements only: a pool that is never asked for a connection. */
const compiler = new Kysely<unknown>({ dialect: new PostgresDialect({ pool: {} as never }) });

/** Text that an array literal must quote or escape: every one has to come back as it went in. */
const ODD_TEXT: (string | null)[] = [
  '',
  'NULL',
  'null',
  null,
  ' leading and trailing ',
  'comma, inside',
  '{braces}',
  '"quoted"',
  'back\\slash',
  '\\"both\\"',
  'tab\tnew\nline\rreturn',
  'émoji 🗓️ and ümlauts',
  'x'.repeat(10_000),
  'plain',
];

describe.each(databaseKinds)('array parameters on %s', (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database.close();
  });

  it('text arrays come back element for element, nulls and odd characters included, as node-postgres sends them', async () => {
    const { rows } = await sql<{ ours: string | null; theirs: string | null }>`
      select a.v as ours, b.v as theirs
      from unnest(${textArray(ODD_TEXT)}) with ordinality as a(v, n)
      join unnest(${ODD_TEXT}::text[]) with ordinality as b(v, n) on a.n = b.n
      order by a.n`.execute(database.db);
    expect(rows.map((r) => r.ours)).toEqual(ODD_TEXT);
    expect(rows.map((r) => r.theirs)).toEqual(ODD_TEXT);
  });

  it('an empty array is empty, and a one-element array of the empty string is not', async () => {
    const { rows } = await sql<{ empty: number; one: number }>`
      select cardinality(${textArray([])}) as empty, cardinality(${textArray([''])}) as one`.execute(database.db);
    expect(rows).toEqual([{ empty: 0, one: 1 }]);
  });

  it('uuids and instants read through their casts', async () => {
    const ids = ['6f1c2b1e-8d4a-4a57-9a43-0f4d3c2b1a00', 'FFFFFFFF-FFFF-4FFF-8FFF-FFFFFFFFFFFF'];
    const instants = [new Date('2026-03-29T00:59:59.999Z'), new Date('1969-12-31T23:59:59.001Z'), null];
    const { rows } = await sql<{ ids: string[]; ms: (number | null)[] }>`
      select ${textArray(ids, 'uuid')}::text[] as ids,
        (select array_agg(round(date_part('epoch', t) * 1000) order by n) from unnest(${instantArray(instants)}) with ordinality as x(t, n)) as ms`.execute(
      database.db,
    );
    expect(rows[0]!.ids).toEqual(ids.map((id) => id.toLowerCase()));
    expect(rows[0]!.ms.map((ms) => (ms === null ? null : Number(ms)))).toEqual(instants.map((d) => d?.getTime() ?? null));
  });

  it('numbers keep every millisecond (float8) and integers stay integers; booleans keep their order', async () => {
    const ms = [0, -1, 1_796_083_199_999, -2_208_988_800_000, 8.64e15, 1.5];
    const counts = [1, 2, 2_147_483_647];
    const flags = [true, false, false, true];
    const { rows } = await sql<{ ms: number[]; counts: number[]; flags: boolean[] }>`
      select ${numberArray(ms, 'float8')} as ms, ${numberArray(counts, 'integer')} as counts, ${booleanArray(flags)} as flags`.execute(
      database.db,
    );
    expect(rows[0]!.ms.map(Number)).toEqual(ms);
    expect(rows[0]!.counts.map(Number)).toEqual(counts);
    expect(rows[0]!.flags).toEqual(flags);
  });

  it('empty arrays and arrays of nulls keep their length and element type', async () => {
    const { rows } = await sql<{ kinds: string; lengths: string }>`
      select concat_ws(',', pg_typeof(${textArray([], 'uuid')}), pg_typeof(${instantArray([])}), pg_typeof(${numberArray([], 'integer')}),
          pg_typeof(${booleanArray([])}), pg_typeof(${numberArray([], 'float8')})) as kinds,
        concat_ws(',', cardinality(${textArray([null, null], 'uuid')}), cardinality(${instantArray([null])}),
          cardinality(${textArray([null, null, null])}), (select count(*) from unnest(${textArray([null, 'x'])}) as x(v) where v is null)) as lengths`.execute(
      database.db,
    );
    expect(rows).toEqual([{ kinds: 'uuid[],timestamp with time zone[],integer[],boolean[],double precision[]', lengths: '2,1,3,1' }]);
  });

  it('float8 keeps what JavaScript numbers hold beyond the finite ones', async () => {
    const { rows } = await sql<{
      v: string;
    }>`select v::text from unnest(${numberArray([Number.NaN, Infinity, -Infinity, -0, 5e-324], 'float8')}) as x(v)`.execute(database.db);
    expect(rows.map((r) => r.v)).toEqual(['NaN', 'Infinity', '-Infinity', '-0', '5e-324']);
  });
});

describe('array parameters, as bound', () => {
  it('are binary (a Buffer each): no array literal for the protocol writer to measure or for array_in to parse', () => {
    const compiled = sql`select ${textArray(['a'])}, ${textArray([randomUUID()], 'uuid')}, ${instantArray([new Date(0)])},
      ${numberArray([1], 'float8')}, ${numberArray([1], 'integer')}, ${booleanArray([true])}`.compile(compiler);
    expect(compiled.parameters.every((p) => Buffer.isBuffer(p))).toBe(true);
    expect(compiled.sql).toContain('$2::uuid[]');
  });

  it('a malformed uuid or instant is refused before any statement, as the database would refuse it', () => {
    expect(() => textArray(['not-a-uuid'], 'uuid')).toThrow(/invalid uuid/);
    expect(() => textArray(['6f1c2b1e-8d4a-4a57-9a43-0f4d3c2b1a0g'], 'uuid')).toThrow(/invalid uuid/);
    expect(() => instantArray([new Date('yesterday')])).toThrow(/invalid instant/);
    expect(() => numberArray([2 ** 31], 'integer')).toThrow(RangeError);
  });
});
