import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDatabase } from '../../support/db.ts';
import { PREPARE_AFTER } from '../../../src/store/prepared-statements.ts';

// PostgreSQL only: PGlite's handle sends every statement unnamed, as before (database.ts).
describe('statements run again and again are prepared by name (PostgreSQL)', () => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    // One connection, so every statement below runs on the connection whose prepared statements are read.
    database = await createTestDatabase('postgres', { poolSize: 1 });
  });
  afterAll(async () => {
    await database.close();
  });

  const prepared = async (): Promise<string[]> =>
    (await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(database.db)).rows.map((r) => r.statement);

  it('prepares a statement once it has run PREPARE_AFTER times, and answers the same through it', async () => {
    const text = 'select $1::int * 2 as doubled, $2::text as label';
    for (let i = 0; i < PREPARE_AFTER + 3; i++) {
      const { rows } = await sql<{ doubled: number; label: string }>`select ${i}::int * 2 as doubled, ${`n${i}`}::text as label`.execute(
        database.db,
      );
      expect(rows).toEqual([{ doubled: i * 2, label: `n${i}` }]);
    }
    expect(await prepared()).toContain(text);
  });

  it('leaves a statement that ran fewer times unnamed, and statements without parameters too', async () => {
    await sql`select ${'once'}::text as once_only`.execute(database.db);
    for (let i = 0; i < PREPARE_AFTER + 1; i++) await sql`select 42 as no_parameters`.execute(database.db);
    const statements = await prepared();
    expect(statements.some((s) => s.includes('once_only'))).toBe(false);
    expect(statements.some((s) => s.includes('no_parameters'))).toBe(false);
  });

  it('still refuses bad input as an error of that statement, and the connection goes on working', async () => {
    const run = (value: string) => sql<{ n: number }>`select ${value}::int as n`.execute(database.db);
    for (let i = 0; i < PREPARE_AFTER + 1; i++) expect((await run(String(i))).rows).toEqual([{ n: i }]);
    await expect(run('not a number')).rejects.toThrow(/invalid input syntax/);
    expect((await run('7')).rows).toEqual([{ n: 7 }]);
    // In a transaction an error aborts it as before; after rollback the prepared statement still works.
    await expect(
      database.db.transaction().execute(async (trx) => {
        await sql`select ${'x'}::int as n`.execute(trx);
      }),
    ).rejects.toThrow(/invalid input syntax/);
    expect((await run('8')).rows).toEqual([{ n: 8 }]);
  });
});
