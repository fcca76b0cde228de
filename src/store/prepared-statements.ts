import { createHash } from 'node:crypto';
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';
import { isStalePreparedStatement } from './pg-errors.ts';

/**
 * Named prepared statements for the statements a server runs again and again (issue 13.4, decision
 * 0024). Kysely over node-postgres sends every statement unnamed, so PostgreSQL parses, analyses and
 * plans it at every execution: for a public booking's three statements (the calendar with its
 * booking facts, the slot statement, the one-statement insert) that was 2–3 times the time spent
 * executing them. A statement sent with a name is parsed once per connection; after five executions
 * PostgreSQL's plan cache keeps a generic plan when it costs no more than the custom ones did (its
 * ordinary rule for prepared statements, as with JDBC's server-side statements), so planning stops
 * too.
 *
 * Bounds: a text is named only once it has run `PREPARE_AFTER` times in this process (a one-off
 * statement, or an IN-list of a new length, stays unnamed), and a connection holds at most
 * `PER_CONNECTION` named statements; past that it runs the rest unnamed as before. The pool closes
 * idle connections (node-postgres: after 10 s), which on PostgreSQL drops their statements with them
 * (PGlite's one session keeps them: database.ts). A name is a hash of the text, so one name never
 * means two statements (node-postgres refuses that).
 *
 * A schema change under a running server (another process's migration adding a column to a table
 * read with `*`) makes PostgreSQL refuse a prepared statement at every execution from then on; the
 * statement fails once, as it would have racing the migration, and its connection is closed when
 * released, so the next one prepares it afresh.
 */
export const PREPARE_AFTER = 3;
export const PER_CONNECTION = 200;
/** Texts counted towards PREPARE_AFTER at most; the count starts over when full (a bound on memory, not on correctness). */
const COUNTED_TEXTS = 5_000;

export interface StatementNamer {
  /** The name to prepare `text` under on this connection, or null to send it unnamed. */
  nameFor(text: string, prepared: Set<string>): string | null;
}

export function createStatementNamer(options: { prepareAfter?: number; perConnection?: number } = {}): StatementNamer {
  const prepareAfter = options.prepareAfter ?? PREPARE_AFTER;
  const perConnection = options.perConnection ?? PER_CONNECTION;
  const runs = new Map<string, number>();
  const names = new Map<string, string>();
  return {
    nameFor(text, prepared) {
      let name = names.get(text);
      if (name === undefined) {
        const count = (runs.get(text) ?? 0) + 1;
        if (count < prepareAfter) {
          if (runs.size >= COUNTED_TEXTS) runs.clear();
          runs.set(text, count);
          return null;
        }
        runs.delete(text);
        name = `t_${createHash('sha1').update(text).digest('base64url')}`;
        names.set(text, name);
      }
      if (prepared.has(name)) return name;
      if (prepared.size >= perConnection) return null;
      prepared.add(name);
      return name;
    },
  };
}

type PgQuery = (config: pg.QueryConfig) => Promise<pg.QueryResult>;

/**
 * `pool` as Kysely's PostgresDialect takes it, sending hot statements by name (see above). Only
 * statements with parameters are named — what Kysely compiles; transaction control (`begin`,
 * `commit`) and cursors pass through untouched.
 */
export function preparingPool(pool: PostgresPool, namer: StatementNamer = createStatementNamer()): PostgresPool {
  // One wrapper per pg client: Kysely keeps its connection object per client it is given.
  const wrappers = new WeakMap<PostgresPoolClient, PostgresPoolClient>();
  const wrap = (client: PostgresPoolClient): PostgresPoolClient => {
    const prepared = new Set<string>();
    let stale = false;
    const query = client.query.bind(client) as unknown as PgQuery;
    function preparingQuery<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
    function preparingQuery<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
    function preparingQuery<R>(
      sqlOrCursor: string | PostgresCursor<R>,
      parameters?: ReadonlyArray<unknown>,
    ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
      if (typeof sqlOrCursor !== 'string') return client.query(sqlOrCursor);
      const values = [...(parameters ?? [])];
      const name = values.length === 0 ? null : namer.nameFor(sqlOrCursor, prepared);
      if (name === null) return client.query<R>(sqlOrCursor, values);
      return query({ name, text: sqlOrCursor, values }).catch((error: unknown) => {
        if (isStalePreparedStatement(error)) stale = true;
        throw error;
      }) as unknown as Promise<PostgresQueryResult<R>>;
    }
    return { query: preparingQuery, release: (destroy?: boolean) => client.release(destroy === true || stale) };
  };
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (wrapper === undefined) {
        wrapper = wrap(client);
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}
