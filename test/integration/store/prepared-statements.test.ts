import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import pg from 'pg';
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

  it('after a schema change under it, a statement read with * fails once and then works again on a fresh connection', async () => {
    await sql`create table prepared_probe (id int primary key, a text)`.execute(database.db);
    await sql`insert into prepared_probe values (1, 'x')`.execute(database.db);
    const read = () => sql<Record<string, unknown>>`select * from prepared_probe where id = ${1}`.execute(database.db);
    for (let i = 0; i < PREPARE_AFTER + 1; i++) expect((await read()).rows).toEqual([{ id: 1, a: 'x' }]);
    // As another process's migration would: the result of `*` changes under the prepared statement.
    const other = new pg.Client({ connectionString: database.url! });
    await other.connect();
    try {
      await other.query(`alter table prepared_probe add column b text default 'y'`);
    } finally {
      await other.end();
    }
    await expect(read()).rejects.toThrow(/cached plan must not change result type/);
    expect((await read()).rows).toEqual([{ id: 1, a: 'x', b: 'y' }]);
    expect((await read()).rows).toEqual([{ id: 1, a: 'x', b: 'y' }]);
  });
});
