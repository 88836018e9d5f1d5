import { PGlite } from '@electric-sql/pglite';
import type { SqlClient, SqlSession } from './sqlClient.ts';

/** Embedded PostgreSQL (PGlite, Postgres compiled to WASM), persisted in dataDir, or in memory when dataDir is
 * undefined. PGlite is a single connection, so sessions are serialised through a queue. */
export async function openPglite(dataDir?: string): Promise<SqlClient> {
  const db = dataDir === undefined ? new PGlite() : new PGlite(dataDir);
  await db.waitReady;
  let tail: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
  const raw: SqlSession = {
    async query<Row>(sql: string, params: unknown[] = []) {
      const result = await db.query<Row>(sql, params);
      return result.rows;
    },
    async exec(sql: string) {
      await db.exec(sql);
    },
  };
  return {
    query: (sql, params) => serial(() => raw.query(sql, params)),
    exec: (sql) => serial(() => raw.exec(sql)),
    session: (fn) => serial(() => fn(raw)),
    close: () => serial(() => db.close()),
  };
}
