import { describe, expect, it } from 'vitest';
import { createStatementNamer } from '../../../src/store/prepared-statements.ts';

describe('createStatementNamer', () => {
  it('names a text only from its third run on, and the same text always by the same name', () => {
    const namer = createStatementNamer({ prepareAfter: 3 });
    const connection = new Set<string>();
    expect(namer.nameFor('select $1', connection)).toBeNull();
    expect(namer.nameFor('select $1', connection)).toBeNull();
    const name = namer.nameFor('select $1', connection);
    expect(name).toMatch(/^t_/);
    expect(namer.nameFor('select $1', connection)).toBe(name);
    // Another connection prepares it too, under the same name.
    expect(namer.nameFor('select $1', new Set())).toBe(name);
  });

  it('gives different texts different names', () => {
    const namer = createStatementNamer({ prepareAfter: 1 });
    const connection = new Set<string>();
    const a = namer.nameFor('select $1', connection);
    const b = namer.nameFor('select $1 + 1', connection);
    expect(a).not.toBeNull();
    expect(b).not.toBeNull();
    expect(a).not.toBe(b);
  });

  it('prepares at most `perConnection` statements on a connection and sends the rest unnamed', () => {
    const namer = createStatementNamer({ prepareAfter: 1, perConnection: 2 });
    const connection = new Set<string>();
    const first = namer.nameFor('select 1 where $1', connection);
    expect(namer.nameFor('select 2 where $1', connection)).not.toBeNull();
    expect(namer.nameFor('select 3 where $1', connection)).toBeNull();
    // Those already prepared there keep their names.
    expect(namer.nameFor('select 1 where $1', connection)).toBe(first);
    expect(connection.size).toBe(2);
    // A fresh connection has room again.
    expect(namer.nameFor('select 3 where $1', new Set())).not.toBeNull();
  });
});
