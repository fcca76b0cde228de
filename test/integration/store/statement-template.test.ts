import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createTestDatabase, databaseKinds } from '../../support/db.ts';
import { StatementTemplate } from '../../../src/store/statement-template.ts';

describe.each(databaseKinds)('StatementTemplate on %s', (kind) => {
  let database: Awaited<ReturnType<typeof createTestDatabase>>;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await database.close();
  });

  it('sends a name used twice once, and runs the same text with each call’s values', async () => {
    const template = StatementTemplate.compile<{ ids: string[]; n: number }, { count: number; doubled: number }>(
      database.db,
      (param) => sql`select cardinality(${param('ids')}::text[]) as count, ${param('n')}::int + ${param('n')}::int as doubled`,
    );
    expect(template.text).toContain('$1::text[]');
    expect(template.text.match(/\$2::int/g)).toHaveLength(2);
    expect(template.text).not.toContain('$3');
    const first = await template.execute(database.db, { ids: ['a', 'b', 'c'], n: 4 });
    const second = await template.execute(database.db, { ids: [], n: -1 });
    expect(first.rows).toEqual([{ count: 3, doubled: 8 }]);
    expect(second.rows).toEqual([{ count: 0, doubled: -2 }]);
  });

  it('refuses a value interpolated into the template instead of passed as a parameter', () => {
    expect(() => StatementTemplate.compile<{ n: number }, unknown>(database.db, (param) => sql`select ${param('n')}::int + ${1}`)).toThrow(
      /through param\(\)/,
    );
  });

  it('refuses a parameter asked for but left out of the text', () => {
    expect(() =>
      StatementTemplate.compile<{ a: number; b: number }, unknown>(database.db, (param) => {
        param('a');
        return sql`select ${param('b')}::int`;
      }),
    ).toThrow(/not in its text: a/);
  });
});
