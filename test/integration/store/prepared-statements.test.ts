import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';
import { createPgConfig } from '@electric-sql/pglite/node-postgres';
import { createTestDatabase } from '../../support/db.ts';
import { PREPARE_AFTER, preparingPool } from '../../../src/store/prepared-statements.ts';

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

// PGlite is one session for the process's life: its statements outlive the pg client that prepared them.
describe('statements run again and again are prepared by name (PGlite)', () => {
  it("prepares a statement once it has run PREPARE_AFTER times in the product's handle, and answers the same through it", async () => {
    const database = await createTestDatabase('pglite');
    try {
      const text = 'select $1::int * 3 as tripled';
      for (let i = 0; i < PREPARE_AFTER + 3; i++)
        expect((await sql<{ tripled: number }>`select ${i}::int * 3 as tripled`.execute(database.db)).rows).toEqual([{ tripled: i * 3 }]);
      const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(database.db);
      expect(rows.map((r) => r.statement)).toContain(text);
    } finally {
      await database.close();
    }
  });

  it('a pg client replaced (idle, or closed after an error) finds the statements prepared and never prepares one twice', async () => {
    // The pool composed as database.ts composes it, so the pg adapter's connection is what is exercised.
    const pglite = await PGlite.create('memory://');
    const pool = preparingPool(new pg.Pool(createPgConfig(pglite)));
    const run = async (value: number): Promise<unknown[]> => {
      const client = await pool.connect();
      try {
        return (await client.query<{ n: number }>('select $1::int + 1 as n', [value])).rows;
      } finally {
        // Destroyed every time: the next run gets a new pg client on the same PGlite session.
        client.release(true);
      }
    };
    try {
      for (let i = 0; i < PREPARE_AFTER + 3; i++) expect(await run(i)).toEqual([{ n: i + 1 }]);
      const prepared = await pglite.query<{ n: number }>(
        `select count(*)::int as n from pg_prepared_statements where statement = 'select $1::int + 1 as n'`,
      );
      expect(prepared.rows).toEqual([{ n: 1 }]);
    } finally {
      await pool.end();
      await pglite.close();
    }
  });
});
