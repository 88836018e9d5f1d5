import type { SqlClient, SqlSession } from './sqlClient.ts';

/** A SqlClient over a single connection: queries, sessions and close run one at a time in call order, so a
 * session's statements (BEGIN … COMMIT) never interleave with others. Used for PGlite and per-request Worker
 * connections. */
export function serialSqlClient(connection: SqlSession, close: () => Promise<void>): SqlClient {
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
  return {
    query: (sql, params) => serial(() => connection.query(sql, params)),
    exec: (sql) => serial(() => connection.exec(sql)),
    session: (fn) => serial(() => fn(connection)),
    close: () => serial(close),
  };
}
