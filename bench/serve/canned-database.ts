/**
 * A Kysely whose driver answers every statement at once with one canned row, for benches that measure
 * a statement's Node CPU without the database (slot-statement, insert-statement). Each statement goes
 * through what the server does before the socket: the prepared-statement lookup of its text
 * (store/prepared-statements.ts, from the build under test) and node-postgres's preparation of each
 * parameter (prepareValue, as its bind message does).
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import {
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
} from 'kysely';

// node-postgres's own preparation of each parameter (what its bind message sends); not in its typings.
const { prepareValue } = createRequire(import.meta.url)('pg/lib/utils.js') as { prepareValue(value: unknown): unknown };

export interface CannedDatabase {
  db: Kysely<unknown>;
  /** Text bytes of the parameters sent since the last call, then counts from zero again. */
  takeParameterBytes(): number;
}

/** `dist`: the build whose prepared-statement lookup runs, as the A/B pair's side does. */
export async function cannedDatabase(dist: string, row: unknown): Promise<CannedDatabase> {
  const { createStatementNamer } = (await import(pathToFileURL(`${dist}/store/prepared-statements.js`).href)) as {
    createStatementNamer: () => { nameFor(text: string, prepared: Set<string>): string | null };
  };
  const namer = createStatementNamer();
  const prepared = new Set<string>();
  let parameterBytes = 0;
  const connection: DatabaseConnection = {
    async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
      namer.nameFor(query.sql, prepared);
      for (const value of query.parameters) {
        const text = prepareValue(value);
        parameterBytes += typeof text === 'string' ? text.length : 0;
      }
      return { rows: [row as R] };
    },
    // eslint-disable-next-line require-yield -- never streamed
    async *streamQuery() {
      throw new Error('not used');
    },
  };
  const driver: Driver = {
    init: async () => {},
    acquireConnection: async () => connection,
    beginTransaction: async () => {},
    commitTransaction: async () => {},
    rollbackTransaction: async () => {},
    releaseConnection: async () => {},
    destroy: async () => {},
  };
  const db = new Kysely<unknown>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => driver,
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  return {
    db,
    takeParameterBytes: () => {
      const bytes = parameterBytes;
      parameterBytes = 0;
      return bytes;
    },
  };
}
