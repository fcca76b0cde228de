import { CompiledQuery, sql, type Kysely, type QueryResult, type RawBuilder } from 'kysely';

/** Any database handle or transaction: what the template is compiled and run with. */
type Database = Pick<Kysely<unknown>, 'executeQuery' | 'getExecutor'>;

/** A named value of a statement template: `$n` in its text, the same `n` wherever the name is used. */
export type TemplateParam<P> = <K extends keyof P & string>(name: K) => RawBuilder<P[K]>;

/**
 * A statement whose text depends only on its shape, written once as a Kysely `sql` template and run
 * with each request's values (issue 13.4). Building and compiling the template on every request
 * was a booking's largest Kysely cost, and each new text string was hashed again to find its
 * prepared statement (store/prepared-statements.ts); here the text is one string for the process.
 * A value used in several places is sent once. Every value must come through `param`: a value
 * interpolated directly would be compiled into the text's parameters of the first run, so it is
 * refused at compile time.
 */
export class StatementTemplate<P extends Record<string, unknown>, R> {
  private constructor(
    readonly text: string,
    private readonly names: ReadonlyArray<keyof P & string>,
  ) {}

  /** Compiles `build`'s statement; `db` only lends its dialect's compiler (every database here is PostgreSQL's). */
  static compile<P extends Record<string, unknown>, R>(
    db: Database,
    build: (param: TemplateParam<P>) => RawBuilder<R>,
  ): StatementTemplate<P, R> {
    const names: Array<keyof P & string> = [];
    const param: TemplateParam<P> = (name) => {
      let at = names.indexOf(name);
      if (at < 0) at = names.push(name) - 1;
      return sql.raw(`$${at + 1}`);
    };
    const compiled = build(param).compile(db);
    if (compiled.parameters.length > 0) throw new Error('A statement template takes its values through param(), not interpolated.');
    // A name asked for but left out of the text would still be sent, and PostgreSQL refuses a value it has no place for.
    const unused = names.filter((_, at) => !new RegExp(`\\$${at + 1}(?![0-9])`).test(compiled.sql));
    if (unused.length > 0) throw new Error(`Statement template parameters not in its text: ${unused.join(', ')}`);
    return new StatementTemplate<P, R>(compiled.sql, names);
  }

  execute(db: Database, values: P): Promise<QueryResult<R>> {
    return db.executeQuery(
      CompiledQuery.raw(
        this.text,
        this.names.map((name) => values[name]),
      ) as CompiledQuery<R>,
    );
  }
}
