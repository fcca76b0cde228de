import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDatabase, databaseKinds } from '../../support/db.ts';
import { epochMs } from '../../../src/store/epoch-ms.ts';

describe.each(databaseKinds)('epochMs on %s', (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database.close();
  });

  it('gives every millisecond instant exactly, before 1970 and far ahead too', async () => {
    // 2,000 instants with an odd millisecond part each; about 1 in 100 such instants comes out a
    // fraction off without the rounding, so some of these would.
    const instants = Array.from({ length: 2_000 }, (_, i) => -2_208_988_800_000 + i * 3_600_017_123 + (i % 1000));
    const { rows } = await sql<{ ms: number }>`
      select ${epochMs('t')} as ms
      from unnest(${instants.map((ms) => new Date(ms).toISOString())}::timestamptz[]) with ordinality as x(t, n)
      order by n`.execute(database.db);
    expect(rows.map((r) => r.ms)).toEqual(instants);
  });

  it('passes null through (an unbounded range end)', async () => {
    const { rows } = await sql<{ ms: number | null }>`select ${epochMs('upper(tstzrange(now(), null))')} as ms`.execute(database.db);
    expect(rows).toEqual([{ ms: null }]);
  });
});
